/**
 * Types of `server.call()` and cluster calls, derived from the server's protocol classes: what a CSMS may call on a
 * charge point of each version, with the version's request and response types.
 */
import type { CallArgs, CallOptions } from './endpoint.ts';
import type { Call } from './messages.ts';
import type { Subprotocol } from './protocol.ts';
import type { kMaps } from './routing.ts';
import type { ProtocolClasses } from './server.ts';

/** The instance type of a class. */
type InstanceOf<C> = C extends abstract new (...args: never[]) => infer I ? I : never;

/** The CALL map a ChargePoint class makes (what the CSMS sends to a charge point of that version). */
export type OutgoingOf<C> = InstanceOf<C> extends { readonly [kMaps]: { outgoing: infer O } } ? O : never;

/** The versions a server with these classes speaks. */
export type ProtocolOf<P extends ProtocolClasses> = keyof P & Subprotocol;

/** The CALL map of one version of the server. */
export type CallMapOf<P extends ProtocolClasses, V extends ProtocolOf<P>> = OutgoingOf<NonNullable<P[V]>>;

/** The union of the CALL maps of every version of the server. */
export type AnyCallMap<P extends ProtocolClasses> = { [V in ProtocolOf<P>]: CallMapOf<P, V> }[ProtocolOf<P>];

/** Every action the CSMS may call in some version of the server. */
export type ClusterAction<P extends ProtocolClasses> =
  AnyCallMap<P> extends infer M ? (M extends unknown ? keyof M & string : never) : never;

/** The request or response type of action `A` in each map of the union `M` that has it. */
type Part<M, A, K extends 'request' | 'response'> = M extends unknown
  ? A extends keyof M
    ? M[A] extends { [key in K]: infer R }
      ? R
      : never
    : never
  : never;

/** The request of `A` in any version that has it (a union when versions differ). */
export type RequestOf<M, A> = Part<M, A, 'request'>;
/** The response of `A` in any version that has it (a union when versions differ). */
export type ResponseOf<M, A> = Part<M, A, 'response'>;

/**
 * Calls to charge points of one version, wherever they are connected:
 * `server.version('ocpp1.6').call('CP-1', 'Reset', { type: 'Soft' })`. A charge point that speaks another version
 * rejects with `ProtocolMismatchError` (nothing is sent).
 */
export interface VersionCaller<M> {
  /** Calls `identity` with a `call.*` message (`new call.Reset({ type: 'Soft' })`). */
  call<A extends keyof M & string>(
    identity: string,
    message: Call<A, RequestOf<M, A> & object>,
    options?: CallOptions,
  ): Promise<ResponseOf<M, A>>;
  /** Calls `identity` with an action name and its payload. */
  call<A extends keyof M & string>(
    identity: string,
    action: A,
    ...args: CallArgs<RequestOf<M, A>>
  ): Promise<ResponseOf<M, A>>;
}
