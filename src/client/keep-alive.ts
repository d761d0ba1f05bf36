/**
 * The client's WebSocket pings: one every `interval` while the connection is open; a ping not answered within
 * `pongTimeout` means the connection is dead, whatever TCP says.
 */
import { WebSocket } from 'ws';
import type { Timers } from './backoff.ts';

export class KeepAlive {
  #socket: WebSocket | undefined = undefined;
  #pingTimer: unknown = undefined;
  #pongTimer: unknown = undefined;

  /**
   * @param interval ms between pings; `0`: none
   * @param pongTimeout ms a ping may wait for its pong
   * @param dead called when a pong did not come (the socket is then terminated)
   */
  constructor(
    readonly timers: Timers,
    readonly interval: number,
    readonly pongTimeout: number,
    readonly dead: () => void,
  ) {}

  /** Pings `socket` from now on. */
  start(socket: WebSocket): void {
    this.stop();
    this.#socket = socket;
    socket.on('pong', this.#onPong);
    this.#schedule();
  }

  /** No more pings. */
  stop(): void {
    this.#socket?.off('pong', this.#onPong);
    this.#socket = undefined;
    if (this.#pingTimer !== undefined) this.timers.clearTimeout(this.#pingTimer);
    if (this.#pongTimer !== undefined) this.timers.clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
  }

  #schedule(): void {
    if (this.interval > 0) this.#pingTimer = this.timers.setTimeout(this.#ping, this.interval);
  }

  readonly #ping = (): void => {
    this.#pingTimer = undefined;
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return;
    socket.ping();
    this.#pongTimer = this.timers.setTimeout(this.#pongMissed, this.pongTimeout);
  };

  readonly #onPong = (): void => {
    if (this.#pongTimer === undefined) return; // a pong we did not ask for
    this.timers.clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    this.#schedule();
  };

  readonly #pongMissed = (): void => {
    this.#pongTimer = undefined;
    const socket = this.#socket;
    if (socket === undefined) return;
    this.dead();
    socket.terminate();
  };
}
