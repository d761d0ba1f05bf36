/**
 * The console's HTTP server: the page (`/`, `/app.js`, `/app.css`), its updates as server-sent events
 * (`/api/events`: a snapshot, then one batch per interval) and calls to charge points (`POST /api/call`). With a
 * token, every request must carry it (`?token=` or `Authorization: Bearer`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { secretsEqual } from '../auth.ts';
import type { CallOptions } from '../call-args.ts';
import { RequestValidationError } from '../errors.ts';
import { createMessageIdFactory } from '../ids.ts';
import type { ServedChargePoint } from '../server/served.ts';
import { errorMessage } from '../util.ts';
import { pageAssets, type ServedAsset } from './assets.ts';
import { consoleHtml } from './html.ts';
import type { CallOutcome, ConsoleUpdate } from './wire.ts';

/** What the console's HTTP server needs. */
export interface ConsoleHttpOptions {
  readonly target: { readonly registry: { get(identity: string): ServedChargePoint | undefined } };
  readonly recorder: {
    flush(): ConsoleUpdate | undefined;
    snapshot(): ConsoleUpdate;
    pin(identity: string, messageId: string): void;
    unpin(identity: string, messageId: string): void;
  };
  readonly token: string | undefined;
  readonly title: string;
  /** ms between two updates to the pages. */
  readonly interval: number;
  /** Timeout of a call sent from the page, ms. */
  readonly callTimeout: number;
}

/** A charge point the console can call: each version's `ChargePoint`. */
interface CallableChargePoint {
  call(action: string, payload: object, options?: CallOptions): Promise<unknown>;
}

/** Largest request body accepted (a call's payload). */
const MAX_BODY = 1 << 20;
/** A page whose connection holds more unsent bytes than this is dropped; its browser reconnects for a snapshot. */
const MAX_PAGE_BACKLOG = 16 << 20;

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(text);
}

function sendAsset(request: IncomingMessage, response: ServerResponse, asset: ServedAsset): void {
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  response.writeHead(200, {
    'content-type': asset.type,
    'cache-control': 'no-cache',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  response.end(gzip ? asset.gzipped : asset.body);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The console's HTTP server, not yet listening; `stop()` ends the updates and every page's stream. */
export function createConsoleServer(options: ConsoleHttpOptions): { http: Server; stop: () => void } {
  const pages = new Set<ServerResponse>();
  // ids of the calls sent from the page, which the recorder pins
  const nextMessageId = createMessageIdFactory();
  const broadcast = (update: ConsoleUpdate): void => {
    const text = `data: ${JSON.stringify(update)}\n\n`;
    for (const page of pages) {
      if (page.writableLength > MAX_PAGE_BACKLOG) page.destroy();
      else page.write(text);
    }
  };
  const timer = setInterval(() => {
    const update = options.recorder.flush();
    if (update !== undefined && pages.size > 0) broadcast(update);
  }, options.interval);
  timer.unref();

  const openStream = (response: ServerResponse): void => {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // What is queued goes to the pages already open; the new page starts from the snapshot.
    const pending = options.recorder.flush();
    if (pending !== undefined) broadcast(pending);
    response.write(`retry: 1000\ndata: ${JSON.stringify(options.recorder.snapshot())}\n\n`);
    pages.add(response);
    response.on('close', () => pages.delete(response));
  };

  const call = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // A JSON body and no foreign Origin: another site's page cannot post here (its request would need a preflight).
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host}`) {
      sendJson(response, 403, { ok: false, refused: true, error: 'Forbidden', message: 'foreign origin' });
      return;
    }
    if (!String(request.headers['content-type']).startsWith('application/json')) {
      sendJson(response, 415, { ok: false, refused: true, error: 'UnsupportedMediaType', message: 'send JSON' });
      return;
    }
    let body: { identity?: unknown; action?: unknown; payload?: unknown };
    try {
      body = JSON.parse(await readBody(request)) as typeof body;
    } catch (error) {
      sendJson(response, 400, { ok: false, refused: true, error: 'BadRequest', message: errorMessage(error) });
      return;
    }
    const { identity, action, payload } = body;
    const chargePoint =
      typeof identity === 'string'
        ? (options.target.registry.get(identity) as Partial<CallableChargePoint> | undefined)
        : undefined;
    const refuse = (status: number, error: string, message: string): void =>
      sendJson(response, status, { ok: false, refused: true, error, message } satisfies CallOutcome);
    if (typeof chargePoint?.call !== 'function')
      return refuse(404, 'NotConnected', `${identity} is not connected here`);
    if (typeof action !== 'string') return refuse(400, 'BadRequest', 'no action');
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return refuse(400, 'BadRequest', 'the payload must be an object');
    }
    const started = Date.now();
    // Its frames reach the log however busy the server is.
    const messageId = nextMessageId();
    options.recorder.pin(identity as string, messageId);
    try {
      const result = await chargePoint.call(action, payload, { timeout: options.callTimeout, messageId });
      sendJson(response, 200, { ok: true, result, latency: Date.now() - started } satisfies CallOutcome);
    } catch (error) {
      // The charge point's own checks (an action it cannot be sent, a payload failing its schema) send nothing.
      const refused = error instanceof RequestValidationError || error instanceof TypeError;
      const outcome: CallOutcome = {
        ok: false,
        refused,
        error: (error as Error).name ?? 'Error',
        message: errorMessage(error),
      };
      sendJson(response, refused ? 422 : 200, outcome);
    } finally {
      options.recorder.unpin(identity as string, messageId);
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    if (options.token !== undefined) {
      const presented = url.searchParams.get('token') ?? bearer(request) ?? '';
      if (!secretsEqual(presented, options.token)) {
        response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' });
        response.end('This console needs its access token: open the URL printed when it started.\n');
        return;
      }
    }
    const route = `${request.method} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
        response.end(
          consoleHtml(options.title, options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`),
        );
        return;
      case 'GET /app.js':
        return sendAsset(request, response, (await pageAssets()).js);
      case 'GET /app.css':
        return sendAsset(request, response, (await pageAssets()).css);
      case 'GET /api/events':
        return openStream(response);
      case 'POST /api/call':
        return await call(request, response);
      default:
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('not found\n');
    }
  };

  const http = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${errorMessage(error)}\n`);
    });
  });
  const stop = (): void => {
    clearInterval(timer);
    for (const page of pages) page.end();
    pages.clear();
  };
  return { http, stop };
}
