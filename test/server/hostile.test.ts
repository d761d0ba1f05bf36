/**
 * Floods from one connection against a CSMS in its own process with a 1 GB heap: the work a connection may cause is
 * bounded (handled at once, waiting, refused), so the process lives, its memory stays flat and other charge points
 * are served; a client that pipelines and reads its answers is slowed down, never dropped.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { within } from './helpers.ts';

const SCRIPT = new URL('./hostile-server.ts', import.meta.url).pathname;
const MB = 1024 * 1024;

interface Memory {
  rss: number;
  heap: number;
}

let child: ChildProcess;
let url: string;

function request<T>(type: string): Promise<T> {
  return within(
    new Promise<T>((resolve) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      if (type !== 'ready') child.send({ type });
    }),
    20_000,
    `${type} from the server process`,
  );
}

function open(identity: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url}/${identity}`, 'ocpp2.0.1');
  return within(
    new Promise<WebSocket>((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }),
    5000,
    `open ${identity}`,
  );
}

/** A Heartbeat round trip of a well-behaved charge point. */
async function heartbeat(identity: string): Promise<unknown[]> {
  const ws = await open(identity);
  const answer = new Promise<unknown[]>((resolve) =>
    ws.once('message', (data) => resolve(JSON.parse(String(data)) as unknown[])),
  );
  ws.send('[2,"hb","Heartbeat",{}]');
  const frame = await within(answer, 5000, `Heartbeat of ${identity}`);
  ws.close();
  return frame;
}

beforeAll(async () => {
  child = fork(SCRIPT, [], {
    execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=1024'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await request<{ port: number }>('ready');
  url = `ws://127.0.0.1:${port}`;
});

afterAll(() => {
  child.kill('SIGKILL');
});

describe('one connection cannot exhaust the process', () => {
  it('938k pipelined CALLs to a slow async handler, unread: the process lives, flat, and serves others', async () => {
    await heartbeat('warm-up');
    const before = await request<Memory>('memory');
    const attacker = await open('attacker');
    attacker.pause(); // never reads its answers
    const frames = 938_000;
    for (let i = 0; i < frames; i++) attacker.send(`[2,"${i}","DataTransfer",{"vendorId":"flood"}]`);
    // what the server read of it is handled, queued, refused or still in the kernel's buffers
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await heartbeat('bystander')).toEqual([3, 'hb', { currentTime: expect.any(String) }]);
    const during = await request<Memory>('memory');
    expect(child.exitCode).toBeNull();
    expect(during.heap - before.heap).toBeLessThan(64 * MB);
    expect(during.rss - before.rss).toBeLessThan(160 * MB);

    // reading again: the CALLs it may have get to wait (4 handled, 32 queued); the rest are refused, not dropped
    const answers: unknown[][] = [];
    attacker.on('message', (data) => answers.push(JSON.parse(String(data)) as unknown[]));
    attacker.resume();
    await within(
      new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (answers.length >= frames - 36) {
            clearInterval(poll);
            resolve();
          }
        }, 50);
      }),
      60_000,
      'the refusals',
    );
    expect(answers.length).toBe(frames - 36);
    expect(answers.every(([type, , code]) => type === 4 && code === 'GenericError')).toBe(true);
    expect(attacker.readyState).toBe(WebSocket.OPEN);
    attacker.terminate();
    expect(await heartbeat('bystander-after')).toEqual([3, 'hb', { currentTime: expect.any(String) }]);
  }, 120_000);

  it('a client that pipelines 100k CALLs and reads its answers gets every one and stays connected', async () => {
    const ws = await open('pipeliner');
    const count = 100_000;
    let answered = 0;
    let wrong = 0;
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const [type] = JSON.parse(String(data)) as unknown[];
        if (type !== 3) wrong++;
        if (++answered === count) resolve();
      });
    });
    for (let i = 0; i < count; i++) ws.send(`[2,"${i}","Heartbeat",{}]`);
    await within(done, 60_000, 'the 100k answers');
    expect(wrong).toBe(0);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  }, 90_000);
});
