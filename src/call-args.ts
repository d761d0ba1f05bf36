/**
 * The two forms of every call in the API, read in one place: `(message, options?)` with a `call.*` message, or
 * `(action, payload?, options?)` with an action name. Three small functions rather than one returning an object,
 * so that the per-call path allocates nothing for them.
 */
import type { Call } from './messages.ts';
import { EMPTY } from './util.ts';

/** Options of one outgoing CALL. */
export interface CallOptions {
  /** Timeout in ms, counted from `call()`. Overrides the endpoint's `callTimeout`; `0`: none. */
  timeout?: number;
  /** Abort the call: it rejects with `CallAbortedError` at once (a queued call is never sent). */
  signal?: AbortSignal;
  /** Do not validate this request before sending nor its CALLRESULT on arrival. */
  skipValidation?: boolean;
  /**
   * Send with this message id (1 to 36 characters) instead of a new one: a message sent again after a reconnect
   * keeps its id, so the other side can tell the copy from a new message. It must not be the id of a pending call.
   */
  messageId?: string;
}

/** Options of one outgoing SEND (2.1). */
export interface SendOptions {
  /** Do not validate this request before sending. */
  skipValidation?: boolean;
}

/** The arguments after the action name: the payload, optional when every field of the request is optional. */
export type CallArgs<R> =
  Partial<R> extends R ? [payload?: R, options?: CallOptions] : [payload: R, options?: CallOptions];
/** The arguments of `send()` after the action name: the payload, optional when every field is optional. */
export type SendArgs<R> =
  Partial<R> extends R ? [payload?: R, options?: SendOptions] : [payload: R, options?: SendOptions];

/** The action: the name itself, or the message's. */
export function callAction(first: string | Call): string {
  return typeof first === 'string' ? first : first.action;
}

/** The payload: what follows an action name (`{}` when left out), or the message's. */
export function callPayload(first: string | Call, second: unknown): object {
  return typeof first === 'string' ? ((second as object | undefined) ?? EMPTY) : first.payload;
}

/** The options: after the payload when called with an action name, right after the message otherwise. */
export function callOptions<O = CallOptions>(
  first: string | Call,
  second: unknown,
  third: O | undefined,
): O | undefined {
  return typeof first === 'string' ? third : (second as O | undefined);
}
