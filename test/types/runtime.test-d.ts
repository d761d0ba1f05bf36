/**
 * Type tests of the runtime (checked by `tsc -p tsconfig.json`, never run): what compiles and, with
 * `@ts-expect-error`, what must not.
 */
import { expectTypeOf } from 'vitest';
import type { WebSocket } from 'ws';
import type { OcppConnection } from '../../src/connection.ts';
import { createConnectionPair } from '../../src/testing.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';

declare const ws: WebSocket;
declare const conn: OcppConnection;

// A `ws` WebSocket and the in-memory pair fit OcppConnection.
expectTypeOf(ws).toExtend<OcppConnection>();
expectTypeOf(createConnectionPair()[0]).toExtend<OcppConnection>();

export async function csmsSideCalls(cp: v16.ChargePoint) {
  // typed responses, both call forms
  expectTypeOf(
    await cp.call('RemoteStartTransaction', { idTag: 'A' }),
  ).toEqualTypeOf<v16.RemoteStartTransactionResponse>();
  expectTypeOf(await cp.call(new v16.call.Reset({ type: 'Soft' }))).toEqualTypeOf<v16.ResetResponse>();
  await cp.call('ClearCache'); // empty request: no payload needed
  await cp.call('DataTransfer', { vendorId: 'x' }); // DataTransfer goes both ways

  // @ts-expect-error a CSMS never sends BootNotification
  await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  // @ts-expect-error a CSMS never sends BootNotification, as a Call instance either
  await cp.call(new v16.call.BootNotification({ chargePointVendor: 'V', chargePointModel: 'M' }));
  // @ts-expect-error the payload is required when the request has required fields
  await cp.call('Reset');
  // @ts-expect-error wrong payload
  await cp.call('Reset', { type: 'Gentle' });
  // @ts-expect-error unknown option
  await cp.call('ClearCache', {}, { retries: 3 });
  // @ts-expect-error 1.6 has no SEND message
  cp.send('NotifyPeriodicEventStream', {});
}

export async function chargePointSideCalls(session: v16.ChargePointSession, session21: v21.ChargePointSession) {
  expectTypeOf(
    await session.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }),
  ).toEqualTypeOf<v16.BootNotificationResponse>();
  expectTypeOf(await session.call('Heartbeat')).toEqualTypeOf<v16.HeartbeatResponse>();
  // @ts-expect-error a charge point never sends RemoteStartTransaction
  await session.call('RemoteStartTransaction', { idTag: 'A' });
  // @ts-expect-error nor as a Call instance
  await session.call(new v16.call.RemoteStartTransaction({ idTag: 'A' }));

  // 2.1 SEND: the charge point sends it, the CSMS cannot
  session21.send('NotifyPeriodicEventStream', {
    id: 1,
    pending: 0,
    basetime: '2025-01-01T00:00:00Z',
    data: [{ t: 0, v: '1' }],
  });
  session21.send(new v21.call.NotifyPeriodicEventStream({ id: 1, pending: 0, basetime: '', data: [] }));
  // @ts-expect-error required fields missing
  session21.send('NotifyPeriodicEventStream', { id: 1 });
  // @ts-expect-error SEND is not a CALL
  await session21.call('NotifyPeriodicEventStream', { id: 1, pending: 0, basetime: '', data: [] });
}

export function v201Calls(cp: v201.ChargePoint) {
  // @ts-expect-error 2.0.1 has no RemoteStartTransaction (RequestStartTransaction replaced it)
  void cp.call('RemoteStartTransaction', { idTag: 'A' });
  void cp.call('RequestStartTransaction', { idToken: { idToken: 'A', type: 'ISO14443' }, remoteStartId: 1 });
  // @ts-expect-error 2.0.1 has no SEND message
  cp.send('NotifyPeriodicEventStream', {});
}

// Decorators: the method is checked against the action's request and response, and the class's side.
export class GoodCsms extends v16.ChargePoint {
  @v16.on(v16.Action.BootNotification)
  boot(request: v16.BootNotificationRequest, context: v16.HandlerContext) {
    void context.signal;
    return { currentTime: request.chargePointModel, interval: 1, status: v16.RegistrationStatus.Accepted };
  }
  @v16.on(v16.Action.Authorize)
  async authorize(_request: v16.AuthorizeRequest) {
    return new v16.callResult.Authorize({ idTagInfo: { status: 'Accepted' } });
  }
  @v16.on(v16.Action.Heartbeat, { skipValidation: true })
  heartbeat() {
    return { currentTime: '' };
  }
  @v16.after(v16.Action.BootNotification)
  afterBoot(_request: v16.BootNotificationRequest, context: v16.AfterContext<v16.BootNotificationResponse>) {
    expectTypeOf(context.response.status).toEqualTypeOf<v16.RegistrationStatus>();
  }
}

export class BadCsms extends v16.ChargePoint {
  // @ts-expect-error wrong request type
  @v16.on(v16.Action.BootNotification)
  boot(_request: v16.AuthorizeRequest) {
    return { currentTime: '', interval: 1, status: 'Accepted' as const };
  }

  // @ts-expect-error wrong return type
  @v16.on(v16.Action.Heartbeat)
  heartbeat() {
    return { time: '' };
  }

  // @ts-expect-error wrong CallResult class
  @v16.on(v16.Action.Heartbeat)
  heartbeat2() {
    return new v16.callResult.ClearCache({ status: 'Accepted' });
  }

  // @ts-expect-error a CSMS never receives RemoteStartTransaction
  @v16.on(v16.Action.RemoteStartTransaction)
  remoteStart(_request: v16.RemoteStartTransactionRequest) {
    return { status: 'Accepted' as const };
  }

  // @ts-expect-error not an action of 1.6
  @v16.on('TransactionEvent')
  transactionEvent() {
    return {};
  }

  // @ts-expect-error @after gets the response type of its action
  @v16.after(v16.Action.BootNotification)
  afterBoot(_request: v16.BootNotificationRequest, _context: v16.AfterContext<v16.AuthorizeResponse>) {}
}

export class GoodChargerSide extends v16.ChargePointSession {
  @v16.on(v16.Action.RemoteStartTransaction)
  remoteStart(_request: v16.RemoteStartTransactionRequest) {
    return { status: v16.RemoteStartStopStatus.Accepted };
  }
  // @ts-expect-error a charge point never receives BootNotification
  @v16.on(v16.Action.BootNotification)
  boot() {
    return { currentTime: '', interval: 1, status: 'Accepted' as const };
  }
}

export class StreamCsms extends v21.ChargePoint {
  @v21.on(v21.Action.NotifyPeriodicEventStream)
  stream(_request: v21.NotifyPeriodicEventStreamRequest) {}

  // @ts-expect-error wrong payload type for the SEND handler
  @v21.on(v21.Action.NotifyPeriodicEventStream)
  stream2(_request: v21.BootNotificationRequest) {}
}

// Handler interfaces: implementing them with a wrong return type fails.
export class InterfaceCsms extends v16.ChargePoint implements v16.V16Handlers {
  onHeartbeat() {
    return { currentTime: '' };
  }
}
export class BadInterfaceCsms extends v16.ChargePoint implements v16.V16Handlers {
  // @ts-expect-error onHeartbeat returns the wrong shape
  onHeartbeat() {
    return { time: 1 };
  }
}

// The classes take (identity, connection, options?) and expose what the server needs.
new v201.ChargePoint('CP', conn, { callTimeout: 1000, logger: undefined as unknown as v201.Logger });
expectTypeOf<v21.ChargePoint['start']>().returns.toEqualTypeOf<Promise<void>>();
