/** The errors only the charge-point-side client raises. */
import { ConnectionClosedError } from '../errors.ts';

/**
 * The rejection of `call()` for a message that is not queued (not transaction-related) while the client has no
 * open connection, and of `send()` in that case. A `ConnectionClosedError`, so one `instanceof` check covers
 * "not delivered because there was no connection".
 */
export class NotConnectedError extends ConnectionClosedError {
  override readonly name: string = 'NotConnectedError';
  /** An error for `action`, which was not sent. */
  constructor(action: string) {
    super(action, '');
    this.message = `${action}: not connected (only queued messages are accepted while offline)`;
  }
}

/**
 * The rejection of a queued message's `call()` when the client was stopped before the message was delivered.
 * The message stays in the queue store, so a client started later with the same store delivers it.
 */
export class ClientStoppedError extends ConnectionClosedError {
  override readonly name: string = 'ClientStoppedError';
  /** An error for the undelivered message of `action`. */
  constructor(action: string) {
    super(action, '');
    this.message = `${action}: the client was stopped`;
  }
}

/**
 * The rejection of a queued message's `call()` when the queue was full: either this message was dropped to make
 * room (the overflow rule drops the oldest meter-value message first) or it was refused because nothing could be
 * dropped.
 */
export class QueueOverflowError extends Error {
  override readonly name: string = 'QueueOverflowError';
  /** An error for the message of `action`, dropped from or refused by a queue of `maxSize` messages. */
  constructor(
    /** The action of the message dropped or refused. */
    readonly action: string,
    /** The queue's capacity, in messages. */
    readonly maxSize: number,
    /** True: the message was dropped from the queue; false: it was refused and never queued. */
    readonly dropped: boolean,
  ) {
    super(
      dropped
        ? `${action} was dropped from the full queue (${maxSize} messages) to make room`
        : `${action} was refused: the queue is full (${maxSize} messages) and holds nothing that may be dropped`,
    );
  }
}

/** A connection attempt failed: refused, timed out, TLS or HTTP error (`status` when the server answered). */
export class ConnectError extends Error {
  override readonly name: string = 'ConnectError';
  /** The HTTP status the server answered the upgrade request with (401: authentication failed). */
  readonly status: number | undefined;
  /** The URL the client tried to connect to, when known. */
  readonly url: string | undefined;
  /** An error with the HTTP `status` the server answered the upgrade request with, if it answered. */
  constructor(message: string, status?: number, options?: ErrorOptions & { url?: string }) {
    super(message, options);
    this.status = status;
    this.url = options?.url;
  }
}

/**
 * The server did not accept the subprotocol, or switched it: on its first connection the client negotiates its
 * version and insists on it on every reconnect. Fatal: the client stops.
 */
export class SubprotocolError extends ConnectError {
  override readonly name: string = 'SubprotocolError';
  /** An error for a server that answered with `received` where `expected` was offered or negotiated. */
  constructor(
    /** The subprotocol(s) offered, or the one negotiated on the first connection. */
    readonly expected: string,
    /** The subprotocol the server answered with; `undefined` or empty when it chose none. */
    readonly received: string | undefined,
    /** Whether it happened on a reconnect. */
    readonly reconnecting: boolean,
  ) {
    super(
      received === undefined || received === ''
        ? `The CSMS accepted none of the offered subprotocols (${expected})${reconnecting ? ' on a reconnect' : ''}`
        : `The CSMS answered with subprotocol "${received}" but this charge point ${
            reconnecting ? `negotiated "${expected}" on its first connection` : `offered "${expected}"`
          }`,
    );
  }
}
