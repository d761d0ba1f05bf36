/** FileQueueStore: what it writes survives a reopen; a crash's cut-short line is cut off; corruption is reported. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileQueueStore, type QueuedMessage, QueueStoreCorruptError } from '../../src/v201/index.ts';

const message = (id: string, seqNo = 0): QueuedMessage => ({
  id,
  action: 'TransactionEvent',
  payload: { seqNo },
  attempts: 0,
  queuedAt: 1,
});

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'ocppkit-store-'));
}

describe('FileQueueStore', () => {
  it('adds, updates and removes survive a reopen, in order', async () => {
    const path = join(folder(), 'queue', 'log');
    const store = new FileQueueStore(path);
    expect(await store.load()).toEqual([]);
    await store.add(message('a', 1));
    await store.add(message('b', 2));
    await store.add(message('c', 3));
    await store.update({ ...message('b', 2), attempts: 2 });
    await store.remove('a');
    await store.close();
    const reopened = await new FileQueueStore(path).load();
    expect(reopened).toEqual([{ ...message('b', 2), attempts: 2 }, message('c', 3)]);
  });

  it('a last line cut short by a crash is cut off; what came before is kept', async () => {
    const path = join(folder(), 'log');
    const store = new FileQueueStore(path);
    await store.add(message('a'));
    await store.close();
    const whole = readFileSync(path, 'utf8');
    writeFileSync(path, `${whole}${whole.slice(0, 30)}`);
    expect(await new FileQueueStore(path).load()).toEqual([message('a')]);
    expect(readFileSync(path, 'utf8')).toBe(whole);
  });

  it.each([
    ['a flipped byte', (text: string) => text.replace('"b"', '"x"'), 'checksum mismatch'],
    ['a line of garbage', (text: string) => `${text.split('\n')[0]}\ngarbage\n${text.split('\n')[1]}\n`, 'checksum'],
  ])('%s: load throws QueueStoreCorruptError, the file is kept and never written again', async (_name, spoil, why) => {
    const path = join(folder(), 'log');
    const store = new FileQueueStore(path);
    await store.add(message('a'));
    await store.add(message('b'));
    await store.close();
    const spoilt = spoil(readFileSync(path, 'utf8'));
    writeFileSync(path, spoilt);
    const damaged = new FileQueueStore(path);
    const error = await damaged.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueStoreCorruptError);
    expect((error as QueueStoreCorruptError).line).toBe(2);
    expect((error as QueueStoreCorruptError).reason).toContain(why);
    await expect(damaged.add(message('c'))).rejects.toBe(error);
    expect(readFileSync(path, 'utf8')).toBe(spoilt);
  });

  it('rewrites the log once removed records outnumber the live ones, keeping the live ones', async () => {
    const path = join(folder(), 'log');
    const store = new FileQueueStore(path, { compactAfter: 10 });
    await store.add(message('keep'));
    for (let i = 0; i < 20; i++) {
      await store.add(message(String(i)));
      await store.remove(String(i));
    }
    expect(readFileSync(path, 'utf8').split('\n').length).toBeLessThan(14);
    await store.close();
    expect(await new FileQueueStore(path).load()).toEqual([message('keep')]);
  });
});
