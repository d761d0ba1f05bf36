/**
 * Helpers of the security tests: an OcppServer on 127.0.0.1 (ws or wss) closed after each test, a CSMS class with
 * handlers that answer big or late, `ws` clients with TLS options, and raw HTTP over TCP or TLS for what a
 * refusal looks like on the wire.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { type ConnectionOptions, type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterEach } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import { OcppServer, type OcppServerOptions, type ProtocolClasses } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { within } from '../server/helpers.ts';

export { RawClient, rawHandshake, readRawFrame, refusal, sleep, until, within } from '../server/helpers.ts';

export const HOST = '127.0.0.1';

const now = () => new Date().toISOString();

/** 1.6: boots accepted; DataTransfer with `messageId` `big:<n>` answers n characters, `slow:<ms>` answers late. */
export class Csms16 extends v16.ChargePoint {
  @v16.on(v16.Action.BootNotification)
  boot(_request: v16.BootNotificationRequest) {
    return { currentTime: now(), interval: 300, status: v16.RegistrationStatus.Accepted };
  }

  @v16.on(v16.Action.DataTransfer)
  async dataTransfer(request: v16.DataTransferRequest, context: v16.HandlerContext) {
    const [kind, amount] = (request.messageId ?? '').split(':');
    if (kind === 'big') return { status: v16.DataTransferStatus.Accepted, data: 'x'.repeat(Number(amount)) };
    if (kind === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Number(amount));
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return { status: v16.DataTransferStatus.Accepted, data: request.data ?? '' };
  }
}

export class Csms201 extends v201.ChargePoint {
  onBootNotification() {
    return { currentTime: now(), interval: 300, status: v201.RegistrationStatusEnumType.Accepted };
  }
  onHeartbeat() {
    return { currentTime: now() };
  }
}

/** `Csms16` with connection options of its own (the server passes its context: `logger`, `state`, `onHandlerError`). */
export function csms16With(extra: v16.EndpointOptions): typeof Csms16 {
  return class extends Csms16 {
    constructor(identity: string, connection: v16.OcppConnection, options?: v16.EndpointOptions) {
      super(identity, connection, { ...options, ...extra });
    }
  };
}

const running: OcppServer<ProtocolClasses>[] = [];
const cleanups: (() => unknown)[] = [];

/** Runs after the test (before its servers close), last registered first. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** An OcppServer on a free port of 127.0.0.1 (over TLS when `tls` is given), closed after the test. */
export async function startServer<P extends ProtocolClasses>(options: OcppServerOptions<P>) {
  const server = new OcppServer<P>({ host: HOST, port: 0, pingInterval: 0, closeTimeout: 500, ...options });
  running.push(server as unknown as OcppServer<ProtocolClasses>);
  const { port } = await server.listen();
  const scheme = options.tls ? 'wss' : 'ws';
  return {
    server,
    port,
    base: `${scheme}://${HOST}:${port}`,
    url: (path: string) => `${scheme}://${HOST}:${port}${path}`,
  };
}

/** An open `ws` connection and what its TLS handshake negotiated. */
export interface Opened {
  ws: WebSocket;
  /** The server's certificate (over TLS). */
  peer: PeerCertificate | undefined;
  tls: { version: string | null; cipher: string } | undefined;
  closed: Promise<{ code: number; reason: string }>;
}

/**
 * Opens a `ws` connection with these options (TLS ones included); rejects with the HTTP status
 * (`handshake refused: HTTP 401`) or the TLS error.
 */
export function open(url: string, protocol: string, options: ClientOptions = {}): Promise<Opened> {
  const ws = new WebSocket(url, protocol, options);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
  });
  let peer: PeerCertificate | undefined;
  let tls: Opened['tls'];
  ws.once('upgrade', (response) => {
    const socket = response.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === 'function') {
      peer = socket.getPeerCertificate();
      tls = { version: socket.getProtocol(), cipher: socket.getCipher().name };
    }
  });
  onCleanup(() => ws.terminate());
  return within(
    new Promise<Opened>((resolve, reject) => {
      ws.once('open', () => resolve({ ws, peer, tls, closed }));
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        reject(new Error(`handshake refused: HTTP ${res.statusCode}`));
      });
      ws.once('error', reject);
    }),
    5000,
    `open ${url}`,
  );
}

/** The error a connection attempt fails with (fails the test when it opens). */
export async function failure(url: string, protocol: string, options: ClientOptions = {}): Promise<Error> {
  return open(url, protocol, options).then(
    (opened) => {
      opened.ws.terminate();
      throw new Error(`connection to ${url} was accepted`);
    },
    (error: unknown) => error as Error,
  );
}

/** Sends a CALL on a `ws` and resolves with the answer to it (CALLRESULT or CALLERROR). */
export function call(ws: WebSocket, id: string, action: string, payload: object): Promise<unknown[]> {
  return within(
    new Promise<unknown[]>((resolve) => {
      const onMessage = (data: unknown) => {
        const frame = JSON.parse(String(data)) as unknown[];
        if ((frame[0] === 3 || frame[0] === 4) && frame[1] === id) {
          ws.off('message', onMessage);
          resolve(frame);
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify([2, id, action, payload]));
    }),
    3000,
    `answer to ${action}`,
  );
}

/** A complete HTTP response as it came off the wire. */
export interface RawResponse {
  statusLine: string;
  status: number;
  headers: IncomingHttpHeaders;
  /** Header names in the order sent, lower-case. */
  headerNames: string[];
  body: Buffer;
}

/**
 * Sends a WebSocket upgrade request by hand (over TLS with `tls`) and reads everything the server sends until it
 * closes the connection: the status line, every header and the body of a refusal.
 */
export function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string>,
  tls?: ConnectionOptions,
): Promise<RawResponse> {
  return within(
    new Promise<RawResponse>((resolve, reject) => {
      const socket = tls ? tlsConnect({ host: HOST, port, ...tls }) : tcpConnect(port, HOST);
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.once('error', reject);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        const lines = [
          `GET ${path} HTTP/1.1`,
          `Host: ${HOST}:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        ];
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      });
      socket.once('close', () => {
        const all = Buffer.concat(chunks);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) {
          reject(new Error(`no complete response: ${JSON.stringify(all.toString('latin1'))}`));
          return;
        }
        const [statusLine = '', ...lines] = all.subarray(0, end).toString('latin1').split('\r\n');
        const parsed: IncomingHttpHeaders = {};
        const headerNames: string[] = [];
        for (const line of lines) {
          const colon = line.indexOf(':');
          const name = line.slice(0, colon).trim().toLowerCase();
          headerNames.push(name);
          parsed[name] = line.slice(colon + 1).trim();
        }
        resolve({
          statusLine,
          status: Number(statusLine.split(' ')[1]),
          headers: parsed,
          headerNames,
          body: all.subarray(end + 4),
        });
      });
    }),
    5000,
    `raw upgrade ${path}`,
  );
}
