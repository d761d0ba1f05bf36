/**
 * The part of a WebSocket the runtime uses. A `ws` WebSocket fits as is; so does the in-memory pair of
 * `ocppkit/testing`. Text frames are expected; `isBinary` and Buffer data are handled the way `ws` delivers them.
 */
export interface OcppConnection {
  /** The negotiated subprotocol (`ocpp1.6`, …); checked against the version the endpoint speaks. */
  readonly protocol: string;
  /** WebSocket ready state (3 = CLOSED). Optional. */
  readonly readyState?: number;
  /** Sends a text frame; `cb` gets the error when it could not be sent. */
  send(data: string, cb?: (err?: Error) => void): void;
  /** Starts the closing handshake with a WebSocket close code and reason. */
  close(code?: number, reason?: string): void;
  /** Drop the connection without a closing handshake. Optional. */
  terminate?(): void;
  /** Stop reading received frames (backpressure while our own frames wait for the socket). Optional. */
  pause?(): void;
  /** Read received frames again. Optional, with `pause`. */
  resume?(): void;
  /** Subscribes to received frames (`data` a string or a Buffer, the way `ws` delivers it). */
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  /** Subscribes to the close, with the WebSocket close code and reason. */
  on(event: 'close', listener: (code: number, reason: unknown) => void): unknown;
  /** Subscribes to socket errors. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Unsubscribes from received frames. Optional, like `removeListener`: one of them is used when the endpoint ends. */
  off?(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  /** Unsubscribes from the close. */
  off?(event: 'close', listener: (code: number, reason: unknown) => void): unknown;
  /** Unsubscribes from socket errors. */
  off?(event: 'error', listener: (error: Error) => void): unknown;
  /** Unsubscribes from received frames (Node's EventEmitter name). Optional. */
  removeListener?(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  /** Unsubscribes from the close. */
  removeListener?(event: 'close', listener: (code: number, reason: unknown) => void): unknown;
  /** Unsubscribes from socket errors. */
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** WebSocket close codes the runtime uses. */
export const CloseCode = {
  /** A normal close. */
  NORMAL: 1000,
  /** The endpoint is going away (server shutdown, a connection replaced by a newer one). */
  GOING_AWAY: 1001,
  /** A frame that breaks the WebSocket protocol. */
  PROTOCOL_ERROR: 1002,
  /** A binary frame: OCPP-J is text only. */
  UNSUPPORTED_DATA: 1003,
  /** The connection dropped without a close frame (reported, never sent). */
  ABNORMAL: 1006,
  /** A text frame that is not UTF-8. */
  INVALID_PAYLOAD: 1007,
  /** Too many consecutive bad frames. */
  POLICY_VIOLATION: 1008,
  /** A frame over the size limit. */
  MESSAGE_TOO_BIG: 1009,
} as const;
