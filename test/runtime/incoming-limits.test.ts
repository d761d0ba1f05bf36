/**
 * The bound on one connection's incoming CALLs: `maxConcurrentCalls` handled at once, `maxQueuedCalls` waiting in
 * order, the rest refused at once with GenericError; a CALL id is unique among those handled and those waiting.
 */
import { describe, expect, it } from 'vitest';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { flush, rawPair } from './helpers.ts';

/** Holds every DataTransfer until released; records the order handlers started in. */
function holdingHandlers() {
  const started: string[] = [];
  const release: (() => void)[] = [];
  return {
    started,
    release,
    handlers: {
      onDataTransfer(request: { messageId?: string }) {
        started.push(request.messageId ?? '');
        return new Promise((resolve) => release.push(() => resolve({ status: 'Accepted' })));
      },
      onHeartbeat() {
        return { currentTime: '2024-01-01T00:00:00Z' };
      },
    },
  };
}

const dataTransfer = (id: string) => [2, id, 'DataTransfer', { vendorId: 'v', messageId: id }];

describe('incoming CALLs are bounded per connection', () => {
  it('2 handled, 3 waiting, the next refused with GenericError; the waiting ones start in order', async () => {
    const { connection, peer } = rawPair('ocpp2.0.1');
    const { started, release, handlers } = holdingHandlers();
    const cp = new v201.ChargePoint('CP', connection, { handlers, maxConcurrentCalls: 2, maxQueuedCalls: 3 });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) peer.send(dataTransfer(id));
    expect(await peer.next()).toEqual([4, 'f', 'GenericError', 'Too many CALLs at once: 2 handled and 3 waiting', {}]);
    expect(started).toEqual(['a', 'b']);
    expect(cp.unansweredCalls).toBe(5);
    // a synchronous handler waits its turn too: answers keep the order of the CALLs
    peer.send([2, 'g', 'Heartbeat', {}]);
    expect((await peer.next())[1]).toBe('g'); // refused: the queue is full
    release.shift()?.();
    await flush();
    expect(started).toEqual(['a', 'b', 'c']);
    expect((await peer.drain()).map(([type, id]) => [type, id])).toEqual([[3, 'a']]);
    while (release.length > 0) {
      release.shift()?.();
      await flush();
    }
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await peer.drain()).map(([type, id]) => [type, id])).toEqual([
      [3, 'b'],
      [3, 'c'],
      [3, 'd'],
      [3, 'e'],
    ]);
    expect(cp.unansweredCalls).toBe(0);
  });

  it('the id of a waiting CALL is in use: a duplicate gets the duplicate-id error', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    const { handlers } = holdingHandlers();
    new v16.ChargePoint('CP', connection, { handlers, maxConcurrentCalls: 1 });
    peer.send(dataTransfer('a'));
    peer.send(dataTransfer('b'));
    const [type, id, code] = await peer.exchange(dataTransfer('b'));
    expect([type, id, code]).toEqual([4, 'b', 'ProtocolError']);
  });

  it('the defaults: 4 handled at once and 32 waiting', async () => {
    const { connection, peer } = rawPair('ocpp2.0.1');
    const { started, handlers } = holdingHandlers();
    new v201.ChargePoint('CP', connection, { handlers });
    for (let i = 0; i < 40; i++) peer.send(dataTransfer(String(i)));
    const refused = await peer.drain();
    expect(started).toHaveLength(4);
    expect(refused.map(([type, id, code]) => [type, id, code])).toEqual([
      [4, '36', 'GenericError'],
      [4, '37', 'GenericError'],
      [4, '38', 'GenericError'],
      [4, '39', 'GenericError'],
    ]);
  });

  it('limits that are not integers are refused', () => {
    const { connection } = rawPair('ocpp2.0.1');
    expect(() => new v201.ChargePoint('CP', connection, { maxConcurrentCalls: 0 })).toThrow(RangeError);
    expect(() => new v201.ChargePoint('CP', connection, { maxQueuedCalls: 1.5 })).toThrow(RangeError);
  });
});
