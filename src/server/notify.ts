/**
 * How a server tells the application what happens: the events of `server.events`, one object each, built only when
 * somebody listens, and the deprecated `EventEmitter` tuples beside them. A listener that throws is logged.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Emitter, type HandlerErrorEvent } from '../events.ts';
import type { Logger } from '../logger.ts';
import type { Subprotocol } from '../protocol.ts';
import { errorMessage } from '../util.ts';
import type { OcppServerEventMap, OcppServerEvents } from './events.ts';
import { offeredSubprotocols } from './handshake.ts';
import type { ServedChargePoint } from './served.ts';

/** Reports a server's events to both of its event APIs. */
export class ServerNotifier<CP extends ServedChargePoint> {
  /** `server.events`. */
  readonly events: Emitter<OcppServerEventMap<CP>>;
  /** Given to every connection: its failed handlers become the server's `handler:error` events. */
  readonly handlerError = (event: HandlerErrorEvent): void => this.events.emit('handler:error', event);
  readonly #legacy: EventEmitter<OcppServerEvents<CP>>;
  readonly #logger: Logger;

  /** `legacy`: the server itself, the emitter of the deprecated `server.on(…)` form. */
  constructor(legacy: EventEmitter<OcppServerEvents<CP>>, logger: Logger) {
    this.#legacy = legacy;
    this.#logger = logger;
    this.events = new Emitter((error, event) => this.#listenerThrew(event, error));
  }

  /** A charge point connected. */
  connected(chargePoint: CP, protocol: Subprotocol): void {
    const { identity } = chargePoint;
    if (this.events.has('connect')) this.events.emit('connect', { identity, protocol, chargePoint });
    if (this.#legacy.listenerCount('connect') > 0) this.#emitLegacy('connect', chargePoint, protocol);
  }

  /** A charge point's connection closed. */
  disconnected(chargePoint: CP, protocol: Subprotocol, code: number, reason: Buffer): void {
    if (this.events.has('disconnect')) {
      const { identity } = chargePoint;
      this.events.emit('disconnect', { identity, protocol, chargePoint, code, reason: reason.toString() });
    }
    if (this.#legacy.listenerCount('disconnect') > 0) this.#emitLegacy('disconnect', chargePoint);
  }

  /**
   * A handshake turned away, logged and reported as `refused`: before the upgrade (`code` undefined), or upgraded
   * without a common subprotocol and closed with `code`.
   */
  turnedAway(
    request: IncomingMessage,
    status: number,
    code: number | undefined,
    reason: string,
    identity: string | undefined,
  ): void {
    const remoteAddress = request.socket.remoteAddress;
    const url = request.url;
    const offered = offeredSubprotocols(request.headers['sec-websocket-protocol']);
    if (code === undefined) {
      const known = identity === undefined ? {} : { identity };
      this.#logger.info({ status, reason, ...known, remoteAddress, url, offered }, 'handshake refused');
    } else {
      this.#logger.warn({ identity, remoteAddress, offered }, `${reason}: closing`);
    }
    // The deprecated form never heard of connections upgraded, then closed.
    const legacy = code === undefined && this.#legacy.listenerCount('refused') > 0;
    if (!this.events.has('refused') && !legacy) return;
    const event = { status, code, reason, identity, remoteAddress, url, offered };
    this.events.emit('refused', event);
    if (legacy) this.#emitLegacy('refused', event);
  }

  #emitLegacy<E extends keyof OcppServerEvents>(event: E, ...args: OcppServerEvents<CP>[E]): void {
    try {
      (this.#legacy.emit as (event: E, ...args: OcppServerEvents<CP>[E]) => boolean).call(this.#legacy, event, ...args);
    } catch (error) {
      this.#listenerThrew(event, error);
    }
  }

  #listenerThrew(event: string, error: unknown): void {
    this.#logger.error({ event, err: errorMessage(error) }, 'server event listener threw; ignored');
  }
}
