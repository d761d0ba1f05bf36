/** OCPP 2.1 additions: SEND both ways and CALLRESULTERROR both ways. */
import { describe, expect, test } from 'vitest';
import { CallError, ConnectionClosedError, RequestValidationError } from '../../src/errors.ts';
import type { EndpointEventMap } from '../../src/events.ts';
import { createConnectionPair } from '../../src/testing.ts';
import {
  Action,
  ChargePoint,
  ChargePointSession,
  call,
  type HandlerContext,
  type NotifyPeriodicEventStreamRequest,
  on,
  type V21Handlers,
} from '../../src/v21/index.ts';
import { flush, rawPair } from './helpers.ts';

const STREAM: NotifyPeriodicEventStreamRequest = {
  id: 3,
  pending: 0,
  basetime: '2025-01-01T00:00:00Z',
  data: [{ t: 0, v: '230.1' }],
};

describe('SEND (2.1)', () => {
  test('charge point → CSMS: the handler runs, nothing is ever answered', async () => {
    const received: [NotifyPeriodicEventStreamRequest, string][] = [];
    class Csms extends ChargePoint {
      @on(Action.NotifyPeriodicEventStream)
      stream(request: NotifyPeriodicEventStreamRequest, context: HandlerContext) {
        received.push([request, context.messageId]);
      }
    }
    const [a, b] = createConnectionPair({ protocol: 'ocpp2.1' });
    new Csms('CP-1', a);
    const session = new ChargePointSession('CP-1', b);
    session.send('NotifyPeriodicEventStream', STREAM);
    session.send(new call.NotifyPeriodicEventStream({ ...STREAM, id: 4 }));
    await flush();
    expect(received.map(([r]) => r.id)).toEqual([3, 4]);
    expect(received[0]?.[0]).toEqual(STREAM);
    expect(a.sent).toEqual([]); // the CSMS sent nothing back
    expect(b.sent.map((f) => JSON.parse(String(f)).slice(0, 1))).toEqual([[6], [6]]);
  });

  test('on<Action> from the handler interface works for SEND too', async () => {
    const ids: number[] = [];
    class Csms extends ChargePoint implements V21Handlers {
      async onNotifyPeriodicEventStream(request: NotifyPeriodicEventStreamRequest) {
        ids.push(request.id);
      }
    }
    const { connection, peer } = rawPair('ocpp2.1');
    new Csms('CP-1', connection);
    peer.send([6, 's1', 'NotifyPeriodicEventStream', STREAM]);
    expect(await peer.drain()).toEqual([]);
    expect(ids).toEqual([3]);
  });

  test('not queued behind a CALL in flight', async () => {
    const { connection, peer } = rawPair('ocpp2.1');
    const session = new ChargePointSession('CP-1', connection);
    void session.call('Heartbeat');
    session.send('NotifyPeriodicEventStream', STREAM);
    const frames = await peer.drain();
    expect(frames.map((f) => [f[0], f[2]])).toEqual([
      [2, 'Heartbeat'],
      [6, 'NotifyPeriodicEventStream'],
    ]);
  });

  test('handler errors, invalid payloads, unknown or wrong SENDs: logged, never answered', async () => {
    class Csms extends ChargePoint {
      @on(Action.NotifyPeriodicEventStream)
      stream(): void {
        throw new Error('boom');
      }
    }
    const { connection, peer } = rawPair('ocpp2.1');
    const cp = new Csms('CP-1', connection);
    const events: string[] = [];
    cp.events.on('handler:error', (e) => events.push(`handler:${e.phase}:${(e.error as Error).message}`));
    cp.events.on('validation:failed', (e) => events.push(`validation:${e.issue.keyword}`));
    peer.send([6, 's1', 'NotifyPeriodicEventStream', STREAM]);
    peer.send([6, 's2', 'NotifyPeriodicEventStream', { ...STREAM, data: [] }]);
    peer.send([6, 's3', 'Teleport', {}]);
    peer.send([6, 's4', 'Heartbeat', {}]);
    expect(await peer.drain()).toEqual([]);
    expect(events).toEqual(['handler:send:boom', 'validation:minItems']);
  });

  test('a SEND sent as a CALL is NotSupported', async () => {
    class Csms extends ChargePoint {
      onNotifyPeriodicEventStream() {}
    }
    const { connection, peer } = rawPair('ocpp2.1');
    new Csms('CP-1', connection);
    expect((await peer.exchange([2, 'c1', 'NotifyPeriodicEventStream', STREAM])).slice(0, 3)).toEqual([
      4,
      'c1',
      'NotSupported',
    ]);
  });

  test('send(): validated unless skipped, refused on the CSMS side and after close', async () => {
    const { connection, peer } = rawPair('ocpp2.1');
    const session = new ChargePointSession('CP-1', connection);
    expect(() => session.send('NotifyPeriodicEventStream', { ...STREAM, id: -1 })).toThrow(RequestValidationError);
    session.send('NotifyPeriodicEventStream', { ...STREAM, id: -1 }, { skipValidation: true });
    expect((await peer.drain()).map((f) => (f[3] as { id: number }).id)).toEqual([-1]);

    const [a] = createConnectionPair({ protocol: 'ocpp2.1' });
    const csms = new ChargePoint('CP-1', a);
    // @ts-expect-error a CSMS sends no SEND message
    expect(() => csms.send('NotifyPeriodicEventStream', STREAM)).toThrow(TypeError);

    await session.close();
    expect(() => session.send('NotifyPeriodicEventStream', STREAM)).toThrow(ConnectionClosedError);
  });
});

describe('CALLRESULTERROR (2.1)', () => {
  test('our pending call gets a CALLRESULT that fails its schema: CallError, and [5, id, code, desc, {}] goes back', async () => {
    const { connection, peer } = rawPair('ocpp2.1');
    const cp = new ChargePoint('CP-1', connection);
    const pending = cp.call('Reset', { type: 'Immediate' });
    const frame = await peer.next();
    peer.send([3, frame[1], { status: 'Perhaps' }]);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({ code: 'PropertyConstraintViolation', origin: 'invalid-result', messageId: frame[1] });
    expect(await peer.next()).toEqual([
      5,
      frame[1],
      'PropertyConstraintViolation',
      '/status: must be one of the allowed values',
      {},
    ]);
  });

  test('a CALLRESULT for our call whose payload is not an object: CallError and CALLRESULTERROR FormatViolation', async () => {
    const { connection, peer } = rawPair('ocpp2.1');
    const cp = new ChargePoint('CP-1', connection);
    const pending = cp.call('Reset', { type: 'Immediate' });
    const frame = await peer.next();
    peer.send([3, frame[1], ['Accepted']]);
    await expect(pending).rejects.toMatchObject({ code: 'FormatViolation', origin: 'invalid-result' });
    expect(await peer.next()).toEqual([
      5,
      frame[1],
      'FormatViolation',
      'CALLRESULT: payload must be a JSON object',
      {},
    ]);
  });

  test('2.0.1 sends no CALLRESULTERROR for the same fault', async () => {
    const v201 = await import('../../src/v201/index.ts');
    const { connection, peer } = rawPair('ocpp2.0.1');
    const cp = new v201.ChargePoint('CP-1', connection);
    const pending = cp.call('Reset', { type: 'Immediate' });
    const frame = await peer.next();
    peer.send([3, frame[1], { status: 'Perhaps' }]);
    await expect(pending).rejects.toMatchObject({ code: 'PropertyConstraintViolation', origin: 'invalid-result' });
    expect(await peer.drain()).toEqual([]);
  });

  test('[5, id, …] for our pending call rejects it with CallError', async () => {
    const { connection, peer } = rawPair('ocpp2.1');
    const cp = new ChargePoint('CP-1', connection);
    const pending = cp.call('Reset', { type: 'OnIdle' });
    const frame = await peer.next();
    peer.send([5, frame[1], 'FormatViolation', 'cannot parse', { at: 'status' }]);
    await expect(pending).rejects.toMatchObject({
      name: 'CallError',
      code: 'FormatViolation',
      description: 'cannot parse',
      details: { at: 'status' },
      origin: 'callresulterror',
    });
    expect(await peer.drain()).toEqual([]);
  });

  test('[5, id, …] about a CALLRESULT we sent: result:rejected, never answered', async () => {
    class Csms extends ChargePoint {
      onHeartbeat() {
        return { currentTime: '2025-01-01T00:00:00Z' };
      }
    }
    const { connection, peer } = rawPair('ocpp2.1');
    const cp = new Csms('CP-1', connection);
    const rejected: EndpointEventMap['result:rejected'][] = [];
    cp.events.on('result:rejected', (e) => rejected.push(e));
    expect(await peer.exchange([2, 'h1', 'Heartbeat', {}])).toEqual([3, 'h1', { currentTime: '2025-01-01T00:00:00Z' }]);
    peer.send([5, 'h1', 'PropertyConstraintViolation', 'currentTime is in the future', {}]);
    expect(await peer.drain()).toEqual([]);
    expect(rejected).toEqual([
      {
        identity: 'CP-1',
        messageId: 'h1',
        code: 'PropertyConstraintViolation',
        description: 'currentTime is in the future',
        details: {},
      },
    ]);
  });

  test('end to end: a charge-point session rejects a bad CALLRESULT from a CSMS that skips validation', async () => {
    class SloppyCsms extends ChargePoint {
      @on(Action.Heartbeat, { skipValidation: true })
      heartbeat() {
        return { currentTime: 'noon' };
      }
    }
    const [a, b] = createConnectionPair({ protocol: 'ocpp2.1' });
    const csms = new SloppyCsms('CP-1', a);
    const rejected: string[] = [];
    csms.events.on('result:rejected', (e) => rejected.push(`${e.messageId}:${e.code}`));
    const session = new ChargePointSession('CP-1', b);
    const error = await session.call('Heartbeat').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PropertyConstraintViolation', origin: 'invalid-result' });
    await flush();
    expect(rejected).toEqual([`${(error as CallError).messageId}:PropertyConstraintViolation`]);
  });
});
