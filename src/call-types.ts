/**
 * Calls to charge points by identity, as `server.call()`, `server.version()` and a cluster adapter make them: what a
 * CSMS may call on a charge point of each version, with the version's request and response types, the one set of
 * overloads they share, and the function that builds it on a single dispatch function.
 */
import { type CallArgs, type CallOptions, callAction, callOptions, callPayload } from './call-args.ts';
import type { Call } from './messages.ts';
import type { Subprotocol } from './protocol.ts';
import type { kMaps } from './routing.ts';
import type { ProtocolClasses, ServedInstance } from './server/served.ts';

/** The CALL map a ChargePoint class or factory makes (what the CSMS sends to a charge point of that version). */
export type OutgoingOf<C> = ServedInstance<C> extends { readonly [kMaps]: { outgoing: infer O } } ? O : never;

/** The versions a server with these classes speaks. */
export type ProtocolOf<P extends ProtocolClasses> = keyof P & Subprotocol;

/** The CALL map of one version of the server. */
export type CallMapOf<P extends ProtocolClasses, V extends ProtocolOf<P>> = OutgoingOf<NonNullable<P[V]>>;

/** The union of the CALL maps of every version of the server. */
export type AnyCallMap<P extends ProtocolClasses> = { [V in ProtocolOf<P>]: CallMapOf<P, V> }[ProtocolOf<P>];

/** Every action of any of the CALL maps `M` (a union of maps when several versions). */
export type CallActionOf<M> = M extends unknown ? keyof M & string : never;

/** Every action the CSMS may call in some version of the server. */
export type ClusterAction<P extends ProtocolClasses> = CallActionOf<AnyCallMap<P>>;

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
 * Calls to charge points by identity, typed by the CALL maps `M`: one version's map, or the union of several (then
 * an action takes the request of any version that has it and resolves with the response of any of them).
 */
export interface ChargePointCaller<M> {
  /** Calls `identity` with a `call.*` message (`new call.Reset({ type: 'Soft' })`). */
  call<A extends CallActionOf<M>>(
    identity: string,
    message: Call<A, RequestOf<M, A> & object>,
    options?: CallOptions,
  ): Promise<ResponseOf<M, A>>;
  /** Calls `identity` with an action name and its payload (optional when every field of the request is). */
  call<A extends CallActionOf<M>>(
    identity: string,
    action: A,
    ...args: CallArgs<RequestOf<M, A>>
  ): Promise<ResponseOf<M, A>>;
}

/**
 * Calls to charge points of one version, wherever they are connected:
 * `server.version('ocpp1.6').call('CP-1', 'Reset', { type: 'Soft' })`. A charge point that speaks another version
 * rejects with `ProtocolMismatchError` (nothing is sent).
 */
export type VersionCaller<M> = ChargePointCaller<M>;

/**
 * Calls to the charge points of a server with protocols `P`, as `OcppServer` and `RedisCluster` offer them: `call()`
 * typed over every version the server speaks, `version(v).call()` typed for one.
 */
export interface ServerCaller<P extends ProtocolClasses> extends ChargePointCaller<AnyCallMap<P>> {
  /** `call()` typed for one version: a charge point of another version is refused before anything is sent. */
  version<V extends ProtocolOf<P>>(protocol: V): VersionCaller<CallMapOf<P, V>>;
}

/**
 * One call to one charge point, reduced to its parts: what every form of `call()` comes down to. `protocol`: the
 * version the charge point must speak (`version(protocol).call()`), `undefined` for any.
 */
export type CallDispatch = (
  identity: string,
  protocol: Subprotocol | undefined,
  action: string,
  payload: object,
  options: CallOptions | undefined,
) => Promise<unknown>;

/**
 * Where `server.call()` sends every call when one is set (`server.useRemoteCaller(caller)`): a cluster adapter
 * (`RedisCluster`) reaches charge points on any node, this one included.
 */
export interface RemoteCaller {
  /** Calls `identity` wherever it is connected (`first`: an action name with the payload next, or a `call.*`). */
  call(identity: string, first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown>;
  /** The same, for a charge point that must speak `protocol` (else `ProtocolMismatchError`, nothing sent). */
  callAs(
    protocol: Subprotocol,
    identity: string,
    first: string | Call,
    second?: unknown,
    third?: CallOptions,
  ): Promise<unknown>;
}

/** The untyped shape of a caller: what `createServerCaller` builds before it is typed. */
interface UntypedCaller {
  call(identity: string, first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown>;
}

/**
 * `{ call, version }` for protocols `P`, on one dispatch function: both call forms are read once here and reach
 * `dispatch` as `(identity, protocol, action, payload, options)`. Version callers are made once per version.
 */
export function createServerCaller<P extends ProtocolClasses>(dispatch: CallDispatch): ServerCaller<P> {
  const callerFor = (protocol: Subprotocol | undefined): UntypedCaller => ({
    call: (identity, first, second, third) =>
      dispatch(identity, protocol, callAction(first), callPayload(first, second), callOptions(first, second, third)),
  });
  const versions = new Map<Subprotocol, UntypedCaller>();
  const version = (protocol: Subprotocol): UntypedCaller => {
    let caller = versions.get(protocol);
    if (caller === undefined) {
      caller = callerFor(protocol);
      versions.set(protocol, caller);
    }
    return caller;
  };
  return { call: callerFor(undefined).call, version } as unknown as ServerCaller<P>;
}
