/**
 * The events of one OCPP connection and the tiny typed emitter behind `endpoint.events`. Event objects are built only
 * when somebody listens (`has()` first), and a throwing listener never disturbs the connection.
 */
import type { FrameFaultKind } from './framing.ts';
import type { ValidationIssue } from './protocol.ts';

/** A frame received (`message:in`) or sent (`message:out`). `data` is the frame's text, for the application only. */
export interface FrameEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** The frame's text. */
  readonly data: string;
  /** The message type, if the frame could be read. */
  readonly messageType: number | undefined;
  /** The message id, if the frame could be read. */
  readonly messageId: string | undefined;
  /** The action of a CALL or SEND; `undefined` for answers. */
  readonly action: string | undefined;
}

/**
 * Where a connection also reports its frames, besides its own events: the server's events, which so carry the
 * frames of every connection to one listener.
 */
export interface FrameSink {
  has(event: 'message:in' | 'message:out'): boolean;
  emit(event: 'message:in' | 'message:out', frame: FrameEvent): void;
}

/** An outgoing call failed: `error` is what `call()` rejected with. */
export interface CallErrorEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** The action of the call. */
  readonly action: string;
  /** The message id of the call. */
  readonly messageId: string;
  /** What `call()` rejected with: a `CallError`, `CallTimeoutError`, `ConnectionClosedError`, … */
  readonly error: Error;
}

/** A payload failed its schema. `direction: 'in'`: the peer sent it; `'out'`: our handler produced it. */
export interface ValidationFailedEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** `in`: the peer sent the payload; `out`: this side produced it. */
  readonly direction: 'in' | 'out';
  /** Whether the payload is a request or a response. */
  readonly kind: 'request' | 'response';
  /** The action of the message. */
  readonly action: string;
  /** The message id of the message. */
  readonly messageId: string;
  /** The first schema violation found. */
  readonly issue: ValidationIssue;
}

/** A frame that could not be parsed, or a message type this version does not have. */
export interface BadFrameEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** What is wrong: a framing fault, a binary frame, text that is not UTF-8, or an answer to no pending call. */
  readonly kind: FrameFaultKind | 'binary' | 'invalid-utf8' | 'unknown-id';
  /** The message id, if the frame could be read that far. */
  readonly messageId: string | undefined;
  /** A human-readable reason. */
  readonly reason: string;
  /** The frame's text, when it was text. */
  readonly data: string | undefined;
}

/**
 * A handler failed. `phase`: `handler` (it threw or missed its deadline: the peer got the error frame),
 * `response` (it returned an invalid response, a `ResponseValidationError`: the peer got InternalError),
 * `after` (an `@after` handler failed: the peer never hears of it), `send` (a SEND handler failed).
 */
export interface HandlerErrorEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** Where it failed (see above). */
  readonly phase: 'handler' | 'response' | 'after' | 'send';
  /** The action handled. */
  readonly action: string;
  /** The message id of the request handled. */
  readonly messageId: string;
  /** What the handler threw or rejected with. */
  readonly error: unknown;
}

/** 2.1: the peer answered one of our CALLRESULTs with CALLRESULTERROR. */
export interface ResultRejectedEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** The message id of the rejected CALLRESULT. */
  readonly messageId: string;
  /** The error code the peer sent. */
  readonly code: string;
  /** The error description the peer sent. */
  readonly description: string;
  /** The error details the peer sent. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** The connection closed. */
export interface CloseEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** The WebSocket close code (1006 when the connection dropped without a close frame). */
  readonly code: number;
  /** The WebSocket close reason. */
  readonly reason: string;
}

/** The events of one connection (`endpoint.events.on('call:error', …)`), by name. */
export interface EndpointEventMap {
  /** A frame received. */
  'message:in': FrameEvent;
  /** A frame sent. */
  'message:out': FrameEvent;
  /** An outgoing call failed. */
  'call:error': CallErrorEvent;
  /** A payload failed its schema. */
  'validation:failed': ValidationFailedEvent;
  /** A frame that could not be handled. */
  'bad-frame': BadFrameEvent;
  /** A handler failed. */
  'handler:error': HandlerErrorEvent;
  /** 2.1: the peer rejected one of our CALLRESULTs. */
  'result:rejected': ResultRejectedEvent;
  /** The connection closed. */
  close: CloseEvent;
}

/** A listener of one event. */
type Listener<T> = (event: T) => void;

/** A minimal typed event emitter. Listener lists are copied on change, so emitting needs no copy. */
export class Emitter<E extends object> {
  /**
   * Listener lists by event. A Map, not an object: an object that loses a key turns into a slow dictionary, and a
   * connection whose listener was once removed (a detached console) would stay slower on every frame.
   */
  readonly #listeners = new Map<keyof E, readonly Listener<never>[]>();
  #onListenerError: ((error: unknown, event: keyof E) => void) | undefined;

  /**
   * An emitter with no listeners.
   * @param onListenerError Called with what a listener threw; the other listeners still run.
   */
  constructor(onListenerError?: (error: unknown, event: keyof E) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener as Listener<never>]);
    return this;
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const wrapper: Listener<E[K]> = (e) => {
      this.off(event, wrapper);
      listener(e);
    };
    return this.on(event, wrapper);
  }

  /** Removes a listener. */
  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#listeners.get(event);
    if (list === undefined) return this;
    const i = list.indexOf(listener as Listener<never>);
    if (i < 0) return this;
    const next = list.slice();
    next.splice(i, 1);
    if (next.length === 0) this.#listeners.delete(event);
    else this.#listeners.set(event, next);
    return this;
  }

  /** Whether anybody listens: check before building the event object. */
  has(event: keyof E): boolean {
    return this.#listeners.has(event);
  }

  /** Calls every listener of the event, in order; what a listener throws goes to `onListenerError`. */
  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const list = this.#listeners.get(event) as readonly Listener<E[K]>[] | undefined;
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
