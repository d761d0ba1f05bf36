/**
 * Helpers for tests over real sockets on 127.0.0.1: a plain `ws` client that speaks raw frames, a raw TCP
 * handshake for what `ws` would refuse to do, and bounded waits. Every wait fails with a message instead of
 * hanging.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type Socket, connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';

/** Rejects with `label` when `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds (bounded). */
export async function until(condition: () => boolean, label: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition never held within ${ms} ms: ${label}`);
    await sleep(10);
  }
}

export type Frame = unknown[];

/** A charge point played by hand: sends raw frames, collects what arrives, answers nothing by itself. */
export class RawClient {
  /** Every frame received, as text. */
  readonly frames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Frames received that no `next()` has taken yet. */
  readonly #unread: Frame[] = [];
  readonly #waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
    ws.on('message', (data) => {
      const text = String(data);
      this.frames.push(text);
      const frame = JSON.parse(text) as Frame;
      const i = this.#waiters.findIndex((w) => w.match(frame));
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(frame);
      else this.#unread.push(frame);
    });
    ws.on('error', () => {
      // surfaced through `closed`
    });
  }

  /** Opens a connection; rejects with the HTTP status when the handshake is refused. */
  static open(url: string, protocols?: string | string[], options: { autoPong?: boolean } = {}): Promise<RawClient> {
    const ws = new WebSocket(url, protocols, options);
    return within(
      new Promise<RawClient>((resolve, reject) => {
        const client = new RawClient(ws);
        ws.once('open', () => resolve(client));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: HTTP ${res.statusCode}`)));
        ws.once('error', reject);
      }),
      5000,
      `open ${url}`,
    );
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  send(frame: Frame | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame that matches, already received or still to come. */
  next(match: (frame: Frame) => boolean = () => true, ms = 3000): Promise<Frame> {
    const i = this.#unread.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0] as Frame);
    let waiter: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void } | undefined;
    const arrived = new Promise<Frame>((resolve) => {
      waiter = { match, resolve };
      this.#waiters.push(waiter);
    });
    return within(arrived, ms, 'a frame from the server').catch((error: unknown) => {
      const i = this.#waiters.indexOf(waiter as NonNullable<typeof waiter>);
      if (i >= 0) this.#waiters.splice(i, 1);
      throw error;
    });
  }

  /** Sends a CALL and resolves with the answer to it (CALLRESULT or CALLERROR). */
  call(id: string, action: string, payload: object = {}): Promise<Frame> {
    const answer = this.next((f) => (f[0] === 3 || f[0] === 4) && f[1] === id);
    this.send([2, id, action, payload]);
    return answer;
  }

  close(code = 1000): Promise<{ code: number; reason: string }> {
    this.ws.close(code);
    return within(this.closed, 3000, 'close');
  }
}

/** The HTTP status and headers of a refused WebSocket handshake (fails when the handshake succeeds). */
export function refusal(url: string, protocols?: string | string[], headers: Record<string, string> = {}) {
  return within(
    new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { headers });
      ws.once('unexpected-response', (req, res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
        res.resume();
        req.destroy();
      });
      ws.once('open', () => {
        ws.terminate();
        reject(new Error(`handshake to ${url} was accepted`));
      });
      ws.once('error', (error) => reject(error));
    }),
    5000,
    `refusal of ${url}`,
  );
}

/** What a hand-made handshake got: the status line, the headers, and the socket for what follows. */
export interface RawHandshake {
  status: number;
  headers: Record<string, string>;
  socket: Socket;
  /** Bytes received after the response headers. */
  rest: Buffer;
}

/**
 * Does the WebSocket handshake by hand over TCP, so that the test controls the socket afterwards: it can stop
 * reading (a half-open peer) or read the raw frames `ws` would hide.
 */
export function rawHandshake(port: number, path: string, protocol?: string): Promise<RawHandshake> {
  return within(
    new Promise<RawHandshake>((resolve, reject) => {
      const socket = tcpConnect(port, '127.0.0.1');
      let buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        const [statusLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        resolve({ status: Number(statusLine.split(' ')[1]), headers, socket, rest: buffer.subarray(end + 4) });
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.once('connect', () => {
        const lines = [
          `GET ${path} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
        ];
        if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      });
    }),
    5000,
    `raw handshake ${path}`,
  );
}

/** Reads the first frame a raw socket receives (server frames are unmasked) and returns its opcode and payload. */
export function readRawFrame(handshake: RawHandshake): Promise<{ opcode: number; payload: Buffer }> {
  const { socket } = handshake;
  let buffer = handshake.rest;
  return within(
    new Promise((resolve, reject) => {
      const tryParse = (): boolean => {
        if (buffer.length < 2) return false;
        const opcode = (buffer[0] as number) & 0x0f;
        const length = (buffer[1] as number) & 0x7f;
        if (length >= 126) {
          reject(new Error('long frames are not read here'));
          return true;
        }
        if (buffer.length < 2 + length) return false;
        resolve({ opcode, payload: buffer.subarray(2, 2 + length) });
        return true;
      };
      if (tryParse()) return;
      const onData = (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (tryParse()) socket.off('data', onData);
      };
      socket.on('data', onData);
      socket.resume();
    }),
    3000,
    'a raw frame',
  );
}

/** A BootNotification request per version. */
export const BOOT: Record<'ocpp1.6' | 'ocpp2.0.1' | 'ocpp2.1', object> = {
  'ocpp1.6': { chargePointVendor: 'The Mobility House', chargePointModel: 'Optimus' },
  'ocpp2.0.1': { chargingStation: { model: 'Optimus', vendorName: 'The Mobility House' }, reason: 'PowerUp' },
  'ocpp2.1': { chargingStation: { model: 'Optimus', vendorName: 'The Mobility House' }, reason: 'PowerUp' },
};

/** RFC 3339 date-time with a UTC offset, as `new Date().toISOString()` writes it. */
export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
