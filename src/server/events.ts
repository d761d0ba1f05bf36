/**
 * The events of `OcppServer`: `server.events.on('connect', ({ identity, protocol, chargePoint }) => …)`, one object
 * per event, as the events of a connection (`chargePoint.events`) and of a client. The listener tuples of the
 * deprecated `server.on(…)` form are here too.
 */
import type { FrameEvent, HandlerErrorEvent } from '../events.ts';
import type { Subprotocol } from '../protocol.ts';
import type { ServedChargePoint } from './served.ts';

/** A charge point connected: its ChargePoint is created, in the registry, and handles its frames. */
export interface ServerConnectEvent<CP extends ServedChargePoint = ServedChargePoint> {
  /** The charge point's identity. */
  readonly identity: string;
  /** The subprotocol negotiated: the version it speaks. */
  readonly protocol: Subprotocol;
  /** Its ChargePoint: an instance of the class, or what the factory returned, for that subprotocol. */
  readonly chargePoint: CP;
}

/** A charge point's connection closed; its ChargePoint has finished and left the registry. */
export interface ServerDisconnectEvent<CP extends ServedChargePoint = ServedChargePoint>
  extends ServerConnectEvent<CP> {
  /** The WebSocket close code (1006 when the connection dropped without a close frame). */
  readonly code: number;
  /** The WebSocket close reason. */
  readonly reason: string;
}

/**
 * A handshake turned away. Before the upgrade: the HTTP status the client got (and nothing else). After it, when no
 * subprotocol is common: status 101 and close code 1002, the connection closed at once.
 */
export interface HandshakeRefusedEvent {
  /** The HTTP status sent: 400, 401, 404, 500, 503, …, or 101 when the connection was upgraded and closed at once. */
  readonly status: number;
  /** The WebSocket close code when the connection was upgraded and closed at once (1002), else `undefined`. */
  readonly code: number | undefined;
  /** Why, for the application's log; never sent to the client. */
  readonly reason: string;
  /** The identity, when the path held a readable one. */
  readonly identity: string | undefined;
  /** The client's IP address. */
  readonly remoteAddress: string | undefined;
  /** The request's URL (path and query). */
  readonly url: string | undefined;
  /** The subprotocols the client offered (its `Sec-WebSocket-Protocol` header), in its order; `[]` for none. */
  readonly offered: readonly string[];
}

/**
 * The events of `OcppServer`, by name: `server.events.on(name, (event) => …)`. Event objects are built only when
 * somebody listens; a listener that throws is logged and never reaches a connection, the server or the process.
 */
export interface OcppServerEventMap<CP extends ServedChargePoint = ServedChargePoint> {
  /** A charge point connected: `{ identity, protocol, chargePoint }`. */
  connect: ServerConnectEvent<CP>;
  /** A charge point's connection closed: `{ identity, protocol, chargePoint, code, reason }`. */
  disconnect: ServerDisconnectEvent<CP>;
  /** A handshake turned away: `{ status, code, reason, identity, remoteAddress, url, offered }`. */
  refused: HandshakeRefusedEvent;
  /**
   * A handler of any connection failed: `{ identity, phase, action, messageId, error }`, the connection's own
   * `handler:error` event (reported through `context.onHandlerError`, which a class passes on with its options).
   */
  'handler:error': HandlerErrorEvent;
  /**
   * A frame received from any connection: `{ identity, data, messageType, messageId, action }`, as the connection's
   * own `message:in`. One listener here sees every charge point; with none, a frame costs one look-up more.
   */
  'message:in': FrameEvent;
  /** A frame sent to any connection: `{ identity, data, messageType, messageId, action }`. */
  'message:out': FrameEvent;
}

/**
 * @deprecated The listener arguments of `server.on(…)`; use `server.events.on(…)` and `OcppServerEventMap`, one
 * object per event.
 */
export interface OcppServerEvents<CP extends ServedChargePoint = ServedChargePoint> {
  /** A charge point connected; its ChargePoint object is started and in the registry. */
  connect: [chargePoint: CP, protocol: Subprotocol];
  /** A charge point's connection closed. */
  disconnect: [chargePoint: CP];
  /** A handshake refused before the upgrade (status and reason; never sent to the client beyond the status). */
  refused: [info: { status: number; reason: string; remoteAddress: string | undefined; url: string | undefined }];
  /** The `EventEmitter` error event (declared for listeners; the server reports failures through its logger). */
  error: [error: Error];
}
