/** The events of a charge-point-side client. */
import { Emitter, type FrameEvent, type HandlerErrorEvent, type ValidationFailedEvent } from '../events.ts';
import type { Subprotocol } from '../protocol.ts';

/** A connection attempt starts. */
export interface ConnectingEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The URL connected to: the endpoint, `/`, the percent-encoded identity. */
  readonly url: string;
  /** 1 for the first attempt after `connect()` or after a connection was lost, then 2, 3, … */
  readonly attempt: number;
}

/** A connection is open. */
export interface OpenEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The negotiated subprotocol. */
  readonly protocol: Subprotocol;
  /** False for the first connection of this client, true after a reconnect. */
  readonly reconnected: boolean;
}

/** An open connection closed. */
export interface ClientCloseEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The WebSocket close code (1006 when the connection dropped without a close frame). */
  readonly code: number;
  /** The WebSocket close reason. */
  readonly reason: string;
  /** False when `stop()` closed it (or a fatal error stopped the client): no reconnect follows. */
  readonly reconnect: boolean;
}

/** A connection attempt failed. */
export interface ConnectErrorEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The number of the attempt that failed, as in its `connecting` event. */
  readonly attempt: number;
  /** A `ConnectError` (`status` set when the server answered the upgrade with an HTTP error). */
  readonly error: Error;
}

/** The next connection attempt is scheduled. */
export interface ReconnectScheduledEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The wait before the next attempt, in ms. */
  readonly delay: number;
  /** The number the next attempt will carry in its `connecting` event. */
  readonly attempt: number;
}

/** A queued message was answered. */
export interface QueueDeliveredEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The message's action. */
  readonly action: string;
  /** The request payload. */
  readonly payload: object;
  /** The response payload. */
  readonly response: unknown;
  /** Transmissions it took (1 when the first one was answered). */
  readonly attempts: number;
}

/** A queued message failed and will be sent again. */
export interface QueueRetryEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The message's action. */
  readonly action: string;
  /** Failed transmissions so far. */
  readonly attempts: number;
  /** Wait before the next transmission, in ms. */
  readonly delay: number;
  /** Why the last transmission failed: a `CallError` or a `CallTimeoutError`. */
  readonly error: Error;
}

/** A queued message was given up. */
export interface QueueDroppedEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The message's action. */
  readonly action: string;
  /** The request payload. */
  readonly payload: object;
  /**
   * `attempts`: the last transmission failed; `overflow`: the queue was full; `aborted`: its signal aborted;
   * `rejected`: it can never be sent (e.g. the payload fails its schema).
   */
  readonly reason: 'attempts' | 'overflow' | 'aborted' | 'rejected';
  /** The last failure, or what dropped it (`QueueOverflowError`, `CallAbortedError`, …). */
  readonly error: Error;
}

/** The queue store failed; the message stays in memory. */
export interface QueueErrorEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** The store operation that failed: `load`, `add`, `update` or `remove`. */
  readonly op: string;
  /** What the store threw or rejected with. */
  readonly error: unknown;
}

/** A fatal error: the client stopped. */
export interface ClientErrorEvent {
  /** This charge point's identity. */
  readonly identity: string;
  /** A `SubprotocolError`: the client stopped. */
  readonly error: Error;
}

/** The events of a client (`client.events.on('open', …)`), by name. */
export interface ClientEventMap {
  /** A connection attempt starts. */
  connecting: ConnectingEvent;
  /** A connection is open: handlers run, calls go out, queued messages follow. */
  open: OpenEvent;
  /** An open connection closed. */
  close: ClientCloseEvent;
  /** A connection attempt failed. */
  'connect:error': ConnectErrorEvent;
  /** The next attempt is scheduled. */
  'reconnect:scheduled': ReconnectScheduledEvent;
  /** A frame received. */
  'message:in': FrameEvent;
  /** A frame sent. */
  'message:out': FrameEvent;
  /** A handler of this client failed (it threw, missed its deadline or returned an invalid response). */
  'handler:error': HandlerErrorEvent;
  /** A payload failed its schema: one the CSMS sent, one of our handlers returned, or one of ours refused. */
  'validation:failed': ValidationFailedEvent;
  /** A queued message was answered. */
  'queue:delivered': QueueDeliveredEvent;
  /** A queued message failed and will be sent again. */
  'queue:retry': QueueRetryEvent;
  /** A queued message was given up. */
  'queue:dropped': QueueDroppedEvent;
  /** The queue store failed. */
  'queue:error': QueueErrorEvent;
  /** A fatal error: the client stopped. */
  error: ClientErrorEvent;
}

/** An emitter that tells its owner when somebody starts listening (so frame events cost nothing unused). */
export class ClientEmitter extends Emitter<ClientEventMap> {
  readonly #onListen: (event: keyof ClientEventMap) => void;

  /**
   * An emitter with no listeners.
   * @param onListen Called with the event each time a listener is added.
   * @param onListenerError Called with what a listener threw; the other listeners still run.
   */
  constructor(
    onListen: (event: keyof ClientEventMap) => void,
    onListenerError: (error: unknown, event: keyof ClientEventMap) => void,
  ) {
    super(onListenerError);
    this.#onListen = onListen;
  }

  /** Adds a listener; listening to `message:in` or `message:out` turns frame events on. */
  override on<K extends keyof ClientEventMap>(event: K, listener: (event: ClientEventMap[K]) => void): this {
    super.on(event, listener);
    this.#onListen(event);
    return this;
  }
}
