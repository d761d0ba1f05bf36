/**
 * The server's WebSockets: the `ws` class with a reference to the server that accepted it and to the ChargePoint it
 * carries, so that the listeners and the check after each send are shared functions rather than closures made per
 * connection.
 */
import { WebSocket } from 'ws';
import type { ServedChargePoint } from './served.ts';

/** What a server's socket reports to the server that accepted it. */
export interface SocketOwner {
  /** After each send: drops the connection when its peer stopped reading. */
  sent(ws: ServedSocket): void;
  /** A pong arrived. */
  pong(ws: ServedSocket): void;
  /** The connection closed, with its close code and reason (as `ws` gives it). */
  closed(ws: ServedSocket, code: number, reason: Buffer): void;
}

/** A WebSocket of the server. */
export class ServedSocket extends WebSocket {
  owner: SocketOwner | undefined = undefined;
  /** Until the connection closes. */
  chargePoint: ServedChargePoint | undefined = undefined;
  /** When its handshake started, in the server's order: of two connections of one identity, the later one stays. */
  started = 0;
}

const sendFrame = WebSocket.prototype.send as (this: WebSocket, data: unknown, options?: unknown, cb?: unknown) => void;
// ws's `send` is overloaded (options and callback optional): its arguments are passed on as they are.
ServedSocket.prototype.send = function send(this: ServedSocket, data: unknown, options?: unknown, cb?: unknown) {
  sendFrame.call(this, data, options, cb);
  this.owner?.sent(this);
} as WebSocket['send'];

/** The `pong` listener of every served socket. */
export function onPong(this: WebSocket): void {
  const ws = this as ServedSocket;
  ws.owner?.pong(ws);
}

/** The `close` listener of every served socket. */
export function onClose(this: WebSocket, code: number, reason: Buffer): void {
  const ws = this as ServedSocket;
  ws.owner?.closed(ws, code, reason);
}

/** A socket that never gets a ChargePoint still needs an error listener: ws emits protocol violations there. */
export function ignoreError(): void {}
