/** Helpers of the client tests: servers on 127.0.0.1, waiting for client events, recording timers. */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import type { ClientEmitter, ClientEventMap } from '../../src/client/events.ts';
import { createDemoCsms } from '../../src/demo/index.ts';
import type { Subprotocol } from '../../src/protocol.ts';
import { type HandshakeDecision, type HandshakeInfo, OcppServer, type ProtocolClasses } from '../../src/server.ts';

export const HOST = '127.0.0.1';

/** The demo CSMS (`ocppkit serve`) on a free port. */
export async function startDemo(protocols?: readonly Subprotocol[]) {
  const { server, store } = createDemoCsms({ host: HOST, ...(protocols === undefined ? {} : { protocols }) });
  const { port } = await server.listen(0, HOST);
  return { server, store, url: `ws://${HOST}:${port}`, port };
}

/** An OcppServer with the given classes on a free port; the handshake hook sees `refuse` and records requests. */
export async function startServer<P extends ProtocolClasses>(
  protocols: P,
  authenticate?: (info: HandshakeInfo) => HandshakeDecision | Promise<HandshakeDecision>,
) {
  const handshakes: IncomingMessage[] = [];
  const control = { refuse: false };
  const server = new OcppServer({
    protocols,
    host: HOST,
    pingInterval: 0,
    authenticate: (info) => {
      handshakes.push(info.request);
      if (control.refuse) return false;
      return authenticate ? authenticate(info) : true;
    },
  });
  const { port } = await server.listen(0, HOST);
  return { server, handshakes, control, url: `ws://${HOST}:${port}`, port };
}

/** A raw `ws` server: full control over the subprotocol answer and pongs. */
export async function startRawServer(options: {
  handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
  autoPong?: boolean;
}) {
  const sockets: WsSocket[] = [];
  const requests: IncomingMessage[] = [];
  const wss = new WebSocketServer({
    host: HOST,
    port: 0,
    autoPong: options.autoPong ?? true,
    handleProtocols: options.handleProtocols ?? ((protocols) => [...protocols][0] ?? false),
  });
  wss.on('connection', (ws, request) => {
    sockets.push(ws);
    requests.push(request);
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = wss.address() as AddressInfo;
  return {
    wss,
    sockets,
    requests,
    url: `ws://${HOST}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

interface Emits {
  readonly events: ClientEmitter;
}

/** Every event of the given names, in order, with the time it came (performance.now()). */
export function record<K extends keyof ClientEventMap>(client: Emits, ...names: K[]) {
  const log: { name: K; at: number; event: ClientEventMap[K] }[] = [];
  for (const name of names) client.events.on(name, (event) => log.push({ name, at: performance.now(), event }));
  return log;
}

/** Resolves with the next event `name` that satisfies `accept`. */
export function next<K extends keyof ClientEventMap>(
  client: Emits,
  name: K,
  accept: (event: ClientEventMap[K]) => boolean = () => true,
  timeout = 5000,
): Promise<ClientEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.events.off(name, listener);
      reject(new Error(`no ${String(name)} event within ${timeout} ms`));
    }, timeout);
    const listener = (event: ClientEventMap[K]) => {
      if (!accept(event)) return;
      clearTimeout(timer);
      client.events.off(name, listener);
      resolve(event);
    };
    client.events.on(name, listener);
  });
}

/** Poll until `check` is true. */
export async function until(check: () => boolean, timeout = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A random source that plays back `values` in a loop. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const now = () => new Date().toISOString();
