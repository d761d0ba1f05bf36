/**
 * Type tests of the runtime (checked by `tsc -p tsconfig.json`, never run): what compiles and, with
 * `@ts-expect-error`, what must not.
 */
import { expectTypeOf } from 'vitest';
import type { WebSocket } from 'ws';
import type { OcppConnection } from '../../src/connection.ts';
import type { HandlerErrorEvent } from '../../src/events.ts';
import type { Subprotocol } from '../../src/protocol.ts';
import {
  basicAuth,
  type HandshakeDecision,
  type HandshakeInfo,
  OcppServer,
  type ProtocolClasses,
  type RemoteCaller,
  type ServedChargePoint,
  type ServedChargePointOptions,
  type ServedContext,
  type ServerCaller,
} from '../../src/server.ts';
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

// ----------------------------------------------------------------------------------------------- the server

interface Station {
  tenant: string;
}

/** A service the application hands its ChargePoints. */
class TariffStore {
  tariffOf(tenant: string | undefined): number {
    return tenant === undefined ? 0 : 1;
  }
}

/** A ChargePoint whose constructor takes the application's services: created by a factory. */
class StoreCsms extends v16.ChargePoint {
  constructor(
    identity: string,
    connection: OcppConnection,
    readonly store: TariffStore,
    context: ServedContext<Station>,
  ) {
    super(identity, connection, context);
  }
}

const store = new TariffStore();

// The hook's accepted state types the factories' context (the hook written before `protocols`).
const typedServer = new OcppServer({
  authenticate: ({ identity }) => ({ accept: true, state: { tenant: identity } }),
  protocols: {
    'ocpp1.6': (identity, connection, context) => {
      expectTypeOf(context.state).toEqualTypeOf<Station | undefined>();
      expectTypeOf(context.logger).toEqualTypeOf<v16.Logger>();
      expectTypeOf(context.onHandlerError).parameter(0).toEqualTypeOf<HandlerErrorEvent>();
      return new StoreCsms(identity, connection, store, context);
    },
    'ocpp2.0.1': v201.ChargePoint,
  },
});
// `server.get()` and the events: the factory's return type, the class's instance type
expectTypeOf(typedServer.get('CP')).toEqualTypeOf<StoreCsms | v201.ChargePoint | undefined>();
typedServer.events.on('connect', ({ chargePoint, protocol }) => {
  expectTypeOf(chargePoint).toEqualTypeOf<StoreCsms | v201.ChargePoint>();
  expectTypeOf(protocol).toEqualTypeOf<Subprotocol>();
});
typedServer.events.on('disconnect', ({ chargePoint, code, reason }) => {
  expectTypeOf(chargePoint).toEqualTypeOf<StoreCsms | v201.ChargePoint>();
  expectTypeOf(code).toEqualTypeOf<number>();
  expectTypeOf(reason).toEqualTypeOf<string>();
});
typedServer.events.on('refused', ({ status, offered }) => {
  expectTypeOf(status).toEqualTypeOf<number>();
  expectTypeOf(offered).toEqualTypeOf<readonly string[]>();
});
typedServer.events.on('handler:error', (event) => expectTypeOf(event).toEqualTypeOf<HandlerErrorEvent>());
// @ts-expect-error no such event
typedServer.events.on('connected', () => {});
// the deprecated EventEmitter form keeps its tuples
typedServer.on('connect', (chargePoint, protocol) => {
  expectTypeOf(chargePoint).toEqualTypeOf<StoreCsms | v201.ChargePoint>();
  expectTypeOf(protocol).toEqualTypeOf<Subprotocol>();
});

// A hook whose parameter is typed types the state wherever it is written.
new OcppServer({
  protocols: {
    'ocpp1.6': (identity, connection, context) => {
      expectTypeOf(context.state).toEqualTypeOf<Station | undefined>();
      return new StoreCsms(identity, connection, store, context);
    },
  },
  authenticate: async (info: HandshakeInfo): Promise<HandshakeDecision<Station>> =>
    info.password === undefined ? false : { accept: true, state: { tenant: 'acme' } },
});

// Without a hook the state is unknown; the deprecated `session` is the same state.
new OcppServer({
  protocols: {
    'ocpp1.6': (identity, connection, context) => {
      expectTypeOf(context.state).toEqualTypeOf<unknown>();
      return new v16.ChargePoint(identity, connection, context);
    },
  },
});
new OcppServer({
  authenticate: () => ({ accept: true, session: { tenant: 'old' } }),
  protocols: {
    'ocpp1.6': (identity, connection, context) => {
      expectTypeOf(context.state).toEqualTypeOf<{ tenant: string } | undefined>();
      return new v16.ChargePoint(identity, connection, context);
    },
  },
});

new OcppServer({
  authenticate: () => ({ accept: true, state: 42 }),
  protocols: {
    // @ts-expect-error a number is not the Station the ChargePoint takes
    'ocpp1.6': (identity, connection, context) => new StoreCsms(identity, connection, store, context),
  },
});
// @ts-expect-error a factory returns a ChargePoint
new OcppServer({ protocols: { 'ocpp1.6': () => 42 } });
// @ts-expect-error a class that is not a ChargePoint
new OcppServer({ protocols: { 'ocpp1.6': class NotAChargePoint {} } });
// @ts-expect-error a class whose constructor takes more than the server gives: use a factory
new OcppServer({ protocols: { 'ocpp1.6': StoreCsms } });

// basicAuth accepts with no state of its own.
new OcppServer({
  authenticate: basicAuth(() => 'a-password-of-sixteen+'),
  protocols: {
    'ocpp1.6': (identity, connection, context) => {
      expectTypeOf(context.state).toEqualTypeOf<unknown>();
      return new v16.ChargePoint(identity, connection, context);
    },
  },
});
// A hook may refuse in every way, and its accepted state keeps its type.
new OcppServer({
  authenticate: async ({ identity }) => {
    if (identity === 'blocked') return { accept: false, status: 403, headers: { 'Retry-After': '60' } };
    if (identity === 'nobody') return false;
    return identity === 'open' ? true : { accept: true, state: { tenant: identity } };
  },
  protocols: {
    'ocpp1.6': (identity, connection, context) => {
      expectTypeOf(context.state).toEqualTypeOf<{ tenant: string } | undefined>();
      return new v16.ChargePoint(identity, connection, context);
    },
  },
});

// The remote caller: set with useRemoteCaller(), read with remoteCaller; `remote` is the deprecated accessor.
declare const remoteCaller: RemoteCaller;
typedServer.useRemoteCaller(remoteCaller);
typedServer.useRemoteCaller(undefined);
expectTypeOf(typedServer.remoteCaller).toEqualTypeOf<RemoteCaller | undefined>();
typedServer.remote = remoteCaller;
// @ts-expect-error read only: set it with useRemoteCaller()
typedServer.remoteCaller = remoteCaller;

// The former name of the context still names what a class gets.
expectTypeOf<ServedContext>().toExtend<ServedChargePointOptions>();

// Code generic over any server (as the cluster adapter is) takes one with typed state and factories.
function anyServer<P extends ProtocolClasses>(server: OcppServer<P>): OcppServer<P> {
  return server;
}
anyServer(typedServer);
// `OcppServer` without type arguments serves ChargePoint classes
declare const bareServer: OcppServer;
expectTypeOf(bareServer.get('CP')).toEqualTypeOf<ServedChargePoint | undefined>();

export async function serverCalls() {
  const both = new OcppServer({ protocols: { 'ocpp1.6': v16.ChargePoint, 'ocpp2.0.1': v201.ChargePoint } });
  // one version, typed for it
  expectTypeOf(
    await both.version('ocpp2.0.1').call('CS-1', 'Reset', { type: 'Immediate' }),
  ).toEqualTypeOf<v201.ResetResponse>();
  expectTypeOf(
    await both.version('ocpp1.6').call('CP-1', 'Reset', { type: 'Soft' }),
  ).toEqualTypeOf<v16.ResetResponse>();
  // @ts-expect-error 'Soft' is a 1.6 reset type, not a 2.0.1 one
  await both.version('ocpp2.0.1').call('CS-1', 'Reset', { type: 'Soft' });
  // @ts-expect-error nor as a 1.6 call.* message
  await both.version('ocpp2.0.1').call('CS-1', new v16.call.Reset({ type: 'Soft' }));
  // @ts-expect-error a version this server does not speak
  both.version('ocpp2.1');
  // over the union of the versions: the request of either, the response of either
  expectTypeOf(await both.call('CP-1', 'Reset', { type: 'Soft' })).toEqualTypeOf<
    v16.ResetResponse | v201.ResetResponse
  >();
  await both.call('CS-1', 'Reset', { type: 'Immediate' });
  await both.call('CP-1', 'ClearCache'); // an empty request needs no payload
  // @ts-expect-error neither version's reset type
  await both.call('CP-1', 'Reset', { type: 'Gentle' });
  // @ts-expect-error a CSMS never calls BootNotification
  await both.call('CP-1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });

  // a server of one version: its payloads only
  const only201 = new OcppServer({ protocols: { 'ocpp2.0.1': v201.ChargePoint } });
  await only201.call('CS-1', 'Reset', { type: 'OnIdle' });
  // @ts-expect-error 'Soft' is 1.6's
  await only201.call('CS-1', 'Reset', { type: 'Soft' });

  // a server with factories is typed by what they return
  expectTypeOf(await typedServer.version('ocpp1.6').call('CP-1', 'ClearCache')).toEqualTypeOf<v16.ClearCacheResponse>();
  // @ts-expect-error 2.0.1 has no RemoteStartTransaction
  await typedServer.version('ocpp2.0.1').call('CS-1', 'RemoteStartTransaction', { idTag: 'A' });

  // one overload set: the server is a ServerCaller, as a cluster adapter can be
  const caller: ServerCaller<{ 'ocpp1.6': typeof v16.ChargePoint; 'ocpp2.0.1': typeof v201.ChargePoint }> = both;
  return caller;
}
