/**
 * An in-memory WebSocket pair for tests: what one end sends, the other receives, asynchronously and in order.
 * Both ends fit `OcppConnection`, so a CSMS-side and a charge-point-side endpoint can talk without a network.
 */
import { EventEmitter } from 'node:events';
import type { OcppConnection } from './connection.ts';

/** Options of `createConnectionPair`. */
export interface ConnectionPairOptions {
  /** The subprotocol both ends report. Default `ocpp1.6`. */
  protocol?: string;
  /** Deliver text frames as a Buffer, the way `ws` does (`false`: as a string). Default `false`. */
  textAsBuffer?: boolean;
}

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** One end of an in-memory pair. */
export class MemoryConnection extends EventEmitter implements OcppConnection {
  readonly protocol: string;
  readyState = OPEN;
  /** Every frame this end sent, in order (text frames as strings). */
  readonly sent: (string | Buffer)[] = [];
  #peer: MemoryConnection | undefined;
  readonly #textAsBuffer: boolean;

  /**
   * One end, not yet linked: use `createConnectionPair`.
   * @param protocol The subprotocol this end reports.
   * @param textAsBuffer Deliver text frames as a Buffer.
   */
  constructor(protocol: string, textAsBuffer: boolean) {
    super();
    this.protocol = protocol;
    this.#textAsBuffer = textAsBuffer;
  }

  /** @internal */
  link(peer: MemoryConnection): void {
    this.#peer = peer;
  }

  /** Send a text frame (a string) or a binary frame (a Buffer), like `ws`. */
  send(data: string | Buffer, cb?: (err?: Error) => void): void {
    if (typeof data === 'string') this.sendRaw(data, false, cb);
    else this.sendRaw(data, true, cb);
  }

  /** Send anything: `sendRaw(Buffer.from([0xff]), false)` is a text frame that is not UTF-8. */
  sendRaw(data: string | Buffer, isBinary: boolean, cb?: (err?: Error) => void): void {
    if (this.readyState !== OPEN) {
      if (cb) queueMicrotask(() => cb(new Error('WebSocket is not open')));
      return;
    }
    this.sent.push(data);
    const peer = this.#peer;
    const payload = !isBinary && typeof data === 'string' && this.#textAsBuffer ? Buffer.from(data) : data;
    queueMicrotask(() => {
      // like a real socket, frames sent before a close still arrive before it
      if (peer !== undefined && peer.readyState !== CLOSED) peer.emit('message', payload, isBinary);
      cb?.();
    });
  }

  /** Closes both ends: each emits `close` with this code and reason. */
  close(code = 1005, reason = ''): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSING;
    const peer = this.#peer;
    if (peer !== undefined && peer.readyState === OPEN) peer.readyState = CLOSING;
    queueMicrotask(() => {
      this.#finish(code, reason);
      if (peer !== undefined) peer.#finish(code, reason);
    });
  }

  /** Drops the connection: both ends emit `close` with 1006. */
  terminate(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    const peer = this.#peer;
    queueMicrotask(() => {
      this.#finish(1006, '');
      if (peer !== undefined) peer.#finish(1006, '');
    });
  }

  #finish(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.emit('close', code, Buffer.from(reason));
  }
}

/** Two connected ends: `const [csmsSide, chargerSide] = createConnectionPair({ protocol: 'ocpp2.0.1' })`. */
export function createConnectionPair(options: ConnectionPairOptions = {}): [MemoryConnection, MemoryConnection] {
  const protocol = options.protocol ?? 'ocpp1.6';
  const textAsBuffer = options.textAsBuffer ?? false;
  const a = new MemoryConnection(protocol, textAsBuffer);
  const b = new MemoryConnection(protocol, textAsBuffer);
  a.link(b);
  b.link(a);
  return [a, b];
}

// Replaying recorded traffic (`server.record()`, `ocppkit serve --record`) as a regression test.
export { DEFAULT_IGNORE_RULES, type IgnoreRule } from './observability/compare.ts';
export { type ReplayOptions, type ReplayReport, replay, replayIsClean } from './observability/replay.ts';
export type { ReplayDifference } from './observability/replay-types.ts';
export { readTrace, type TraceRecord } from './observability/trace-record.ts';

/**
 * A `connect` for the conformance kit's `testCsms` that needs no network: each connection the kit opens is one end
 * of an in-memory pair, and `serve(identity, connection)` gets the other, e.g.
 * `(identity, connection) => new MyChargePoint(identity, connection)`.
 */
export function inMemoryCsms(
  serve: (identity: string, connection: MemoryConnection) => unknown,
): (identity: string, protocol: string) => MemoryConnection {
  return (identity, protocol) => {
    const [csmsSide, kitSide] = createConnectionPair({ protocol });
    serve(identity, csmsSide);
    return kitSide;
  };
}

/** The conformance kit, to run its cases from a test runner (see docs/conformance.md). */
export * from './conformance/index.ts';
