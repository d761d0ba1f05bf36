/**
 * `ocppkit/server`: the CSMS side's WebSocket server. It owns a `ws` server (or attaches to an existing
 * http(s) server), checks each handshake before the upgrade (path, identity, subprotocol, the
 * application's hook), creates the ChargePoint of each connection with the class or factory of its subprotocol and
 * keeps the registry of connected charge points. The code is in `src/server/`; this module is its public face.
 */

export { basicAuthHeader, basicAuthPassword, secretsEqual } from './auth.ts';
export type { ChargePointCaller, RemoteCaller, ServerCaller, VersionCaller } from './call-types.ts';
export { createConsoleLogger, type LogLevel } from './console-logger.ts';
export {
  RepeatGuard,
  type RepeatGuardOptions,
  type RepeatTicket,
  type RepeatVerdict,
} from './endpoint/repeat-guard.ts';
export type { HandlerErrorEvent } from './events.ts';
export type { Logger } from './logger.ts';
export type { Recording, RecordOptions } from './observability/record.ts';
export type { RotationOptions } from './observability/recorder.ts';
export type { Subprotocol } from './protocol.ts';
export type {
  HandshakeRefusedEvent,
  OcppServerEventMap,
  OcppServerEvents,
  ServerConnectEvent,
  ServerDisconnectEvent,
} from './server/events.ts';
export {
  basicAuth,
  chooseSubprotocol,
  type HandshakeAcceptance,
  type HandshakeDecision,
  type HandshakeInfo,
  type HandshakeRefusal,
  identityFromPath,
} from './server/handshake.ts';
export { type IdentityRule, identityKey, isAcceptableIdentity, MAX_IDENTITY_LENGTH } from './server/identity.ts';
export type { DeflateZlibOptions, OcppServerOptions, PerMessageDeflateOptions } from './server/options.ts';
export { type ChargePointRegistry, MemoryRegistry } from './server/registry.ts';
export type {
  ChargePointClass,
  ChargePointFactory,
  ProtocolClasses,
  ProtocolClassMap,
  ServedBy,
  ServedChargePoint,
  ServedChargePointOptions,
  ServedContext,
} from './server/served.ts';
export { OcppServer } from './server/server.ts';
