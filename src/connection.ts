/**
 * The part of a WebSocket the runtime uses. A `ws` WebSocket fits as is; so does the in-memory pair of
 * `ocppkit/testing`. Text frames are expected; `isBinary` and Buffer data are handled the way `ws` delivers them.
 */
export interface OcppConnection {
  /** The negotiated subprotocol (`ocpp1.6`, …); checked against the version the endpoint speaks. */
  readonly protocol: string;
  /** WebSocket ready state (3 = CLOSED). Optional. */
  readonly readyState?: number;
  send(data: string, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  /** Drop the connection without a closing handshake. Optional. */
  terminate?(): void;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  off?(event: 'close', listener: (code: number, reason: unknown) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  removeListener?(event: 'close', listener: (code: number, reason: unknown) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** WebSocket close codes the runtime uses. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  /** A binary frame: OCPP-J is text only. */
  UNSUPPORTED_DATA: 1003,
  ABNORMAL: 1006,
  /** A text frame that is not UTF-8. */
  INVALID_PAYLOAD: 1007,
  /** Too many consecutive bad frames. */
  POLICY_VIOLATION: 1008,
  /** A frame over the size limit. */
  MESSAGE_TOO_BIG: 1009,
} as const;
