/**
 * What the server serves each connection with: a ChargePoint class or a factory per subprotocol, the context it
 * hands them, and the check that tells a class from a factory and keeps what a factory returns honest.
 */
import type { OcppConnection } from '../connection.ts';
import type { RepeatGuard } from '../endpoint/repeat-guard.ts';
import type { HandlerErrorEvent } from '../events.ts';
import type { Logger } from '../logger.ts';
import type { Subprotocol } from '../protocol.ts';
import { isThenable } from '../util.ts';

/**
 * What the server needs of a connected ChargePoint: every version's class fits. It handles frames from its
 * construction on; the server learns of the close from the socket.
 */
export interface ServedChargePoint {
  /** The charge point's identity, decoded from the connection URL. */
  readonly identity: string;
  /** Closes the connection with a WebSocket close code and reason. */
  close(code?: number, reason?: string): unknown;
}

/**
 * What the server hands each connection: a factory gets it as its third argument, a class as its options (pass it on
 * to `super`, spread into options of your own if you like).
 * @typeParam S the type of the state the authentication hook accepts connections with
 */
export interface ServedContext<S = unknown> {
  /** The server's logger; each connection adds its identity and protocol to its records. */
  readonly logger: Logger;
  /** What the authentication hook accepted this connection with (`{ accept: true, state }`); `undefined` without. */
  readonly state: S | undefined;
  /** @deprecated Renamed `state`. */
  readonly session: S | undefined;
  /** Reports a handler of this connection that failed as the server's `handler:error` event. */
  readonly onHandlerError: (event: HandlerErrorEvent) => void;
  /**
   * The server's guard against transaction-related messages handled twice (`repeatGuard` option); `undefined` when
   * it is off. Pass it on with the rest of the context.
   */
  readonly repeatGuard: RepeatGuard | undefined;
}

/** @deprecated Renamed `ServedContext`: what the server passes to a ChargePoint class besides identity and connection. */
export type ServedChargePointOptions = Partial<ServedContext>;

/**
 * A ChargePoint class the server can create for a connection (`ChargePoint` of each version, and subclasses):
 * `new MyChargePoint(identity, connection, context)`.
 */
export type ChargePointClass<CP extends ServedChargePoint = ServedChargePoint, S = unknown> = new (
  identity: string,
  connection: OcppConnection,
  options?: ServedContext<S>,
) => CP;

/**
 * A function that creates the ChargePoint of a connection, to hand it what the application has (a store, a
 * client of another service): `(identity, connection, context) => new MyChargePoint(identity, connection, store,
 * context)`. It must return a ChargePoint bound to `connection`; if it throws or returns anything else, that
 * connection is closed with 1011 and the server keeps serving.
 */
export type ChargePointFactory<CP extends ServedChargePoint = ServedChargePoint, S = unknown> = (
  identity: string,
  connection: OcppConnection,
  context: ServedContext<S>,
) => CP;

/**
 * The ChargePoint class or factory per subprotocol, as `OcppServer`'s `protocols` option takes them.
 * @typeParam S the state type the factories take; without it, any (the constraint every server's protocols fit)
 */
// biome-ignore lint/suspicious/noExplicitAny: the constraint must take factories of every state type, both ways
export type ProtocolClasses<S = any> = Partial<
  Record<Subprotocol, ChargePointClass<ServedChargePoint, S> | ChargePointFactory<ServedChargePoint, S>>
>;

/** Classes only: what `OcppServer` without type arguments serves (and `ProtocolClasses` was before factories). */
export type ProtocolClassMap = Partial<Record<Subprotocol, ChargePointClass>>;

/** The ChargePoint a class creates or a factory returns. */
export type ServedInstance<C> =
  C extends ChargePointClass<infer CP, never> ? CP : C extends ChargePointFactory<infer CP, never> ? CP : never;

/** The instances a server with these protocols holds: `server.get()` returns your own ChargePoint classes. */
export type ServedBy<P extends ProtocolClasses> = ServedInstance<P[keyof P]>;

/**
 * Whether `entry` is a ChargePoint class rather than a factory: it has the version every endpoint class carries
 * (the static `versionSide` of each version's `ChargePoint`, inherited by subclasses), its prototype has an
 * endpoint's methods (a class compiled to a function), or it is written with `class`. Arrow functions have no
 * prototype. Read by shape, so that the server loads none of the endpoint.
 */
export function isChargePointClass(entry: unknown): entry is ChargePointClass {
  if (typeof entry !== 'function') return false;
  const prototype: unknown = entry.prototype;
  if (typeof prototype !== 'object' || prototype === null) return false;
  if ((entry as { versionSide?: unknown }).versionSide !== undefined) return true;
  const shape = prototype as { start?: unknown; call?: unknown };
  if (typeof shape.start === 'function' && typeof shape.call === 'function') return true;
  return /^class[\s{]/.test(Function.prototype.toString.call(entry));
}

/**
 * Creates the ChargePoint of a connection with a class or a factory. Throws (saying what is wrong, for the log) when
 * the result is anything but a ChargePoint bound to this connection.
 */
export function createServed(
  entry: ChargePointClass | ChargePointFactory,
  identity: string,
  connection: OcppConnection,
  context: ServedContext,
): ServedChargePoint {
  const served: unknown = isChargePointClass(entry)
    ? new entry(identity, connection, context)
    : (entry as ChargePointFactory)(identity, connection, context);
  if (typeof served !== 'object' || served === null) throw new TypeError('no ChargePoint was returned');
  if (isThenable(served)) {
    throw new TypeError('a promise was returned: a factory returns the ChargePoint itself');
  }
  const chargePoint = served as Partial<ServedChargePoint> & { connection?: unknown };
  if (typeof chargePoint.identity !== 'string' || typeof chargePoint.close !== 'function') {
    throw new TypeError('what was returned is not a ChargePoint');
  }
  if (chargePoint.connection !== connection) {
    throw new TypeError('the ChargePoint returned is bound to another connection');
  }
  return chargePoint as ServedChargePoint;
}
