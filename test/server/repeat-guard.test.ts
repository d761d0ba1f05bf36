/**
 * The guard against transaction-related messages handled twice: a charge point that sends a transaction message
 * again with the same id, after a reconnect, gets the first answer and the handler runs once.
 */
import { describe, expect, it } from 'vitest';
import { RepeatGuard } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { startServer } from './fixtures.ts';
import { RawClient } from './helpers.ts';

const START = { connectorId: 1, idTag: 'TAG', meterStart: 0, timestamp: '2024-01-01T00:00:00Z' };
const EVENT = {
  eventType: 'Started',
  timestamp: '2024-01-01T00:00:00Z',
  triggerReason: 'Authorized',
  seqNo: 0,
  transactionInfo: { transactionId: 'T-1' },
};

/** 1.6 and 2.0.1 handlers that count what reaches them; `hold` makes the next ones wait for `release()`. */
function counting() {
  const seen: string[] = [];
  let next = 1;
  let held: (() => void)[] | undefined;
  const gate = () => (held === undefined ? undefined : new Promise<void>((resolve) => held?.push(resolve)));
  const ctl = {
    seen,
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const resolve of waiting) resolve();
    },
    fail: false,
  };
  class V16 extends v16.ChargePoint {
    async onStartTransaction() {
      seen.push('StartTransaction');
      await gate();
      if (ctl.fail) throw new Error('database down');
      return { transactionId: next++, idTagInfo: { status: v16.AuthorizationStatus.Accepted } };
    }
    onHeartbeat() {
      seen.push('Heartbeat');
      return { currentTime: new Date().toISOString() };
    }
  }
  class V201 extends v201.ChargePoint {
    onTransactionEvent() {
      seen.push('TransactionEvent');
      return { totalCost: next++ };
    }
  }
  return { ctl, protocols: { 'ocpp1.6': V16, 'ocpp2.0.1': V201 } };
}

describe('repeated transaction messages', () => {
  it('1.6: a StartTransaction sent again with its id on a new connection gets the first answer; handled once', async () => {
    const { ctl, protocols } = counting();
    const { url } = await startServer({ protocols });
    const first = await RawClient.open(url('/CP1'), 'ocpp1.6');
    const answer = await first.call('m-1', 'StartTransaction', START);
    first.ws.terminate();
    const second = await RawClient.open(url('/cp1'), 'ocpp1.6'); // same identity, another spelling
    expect(await second.call('m-1', 'StartTransaction', START)).toEqual(answer);
    expect((await second.call('m-2', 'StartTransaction', START))[2]).toMatchObject({ transactionId: 2 });
    expect(ctl.seen).toEqual(['StartTransaction', 'StartTransaction']);
    // messages that are not transaction-related are handled each time
    await second.call('h', 'Heartbeat', {});
    await second.call('h', 'Heartbeat', {});
    expect(ctl.seen.filter((a) => a === 'Heartbeat')).toHaveLength(2);
    await second.close();
  });

  it('2.0.1: a TransactionEvent repeated on the same connection after its answer gets that answer', async () => {
    const { ctl, protocols } = counting();
    const { url } = await startServer({ protocols });
    const client = await RawClient.open(url('/CP2'), 'ocpp2.0.1');
    const answer = await client.call('e-1', 'TransactionEvent', EVENT);
    expect(await client.call('e-1', 'TransactionEvent', EVENT)).toEqual(answer);
    expect(ctl.seen).toEqual(['TransactionEvent']);
    await client.close();
  });

  it('a handler still running when its connection drops: the repeat waits for it and gets its answer', async () => {
    const { ctl, protocols } = counting();
    const { url } = await startServer({ protocols });
    ctl.hold();
    const first = await RawClient.open(url('/CP3'), 'ocpp1.6');
    first.ws.send(JSON.stringify([2, 'm-1', 'StartTransaction', START]));
    await expect.poll(() => ctl.seen.length).toBe(1);
    first.ws.terminate();
    const second = await RawClient.open(url('/CP3'), 'ocpp1.6');
    const repeat = second.call('m-1', 'StartTransaction', START);
    await new Promise((resolve) => setTimeout(resolve, 50));
    ctl.release();
    expect((await repeat)[2]).toMatchObject({ transactionId: 1 });
    expect(ctl.seen).toEqual(['StartTransaction']);
    await second.close();
  });

  it('a first attempt whose handler failed is handled again', async () => {
    const { ctl, protocols } = counting();
    const { url } = await startServer({ protocols });
    const client = await RawClient.open(url('/CP4'), 'ocpp1.6');
    ctl.fail = true;
    expect((await client.call('m-1', 'StartTransaction', START))[0]).toBe(4);
    ctl.fail = false;
    expect((await client.call('m-1', 'StartTransaction', START))[0]).toBe(3);
    expect(ctl.seen).toEqual(['StartTransaction', 'StartTransaction']);
    await client.close();
  });

  it('a charger that starts its ids again on a new connection sends new messages, handled as such', async () => {
    const { ctl, protocols } = counting();
    const { url } = await startServer({ protocols });
    const first = await RawClient.open(url('/CP6'), 'ocpp1.6');
    await first.call('1', 'StartTransaction', START);
    await first.close();
    const second = await RawClient.open(url('/CP6'), 'ocpp1.6');
    const [, , answer] = await second.call('1', 'StartTransaction', { ...START, meterStart: 500 });
    expect(answer).toMatchObject({ transactionId: 2 });
    expect(ctl.seen).toEqual(['StartTransaction', 'StartTransaction']);
    await second.close();
  });

  it('repeatGuard: false turns it off', async () => {
    const { ctl, protocols } = counting();
    const { url } = await startServer({ protocols, repeatGuard: false });
    const client = await RawClient.open(url('/CP5'), 'ocpp1.6');
    await client.call('m-1', 'StartTransaction', START);
    await client.call('m-1', 'StartTransaction', START);
    expect(ctl.seen).toEqual(['StartTransaction', 'StartTransaction']);
    await client.close();
  });
});

describe('RepeatGuard', () => {
  const call = { protocol: 'ocpp2.0.1', action: 'TransactionEvent', payload: { seqNo: 1 } } as const;
  const wait = () => {};
  /** Checks a new CALL and remembers `frame` as its answer. */
  function answer(guard: RepeatGuard, identity: string, id: string, frame = `frame-${id}`) {
    const verdict = guard.check(identity, id, call, wait);
    if (verdict?.kind !== 'new') throw new Error(`${id} is not new`);
    guard.remember(verdict.ticket, frame);
  }

  it('a repeat is the same message: another action, version or payload under a known id is new', () => {
    const guard = new RepeatGuard();
    answer(guard, 'CP', '1');
    expect(guard.check('CP', '1', call, wait)).toEqual({ kind: 'answered', frame: 'frame-1' });
    expect(guard.check('CP', '1', { ...call, payload: { seqNo: 2 } }, wait)?.kind).toBe('new');
    answer(guard, 'CP', '2');
    expect(guard.check('CP', '2', { ...call, protocol: 'ocpp2.1' }, wait)?.kind).toBe('new');
    answer(guard, 'CP', '3');
    expect(guard.check('CP', '3', { ...call, action: 'StartTransaction' }, wait)?.kind).toBe('new');
  });

  it('remembers at most perIdentity answers, the newest; identities beyond the bound are forgotten', () => {
    const guard = new RepeatGuard({ perIdentity: 2, identities: 2 });
    for (const id of ['a', 'b', 'c']) answer(guard, 'CP', id);
    expect(guard.check('CP', 'c', call, wait)).toEqual({ kind: 'answered', frame: 'frame-c' });
    expect(guard.check('CP', 'a', call, wait)?.kind).toBe('new'); // forgotten
    guard.check('CP2', 'x', call, wait);
    guard.check('CP3', 'y', call, wait); // CP is the least recently used: forgotten
    expect(guard.check('CP', 'c', call, wait)?.kind).toBe('new');
  });

  it('forgets answers older than the window', async () => {
    const guard = new RepeatGuard({ window: 20 });
    answer(guard, 'CP', 'a', 'frame');
    expect(guard.check('CP', 'a', call, wait)).toEqual({ kind: 'answered', frame: 'frame' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(guard.check('CP', 'a', call, wait)?.kind).toBe('new');
  });
});
