/** Outgoing CALLs: queueing, timeouts, aborts, disconnects, late answers, validation, crossing calls. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  CallAbortedError,
  CallError,
  CallTimeoutError,
  ConnectionClosedError,
  RequestValidationError,
} from '../../src/errors.ts';
import { createConnectionPair } from '../../src/testing.ts';
import {
  Action,
  type AuthorizeRequest,
  ChargePoint,
  ChargePointSession,
  call,
  type HandlerContext,
  on,
  type RemoteStartTransactionRequest,
} from '../../src/v16/index.ts';
import { flush, rawPair } from './helpers.ts';

const NOW = '2024-01-01T00:00:00Z';

afterEach(() => {
  vi.useRealTimers();
});

function csms(options: ConstructorParameters<typeof ChargePoint>[2] = {}) {
  const { connection, peer } = rawPair('ocpp1.6');
  const cp = new ChargePoint('CP-1', connection, options);
  return { cp, peer };
}

describe('call()', () => {
  test('with a Call instance and with an action name; the answer is the typed response', async () => {
    const { cp, peer } = csms();
    const first = cp.call(new call.Reset({ type: 'Soft' }));
    const frame = await peer.next();
    expect(frame).toEqual([2, expect.any(String), 'Reset', { type: 'Soft' }]);
    peer.send([3, frame[1], { status: 'Accepted' }]);
    expect(await first).toEqual({ status: 'Accepted' });

    const second = cp.call('RemoteStartTransaction', { idTag: 'TAG-1', connectorId: 1 });
    const frame2 = await peer.next();
    expect(frame2).toEqual([2, expect.any(String), 'RemoteStartTransaction', { idTag: 'TAG-1', connectorId: 1 }]);
    expect(frame2[1]).not.toBe(frame[1]);
    peer.send([3, frame2[1], { status: 'Rejected' }]);
    expect((await second).status).toBe('Rejected');
  });

  test('an empty request needs no payload and goes out as {}', async () => {
    const { cp, peer } = csms();
    const pending = cp.call('ClearCache');
    const frame = await peer.next();
    expect(frame).toEqual([2, expect.any(String), 'ClearCache', {}]);
    peer.send([3, frame[1], { status: 'Accepted' }]);
    await expect(pending).resolves.toEqual({ status: 'Accepted' });
  });

  test('message ids are unique, at most 36 characters, and differ across connections of one identity', async () => {
    const ids = new Set<string>();
    for (let c = 0; c < 3; c++) {
      const { cp, peer } = csms({ validation: false });
      for (let i = 0; i < 5; i++) {
        const pending = cp.call('ClearCache');
        const frame = await peer.next();
        const id = frame[1] as string;
        expect(id.length).toBeGreaterThan(0);
        expect(id.length).toBeLessThanOrEqual(36);
        ids.add(id);
        peer.send([3, id, { status: 'Accepted' }]);
        await pending;
      }
      await cp.close();
    }
    expect(ids.size).toBe(15);
  });

  test('a CALL the other side sends is refused at run time too', async () => {
    const { cp } = csms();
    // @ts-expect-error BootNotification is sent by charge points only
    await expect(cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).rejects.toThrow(
      TypeError,
    );
  });
});

describe('one CALL in flight, the rest queued in order', () => {
  test('the second waits until the first is answered; order is kept', async () => {
    const { cp, peer } = csms();
    const results: string[] = [];
    const a = cp.call('Reset', { type: 'Soft' }).then((r) => results.push(`a:${r.status}`));
    const b = cp.call('Reset', { type: 'Hard' }).then((r) => results.push(`b:${r.status}`));
    const c = cp.call('ClearCache').then((r) => results.push(`c:${r.status}`));
    expect(cp.pendingCalls).toBe(3);

    const first = await peer.next();
    expect(first[3]).toEqual({ type: 'Soft' });
    expect(await peer.drain()).toEqual([]); // nothing else went out

    peer.send([3, first[1], { status: 'Accepted' }]);
    const second = await peer.next();
    expect(second[3]).toEqual({ type: 'Hard' });
    expect(await peer.drain()).toEqual([]);

    peer.send([3, second[1], { status: 'Rejected' }]);
    const third = await peer.next();
    expect(third[2]).toBe('ClearCache');
    peer.send([3, third[1], { status: 'Accepted' }]);
    await Promise.all([a, b, c]);
    expect(results).toEqual(['a:Accepted', 'b:Rejected', 'c:Accepted']);
    expect(cp.pendingCalls).toBe(0);
  });

  test('a CALLERROR settles the call in flight and the next one goes out', async () => {
    const { cp, peer } = csms();
    const failures: unknown[] = [];
    cp.events.on('call:error', (e) => failures.push([e.action, e.messageId, e.error]));
    const a = cp.call('Reset', { type: 'Soft' });
    const b = cp.call('ClearCache');
    const first = await peer.next();
    peer.send([4, first[1], 'NotSupported', 'no resets here', { reason: 'policy' }]);
    const error = await a.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({
      code: 'NotSupported',
      description: 'no resets here',
      details: { reason: 'policy' },
      action: 'Reset',
      messageId: first[1],
      origin: 'callerror',
    });
    expect(failures).toEqual([['Reset', first[1], error]]);
    const second = await peer.next();
    expect(second[2]).toBe('ClearCache');
    peer.send([3, second[1], { status: 'Accepted' }]);
    await expect(b).resolves.toEqual({ status: 'Accepted' });
  });
});

describe('maxCallsInFlight: more than one CALL on the wire, for load tools', () => {
  test('up to the limit go out at once; answers match by id in any order; the queue refills the freed places', async () => {
    const { cp, peer } = csms({ maxCallsInFlight: 2 });
    const a = cp.call('Reset', { type: 'Soft' });
    const b = cp.call('Reset', { type: 'Hard' });
    const c = cp.call('ClearCache');
    const sent = [await peer.next(), await peer.next()];
    expect(sent.map((frame) => frame[3])).toEqual([{ type: 'Soft' }, { type: 'Hard' }]);
    expect(await peer.drain()).toEqual([]); // the third waits
    expect(cp.pendingCalls).toBe(3);

    peer.send([3, sent[1]?.[1], { status: 'Rejected' }]); // the second is answered first
    await expect(b).resolves.toEqual({ status: 'Rejected' });
    const third = await peer.next();
    expect(third[2]).toBe('ClearCache');
    peer.send([4, sent[0]?.[1], 'NotSupported', '', {}]);
    await expect(a).rejects.toMatchObject({ code: 'NotSupported', action: 'Reset' });
    peer.send([3, third[1], { status: 'Accepted' }]);
    await expect(c).resolves.toEqual({ status: 'Accepted' });
    expect(cp.pendingCalls).toBe(0);
  });

  test('an answer to an id not on the wire is dropped, and a close rejects every call on the wire', async () => {
    const { cp, peer } = csms({ maxCallsInFlight: 3 });
    const unknown: string[] = [];
    cp.events.on('bad-frame', (e) => unknown.push(e.kind));
    const calls = [cp.call('ClearCache'), cp.call('ClearCache'), cp.call('ClearCache')];
    for (let i = 0; i < 3; i++) await peer.next();
    peer.send([3, 'not-sent', { status: 'Accepted' }]);
    await flush();
    expect(unknown).toEqual(['unknown-id']);
    await cp.close();
    for (const pending of calls) await expect(pending).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  test.each([0, -1, 1.5, Number.NaN])('%s is refused with a RangeError', (value) => {
    const { connection } = rawPair('ocpp1.6');
    expect(() => new ChargePoint('CP-1', connection, { maxCallsInFlight: value })).toThrow(RangeError);
  });
});

describe('timeouts', () => {
  test('a timeout beyond what setTimeout can hold means no timeout, not an instant one', async () => {
    const { cp, peer } = csms();
    const pending = cp.call('ClearCache', {}, { timeout: 3e9 });
    const frame = await peer.next();
    await flush();
    peer.send([3, frame[1], { status: 'Accepted' }]);
    await expect(pending).resolves.toEqual({ status: 'Accepted' });
  });

  test('rejects at once with CallTimeoutError; the next call goes out; a late answer is dropped, unanswered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { cp, peer } = csms({ callTimeout: 1000 });
    const events: string[] = [];
    cp.events.on('bad-frame', (e) => events.push(`${e.kind}:${e.messageId}`));
    const a = cp.call('Reset', { type: 'Soft' });
    const b = cp.call('ClearCache', {}, { timeout: 5000 });
    const aRejected = a.catch((e: unknown) => e);
    const first = await peer.next();
    await vi.advanceTimersByTimeAsync(999);
    expect(await peer.drain()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const error = await aRejected;
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ action: 'Reset', messageId: first[1], timeout: 1000 });
    const second = await peer.next();
    expect(second[2]).toBe('ClearCache');

    peer.send([3, first[1], { status: 'Accepted' }]); // late
    expect(await peer.drain()).toEqual([]);
    expect(events).toEqual([`unknown-id:${first[1]}`]);
    peer.send([3, second[1], { status: 'Accepted' }]);
    await expect(b).resolves.toEqual({ status: 'Accepted' });
  });

  test('counts from call(): a queued call can time out and is then never sent', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { cp, peer } = csms({ callTimeout: 0 });
    const a = cp.call('Reset', { type: 'Soft' });
    const b = cp.call('ClearCache', {}, { timeout: 100 });
    const bRejected = b.catch((e: unknown) => e);
    const first = await peer.next();
    await vi.advanceTimersByTimeAsync(100);
    expect(await bRejected).toBeInstanceOf(CallTimeoutError);
    peer.send([3, first[1], { status: 'Accepted' }]);
    await expect(a).resolves.toEqual({ status: 'Accepted' });
    expect(await peer.drain()).toEqual([]);
    expect(cp.pendingCalls).toBe(0);
  });
});

describe('aborts', () => {
  test('aborting the call in flight rejects at once; the next goes out', async () => {
    const { cp, peer } = csms();
    const controller = new AbortController();
    const a = cp.call('Reset', { type: 'Soft' }, { signal: controller.signal });
    const b = cp.call('ClearCache');
    const first = await peer.next();
    controller.abort(new Error('operator cancelled'));
    const error = await a.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallAbortedError);
    expect((error as CallAbortedError).cause).toEqual(new Error('operator cancelled'));
    const second = await peer.next();
    expect(second[2]).toBe('ClearCache');
    peer.send([3, first[1], { status: 'Accepted' }]); // late: dropped
    peer.send([3, second[1], { status: 'Accepted' }]);
    await expect(b).resolves.toEqual({ status: 'Accepted' });
  });

  test('aborting a queued call: never sent', async () => {
    const { cp, peer } = csms();
    const controller = new AbortController();
    const a = cp.call('Reset', { type: 'Soft' });
    const b = cp.call('Reset', { type: 'Hard' }, { signal: controller.signal });
    const first = await peer.next();
    controller.abort();
    await expect(b).rejects.toBeInstanceOf(CallAbortedError);
    peer.send([3, first[1], { status: 'Accepted' }]);
    await a;
    expect(await peer.drain()).toEqual([]);
  });

  test('an aborted signal: rejected without sending', async () => {
    const { cp, peer } = csms();
    await expect(cp.call('ClearCache', {}, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CallAbortedError);
    expect(await peer.drain()).toEqual([]);
  });
});

describe('disconnect', () => {
  test('rejects the call in flight and the queued ones with ConnectionClosedError before start() resolves', async () => {
    const { cp, peer } = csms();
    const order: string[] = [];
    const a = cp.call('Reset', { type: 'Soft' }).catch((e: unknown) => {
      order.push('a');
      return e;
    });
    const b = cp.call('ClearCache').catch((e: unknown) => {
      order.push('b');
      return e;
    });
    const closed = cp.start().then(() => order.push('closed'));
    await peer.next();
    peer.connection.close(1001, 'going away');
    await closed;
    expect(order).toEqual(['a', 'b', 'closed']);
    expect(await a).toBeInstanceOf(ConnectionClosedError);
    expect(await b).toMatchObject({ name: 'ConnectionClosedError', action: 'ClearCache', code: 1001 });
    expect(cp.closed).toBe(true);
    await expect(cp.call('ClearCache')).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  test('close() closes the connection and start() resolves; handler signals abort', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    let signal: AbortSignal | undefined;
    class Csms extends ChargePoint {
      @on(Action.Authorize)
      authorize(_request: AuthorizeRequest, context: HandlerContext) {
        signal = context.signal;
        return new Promise<never>(() => {});
      }
    }
    const cp = new Csms('CP-1', connection);
    peer.send([2, 'a1', 'Authorize', { idTag: 'T' }]);
    await flush();
    expect(signal?.aborted).toBe(false);
    await cp.close(1000, 'bye');
    expect(signal?.aborted).toBe(true);
    expect(peer.closedWith).toEqual({ code: 1000, reason: 'bye' });
    expect(await peer.drain()).toEqual([]);
  });
});

describe('validation of calls', () => {
  test('an invalid request is not sent: RequestValidationError', async () => {
    const { cp, peer } = csms();
    const events: string[] = [];
    cp.events.on('validation:failed', (e) => events.push(`${e.direction}:${e.kind}:${e.issue.keyword}`));
    // @ts-expect-error type must be Hard or Soft
    const error = await cp.call('Reset', { type: 'Gentle' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issue.keyword).toBe('enum');
    expect(events).toEqual(['out:request:enum']);
    expect(await peer.drain()).toEqual([]);
  });

  test('skipValidation sends it anyway', async () => {
    const { cp, peer } = csms();
    // @ts-expect-error type must be Hard or Soft
    void cp.call('Reset', { type: 'Gentle' }, { skipValidation: true });
    expect((await peer.next())[3]).toEqual({ type: 'Gentle' });
  });

  test('an invalid CALLRESULT rejects with CallError (1.6: nothing sent back)', async () => {
    const { cp, peer } = csms();
    const failed: string[] = [];
    cp.events.on('validation:failed', (e) => failed.push(`${e.direction}:${e.kind}:${e.action}:${e.issue.keyword}`));
    const pending = cp.call('Reset', { type: 'Soft' });
    const frame = await peer.next();
    peer.send([3, frame[1], { status: 'Perhaps' }]);
    const error = await pending.catch((e: unknown) => e);
    expect(failed).toEqual(['in:response:Reset:enum']);
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({
      code: 'PropertyConstraintViolation',
      origin: 'invalid-result',
      action: 'Reset',
      details: { keyword: 'enum', instancePath: '/status' },
    });
    expect(await peer.drain()).toEqual([]);
  });

  test('an invalid CALLRESULT is accepted with skipValidation', async () => {
    const { cp, peer } = csms();
    const pending = cp.call('Reset', { type: 'Soft' }, { skipValidation: true });
    const frame = await peer.next();
    peer.send([3, frame[1], { status: 'Perhaps' }]);
    expect(await pending).toEqual({ status: 'Perhaps' });
  });

  test('a malformed CALLRESULT for the call in flight fails it at once, unanswered', async () => {
    const { cp, peer } = csms();
    const pending = cp.call('Reset', { type: 'Soft' });
    const frame = await peer.next();
    peer.send([3, frame[1], 'Accepted']);
    await expect(pending).rejects.toMatchObject({
      name: 'CallError',
      code: 'FormationViolation',
      origin: 'invalid-result',
    });
    expect(await peer.drain()).toEqual([]);
  });

  test('connection-wide validation: false', async () => {
    const { cp, peer } = csms({ validation: false });
    // @ts-expect-error type must be Hard or Soft
    const pending = cp.call('Reset', { type: 'Gentle' });
    const frame = await peer.next();
    peer.send([3, frame[1], { status: 'Perhaps' }]);
    expect(await pending).toEqual({ status: 'Perhaps' });
  });
});

describe('calls crossing', () => {
  test('a handler awaits its own call while the peer calls: no deadlock', async () => {
    const [csmsEnd, chargerEnd] = createConnectionPair({ protocol: 'ocpp1.6' });
    const log: string[] = [];

    class Csms extends ChargePoint {
      @on(Action.Authorize)
      authorize(request: AuthorizeRequest) {
        log.push(`csms:Authorize:${request.idTag}`);
        return { idTagInfo: { status: 'Accepted' as const } };
      }
    }
    class Charger extends ChargePointSession {
      @on(Action.RemoteStartTransaction)
      async remoteStart(request: RemoteStartTransactionRequest) {
        log.push('charger:RemoteStart');
        // crossing CALL: the CSMS is waiting for our answer to RemoteStartTransaction
        const auth = await this.call('Authorize', { idTag: request.idTag });
        log.push(`charger:Authorize answered ${auth.idTagInfo.status}`);
        return { status: auth.idTagInfo.status === 'Accepted' ? ('Accepted' as const) : ('Rejected' as const) };
      }
    }
    const cp = new Csms('CP-1', csmsEnd);
    new Charger('CP-1', chargerEnd);
    const result = await cp.call('RemoteStartTransaction', { idTag: 'TAG-7' });
    expect(result).toEqual({ status: 'Accepted' });
    expect(log).toEqual(['charger:RemoteStart', 'csms:Authorize:TAG-7', 'charger:Authorize answered Accepted']);
  });

  test('a handler awaits its own call; the peer sends another CALL before answering', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    class Csms extends ChargePoint {
      onHeartbeat() {
        return { currentTime: NOW };
      }
      @on(Action.Authorize)
      async authorize(_request: AuthorizeRequest) {
        const config = await this.call('GetConfiguration', { key: ['AuthorizeRemoteTxRequests'] });
        return {
          idTagInfo: { status: config.configurationKey?.length ? ('Accepted' as const) : ('Invalid' as const) },
        };
      }
    }
    new Csms('CP-1', connection);
    peer.send([2, 'c1', 'Authorize', { idTag: 'T' }]);
    const outgoing = await peer.next();
    expect(outgoing.slice(2)).toEqual(['GetConfiguration', { key: ['AuthorizeRemoteTxRequests'] }]);
    // before answering, the charger sends a Heartbeat: it is answered at once
    expect(await peer.exchange([2, 'c2', 'Heartbeat', {}])).toEqual([3, 'c2', { currentTime: NOW }]);
    peer.send([
      3,
      outgoing[1],
      { configurationKey: [{ key: 'AuthorizeRemoteTxRequests', readonly: false, value: 'true' }] },
    ]);
    expect(await peer.next()).toEqual([3, 'c1', { idTagInfo: { status: 'Accepted' } }]);
  });
});
