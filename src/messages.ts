/**
 * The carriers of typed messages and the handler contract. Generated `call.*` and `callResult.*` classes
 * extend these; generated handler interfaces use `HandlerContext` and `HandlerResult`.
 */
import type { Subprotocol } from './protocol.ts';

/** An outgoing request: an action and its payload (`new call.RemoteStartTransaction({ idTag })`). */
export abstract class Call<A extends string = string, P extends object = object> {
  /** The action this request is for (`RemoteStartTransaction`). */
  abstract readonly action: A;
  /** A request of this action carrying `payload`. */
  constructor(
    /** The request payload, as it goes on the wire. */
    readonly payload: P,
  ) {}
}

/** A response a handler may return instead of a plain payload (`new callResult.BootNotification({...})`). */
export abstract class CallResult<A extends string = string, P extends object = object> {
  /** The action this response answers (`BootNotification`). */
  abstract readonly action: A;
  /** A response of this action carrying `payload`. */
  constructor(
    /** The response payload, as it goes on the wire. */
    readonly payload: P,
  ) {}
}

/** What a handler learns about the message it handles. */
export interface HandlerContext {
  /** The id of the received CALL (or SEND). */
  readonly messageId: string;
  /** The action of the message (`BootNotification`). */
  readonly action: string;
  /** The charge point's identity, as decoded from the connection URL. */
  readonly identity: string;
  /** The OCPP version of the connection, as its subprotocol (`ocpp1.6`). */
  readonly protocol: Subprotocol;
  /** Aborted when the connection closes or the handler's deadline passes. Created on first read. */
  readonly signal: AbortSignal;
}

/** What an `@after` handler gets besides the request: the response that was sent. */
export interface AfterContext<R> extends HandlerContext {
  /** The response payload sent to the peer. */
  readonly response: R;
}

/** A handler answers with the response payload or a CallResult carrying it, at once or later. */
export type HandlerResult<A extends string, R extends object> = R | CallResult<A, R> | Promise<R | CallResult<A, R>>;
