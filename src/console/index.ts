/**
 * `ocppkit/console`: a web page to see and drive the charge points of an `OcppServer`.
 * `const console = await attachConsole(server, { port: 9501 })`, then open `console.url`. The page lists the
 * connected charge points, logs every frame (each CALL linked to its answer), charts transactions' meter values
 * and sends any call the CSMS may send, from a form generated from the action's JSON schema.
 *
 * It watches the server through its events and adds nothing to a connection that it does not watch: detached
 * (`close()`), the server runs exactly as without it. With a cluster adapter it shows the charge points of this node.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ServedChargePoint } from '../server/served.ts';
import { createConsoleServer } from './http.ts';
import { ConsoleRecorder } from './recorder.ts';
import type { ConsoleTarget } from './target.ts';

export type { ConsoleTarget } from './target.ts';
export type {
  CallOutcome,
  ChargePointRow,
  ConsoleUpdate,
  FrameKind,
  LogEntry,
  MeterPoint,
  TransactionRow,
} from './wire.ts';

/** Options of `attachConsole`. */
export interface ConsoleOptions {
  /** Port of the page. Default 0: any free port (read `console.port`). */
  port?: number;
  /**
   * Address to bind. Default `127.0.0.1`. Any address but a loopback one needs `token`: the console can send any
   * call to any charge point.
   */
  host?: string;
  /**
   * The access token every request must carry (`?token=…` in the page's URL, or `Authorization: Bearer …`).
   * `true`: a random one (in `console.url`). Default: none, allowed on loopback addresses only.
   */
  token?: string | true;
  /** The page's title. Default `ocppkit console`. */
  title?: string;
  /** Frames the log keeps (and a page receives when it opens). Default 2000. */
  logSize?: number;
  /** ms between two batches of updates to the pages. Default 250. */
  interval?: number;
  /** Most frames in one batch; under heavier traffic the others are counted as skipped. Default 500. */
  batchSize?: number;
  /** Timeout of a call sent from the page, ms. Default 30 000. */
  callTimeout?: number;
}

/** A console attached to a server: its address, and `close()` to detach it. */
export interface OcppConsole {
  /** The page's URL, with the token when there is one. */
  readonly url: string;
  /** The port the page is served on. */
  readonly port: number;
  /** The access token, if any. */
  readonly token: string | undefined;
  /** Stops serving the page and removes every listener the console added to the server and its connections. */
  close(): Promise<void>;
}

/** Thrown by `attachConsole` for options it cannot work with (a non-loopback address without a token). */
export class ConsoleOptionsError extends Error {
  override readonly name = 'ConsoleOptionsError';
}

/** Whether `host` is a loopback address: the console serves it without a token. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Attaches a console to `server` and serves its page. Resolves once the page's port is listening.
 * @typeParam CP the server's ChargePoints
 * @throws ConsoleOptionsError when `host` is not a loopback address and no `token` is given
 */
export async function attachConsole<CP extends ServedChargePoint>(
  server: ConsoleTarget<CP>,
  options: ConsoleOptions = {},
): Promise<OcppConsole> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token === true ? randomBytes(18).toString('base64url') : options.token;
  if (token === '') throw new ConsoleOptionsError('the console token must not be empty');
  if (token === undefined && !isLoopback(host)) {
    throw new ConsoleOptionsError(`the console binds ${host}, beyond loopback: it needs an access token`);
  }
  const recorder = new ConsoleRecorder(server, {
    logSize: options.logSize ?? 2000,
    batchSize: options.batchSize ?? 500,
    transactions: 500,
    meterPoints: 2000,
  });
  const { http, stop } = createConsoleServer({
    target: server,
    recorder,
    token,
    title: options.title ?? 'ocppkit console',
    interval: options.interval ?? 250,
    callTimeout: options.callTimeout ?? 30_000,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    stop();
    recorder.close();
    throw error;
  }
  const { port } = http.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${shownHost}:${port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
  return {
    url,
    port,
    token,
    async close() {
      stop();
      recorder.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
