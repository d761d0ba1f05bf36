/** The events of a charge-point-side client. */
import { Emitter, type FrameEvent } from '../events.ts';
import type { Subprotocol } from '../protocol.ts';

export interface ConnectingEvent {
  readonly identity: string;
  /** The URL connected to: the endpoint, `/`, the percent-encoded identity. */
  readonly url: string;
  /** 1 for the first attempt after `connect()` or after a connection was lost, then 2, 3, … */
  readonly attempt: number;
}

export interface OpenEvent {
  readonly identity: string;
  readonly protocol: Subprotocol;
  /** False for the first connection of this client, true after a reconnect. */
  readonly reconnected: boolean;
}

export interface ClientCloseEvent {
  readonly identity: string;
  readonly code: number;
  readonly reason: string;
  /** False when `stop()` closed it (or a fatal error stopped the client): no reconnect follows. */
  readonly reconnect: boolean;
}

export interface ConnectErrorEvent {
  readonly identity: string;
  readonly attempt: number;
  /** A `ConnectError` (`status` set when the server answered the upgrade with an HTTP error). */
  readonly error: Error;
}

export interface ReconnectScheduledEvent {
  readonly identity: string;
  /** The wait before the next attempt, in ms. */
  readonly delay: number;
  /** The number the next attempt will carry in its `connecting` event. */
  readonly attempt: number;
}

export interface QueueDeliveredEvent {
  readonly identity: string;
  readonly action: string;
  readonly payload: object;
  readonly response: unknown;
  /** Transmissions it took (1 when the first one was answered). */
  readonly attempts: number;
}

export interface QueueRetryEvent {
  readonly identity: string;
  readonly action: string;
  /** Failed transmissions so far. */
  readonly attempts: number;
  /** Wait before the next transmission, in ms. */
  readonly delay: number;
  /** Why the last transmission failed: a `CallError` or a `CallTimeoutError`. */
  readonly error: Error;
}

export interface QueueDroppedEvent {
  readonly identity: string;
  readonly action: string;
  readonly payload: object;
  /**
   * `attempts`: the last transmission failed; `overflow`: the queue was full; `aborted`: its signal aborted;
   * `rejected`: it can never be sent (e.g. the payload fails its schema).
   */
  readonly reason: 'attempts' | 'overflow' | 'aborted' | 'rejected';
  readonly error: Error;
}

export interface QueueErrorEvent {
  readonly identity: string;
  /** The store operation that failed: `load`, `add`, `update` or `remove`. */
  readonly op: string;
  readonly error: unknown;
}

export interface ClientErrorEvent {
  readonly identity: string;
  /** A `SubprotocolError`: the client stopped. */
  readonly error: Error;
}

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
  'queue:delivered': QueueDeliveredEvent;
  'queue:retry': QueueRetryEvent;
  'queue:dropped': QueueDroppedEvent;
  'queue:error': QueueErrorEvent;
  /** A fatal error: the client stopped. */
  error: ClientErrorEvent;
}

/** An emitter that tells its owner when somebody starts listening (so frame events cost nothing unused). */
export class ClientEmitter extends Emitter<ClientEventMap> {
  readonly #onListen: (event: keyof ClientEventMap) => void;

  constructor(
    onListen: (event: keyof ClientEventMap) => void,
    onListenerError: (error: unknown, event: keyof ClientEventMap) => void,
  ) {
    super(onListenerError);
    this.#onListen = onListen;
  }

  override on<K extends keyof ClientEventMap>(event: K, listener: (event: ClientEventMap[K]) => void): this {
    super.on(event, listener);
    this.#onListen(event);
    return this;
  }
}
