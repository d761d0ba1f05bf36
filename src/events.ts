/**
 * The events of one OCPP connection and the tiny typed emitter behind `endpoint.events`. Event objects are built only
 * when somebody listens (`has()` first), and a throwing listener never disturbs the connection.
 */
import type { FrameFaultKind } from './framing.ts';
import type { ValidationIssue } from './protocol.ts';

/** A frame received (`message:in`) or sent (`message:out`). `data` is the frame's text, for the application only. */
export interface FrameEvent {
  readonly identity: string;
  readonly data: string;
  /** The message type, if the frame could be read. */
  readonly messageType: number | undefined;
  /** The message id, if the frame could be read. */
  readonly messageId: string | undefined;
}

/** An outgoing call failed: `error` is what `call()` rejected with. */
export interface CallErrorEvent {
  readonly identity: string;
  readonly action: string;
  readonly messageId: string;
  readonly error: Error;
}

/** A payload failed its schema. `direction: 'in'`: the peer sent it; `'out'`: our handler produced it. */
export interface ValidationFailedEvent {
  readonly identity: string;
  readonly direction: 'in' | 'out';
  readonly kind: 'request' | 'response';
  readonly action: string;
  readonly messageId: string;
  readonly issue: ValidationIssue;
}

/** A frame that could not be parsed, or a message type this version does not have. */
export interface BadFrameEvent {
  readonly identity: string;
  readonly kind: FrameFaultKind | 'binary' | 'invalid-utf8' | 'unknown-id';
  readonly messageId: string | undefined;
  readonly reason: string;
  readonly data: string | undefined;
}

/**
 * A handler failed. `phase`: `handler` (it threw or missed its deadline: the peer got the error frame),
 * `response` (it returned an invalid response, a `ResponseValidationError`: the peer got InternalError),
 * `after` (an `@after` handler failed: the peer never hears of it), `send` (a SEND handler failed).
 */
export interface HandlerErrorEvent {
  readonly identity: string;
  readonly phase: 'handler' | 'response' | 'after' | 'send';
  readonly action: string;
  readonly messageId: string;
  readonly error: unknown;
}

/** 2.1: the peer answered one of our CALLRESULTs with CALLRESULTERROR. */
export interface ResultRejectedEvent {
  readonly identity: string;
  readonly messageId: string;
  readonly code: string;
  readonly description: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface CloseEvent {
  readonly identity: string;
  readonly code: number;
  readonly reason: string;
}

export interface EndpointEventMap {
  'message:in': FrameEvent;
  'message:out': FrameEvent;
  'call:error': CallErrorEvent;
  'validation:failed': ValidationFailedEvent;
  'bad-frame': BadFrameEvent;
  'handler:error': HandlerErrorEvent;
  'result:rejected': ResultRejectedEvent;
  close: CloseEvent;
}

type Listener<T> = (event: T) => void;

/** A minimal typed event emitter. Listener lists are copied on change, so emitting needs no copy. */
export class Emitter<E extends object> {
  #listeners: { [K in keyof E]?: readonly Listener<E[K]>[] } = {};
  #onListenerError: ((error: unknown, event: keyof E) => void) | undefined;

  constructor(onListenerError?: (error: unknown, event: keyof E) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.#listeners[event] = [...(this.#listeners[event] ?? []), listener];
    return this;
  }

  once<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const wrapper: Listener<E[K]> = (e) => {
      this.off(event, wrapper);
      listener(e);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#listeners[event];
    if (list === undefined) return this;
    const i = list.indexOf(listener);
    if (i < 0) return this;
    const next = list.slice();
    next.splice(i, 1);
    if (next.length === 0) delete this.#listeners[event];
    else this.#listeners[event] = next;
    return this;
  }

  /** Whether anybody listens: check before building the event object. */
  has(event: keyof E): boolean {
    return this.#listeners[event] !== undefined;
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const list = this.#listeners[event];
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(payload);
      } catch (error) {
        this.#onListenerError?.(error, event);
      }
    }
  }
}
