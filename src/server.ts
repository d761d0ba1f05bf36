/**
 * `ocppkit/server`: the CSMS side's WebSocket server. It owns a `ws` server (or attaches to an existing
 * http(s) server), checks each handshake before the upgrade (path, identity, subprotocol, the
 * application's hook), creates the version's ChargePoint class for each connection and keeps the registry
 * of connected charge points.
 */
import { EventEmitter } from 'node:events';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import {
  createServer as createHttpsServer,
  type ServerOptions as HttpsOptions,
  type Server as HttpsServer,
} from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_CIPHERS, type PeerCertificate, type SecureContextOptions, TLSSocket } from 'node:tls';
import type { ZlibOptions } from 'node:zlib';
import { WebSocket, WebSocketServer } from 'ws';
import { basicAuthPassword, secretsEqual } from './auth.ts';
import type {
  AnyCallMap,
  CallMapOf,
  ClusterAction,
  ProtocolOf,
  RequestOf,
  ResponseOf,
  VersionCaller,
} from './call-types.ts';
import type { OcppConnection } from './connection.ts';
import type { CallOptions } from './endpoint.ts';
import { ChargePointNotConnectedError, ProtocolMismatchError } from './errors.ts';
import { type Logger, silentLogger } from './logger.ts';
import type { Call } from './messages.ts';
import type { Subprotocol } from './protocol.ts';

export { basicAuthHeader, basicAuthPassword, secretsEqual } from './auth.ts';
export { createConsoleLogger, type LogLevel } from './console-logger.ts';
export type { Logger } from './logger.ts';
export type { Subprotocol } from './protocol.ts';

/**
 * What the server needs of a connected ChargePoint: every version's class fits. It handles frames from its
 * construction on; the server learns of the close from the socket.
 */
export interface ServedChargePoint {
  /** The charge point's identity, decoded from the connection URL. */
  readonly identity: string;
  /** Closes the connection with a WebSocket close code and reason. */
  close(code?: number, reason?: string): unknown;
}

/** What `server.call()` uses of a connected ChargePoint (every version's class has it). */
interface CallingChargePoint {
  readonly protocol: Subprotocol;
  call(first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown>;
}

/** What the server passes to a ChargePoint class besides the identity and the connection. */
export interface ServedChargePointOptions {
  /** The server's logger. */
  logger?: Logger;
  /** What the authentication hook attached to this connection. */
  session?: unknown;
}

/** A ChargePoint class the server can create for a connection (`ChargePoint` of each version, and subclasses). */
export type ChargePointClass<CP extends ServedChargePoint = ServedChargePoint> = new (
  identity: string,
  connection: OcppConnection,
  options?: ServedChargePointOptions,
) => CP;

/**
 * Where `server.call()` sends every call when set: a cluster adapter (`RedisCluster`) installs itself and reaches
 * charge points on any node, this one included.
 */
export interface RemoteCaller {
  /** Calls `identity` wherever it is connected (`first`: an action name with the payload next, or a `call.*`). */
  call(identity: string, first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown>;
  /** The same, for a charge point that must speak `protocol` (else `ProtocolMismatchError`, nothing sent). */
  callAs(
    protocol: Subprotocol,
    identity: string,
    first: string | Call,
    second?: unknown,
    third?: CallOptions,
  ): Promise<unknown>;
}

/** The ChargePoint class per subprotocol. */
export type ProtocolClasses = Partial<Record<Subprotocol, ChargePointClass>>;

/** The instances a server with these classes holds: `server.get()` returns your own ChargePoint classes. */
export type ServedBy<P extends ProtocolClasses> = ClassInstance<P[keyof P]>;
/** The instance type of a ChargePoint class. */
type ClassInstance<C> = C extends ChargePointClass<infer CP> ? CP : never;

/** What the hook sees of a handshake, before the upgrade. */
export interface HandshakeInfo {
  /** The charge point's identity, decoded from the path. */
  identity: string;
  /** The subprotocol the server chose. */
  protocol: Subprotocol;
  /** The upgrade request. */
  request: IncomingMessage;
  /** The upgrade request's headers. */
  headers: IncomingMessage['headers'];
  /** The client's IP address. */
  remoteAddress: string | undefined;
  /**
   * The Basic-auth password (security profiles 1 and 2), as bytes: `undefined` when the `Authorization` header is
   * missing or garbled, names another user than the identity, or carries an empty password.
   */
  password: Buffer | undefined;
  /** Over TLS: the negotiated version and cipher. */
  tls: { version: string | null; cipher: string } | undefined;
  /**
   * Over TLS with `requestCert` (security profile 3): the client certificate the server verified. Its subject CN is
   * the charge point's serial number, not its identity: map one to the other in the hook.
   */
  certificate: PeerCertificate | undefined;
}

/**
 * The hook's verdict: accept (optionally with session data), or refuse with an HTTP status (default 401, sent with
 * `WWW-Authenticate: Basic` unless `headers` say otherwise). The client learns the status and nothing else.
 */
export type HandshakeDecision =
  | boolean
  | { accept: true; session?: unknown }
  | { accept: false; status?: number; headers?: Record<string, string> };

/** Keeps track of connected charge points. In memory by default; a cluster adapter shares it across nodes. */
export interface ChargePointRegistry<CP extends ServedChargePoint = ServedChargePoint> {
  /** The charge point connected under `identity`, if any. */
  get(identity: string): CP | undefined;
  /** Records `chargePoint` under its identity and returns the one it replaces, if any. */
  set(chargePoint: CP): CP | undefined;
  /** Forgets `chargePoint`, unless another connection has replaced it already. */
  delete(chargePoint: CP): void;
  /** Every charge point recorded. */
  values(): IterableIterator<CP>;
  /** How many charge points are recorded. */
  readonly size: number;
}

/** The default registry: a Map by identity, in this process. */
export class MemoryRegistry<CP extends ServedChargePoint> implements ChargePointRegistry<CP> {
  readonly #byIdentity = new Map<string, CP>();
  /** The charge point connected under `identity`, if any. */
  get(identity: string): CP | undefined {
    return this.#byIdentity.get(identity);
  }
  /** Records `chargePoint` under its identity and returns the one it replaces, if any. */
  set(chargePoint: CP): CP | undefined {
    const previous = this.#byIdentity.get(chargePoint.identity);
    this.#byIdentity.set(chargePoint.identity, chargePoint);
    return previous === chargePoint ? undefined : previous;
  }
  /** Forgets `chargePoint`, unless another connection has replaced it already. */
  delete(chargePoint: CP): void {
    if (this.#byIdentity.get(chargePoint.identity) === chargePoint) this.#byIdentity.delete(chargePoint.identity);
  }
  /** Every charge point recorded. */
  values(): IterableIterator<CP> {
    return this.#byIdentity.values();
  }
  /** How many charge points are recorded. */
  get size(): number {
    return this.#byIdentity.size;
  }
}

/** zlib's options, with a preset dictionary as `ws` takes it. */
export type DeflateZlibOptions = Omit<ZlibOptions, 'dictionary'> & { dictionary?: Buffer | Buffer[] | DataView };

/**
 * The permessage-deflate parameters (RFC 7692) that `ws` takes, declared here so that the published types do not
 * depend on `@types/ws`.
 */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number;
  zlibDeflateOptions?: DeflateZlibOptions;
  zlibInflateOptions?: ZlibOptions;
  /** Payloads smaller than this many bytes are sent uncompressed. `ws` default: 1024. */
  threshold?: number;
  /** How many zlib calls run at once. `ws` default: 10. */
  concurrencyLimit?: number;
}
/** Options of `OcppServer`. */
export interface OcppServerOptions<P extends ProtocolClasses = ProtocolClasses> {
  /** The ChargePoint class per subprotocol. The client's order of preference decides among them. */
  protocols: P;
  /** Listen on this port (0: any free port). Ignored when `server` is given. */
  port?: number;
  /** Listen on this address. Default: every address (`::` or `0.0.0.0`). Ignored when `server` is given. */
  host?: string;
  /** Attach to an existing http(s) server instead of creating one. */
  server?: HttpServer | HttpsServer;
  /**
   * Serve over TLS (security profiles 2 and 3) with these options: `key`/`cert` (RSA >= 2048 or EC >= 224 bits),
   * and for profile 3 `requestCert: true` with the `ca` that signs charge point certificates. Defaults added:
   * TLS 1.2 or higher, the cipher suites OCPP requires first. Ignored when `server` is given.
   */
  tls?: HttpsOptions;
  /** The endpoint's path; the identity is the one path segment after it. Default `/`. */
  path?: string;
  /** Runs before the upgrade. Default: accept every well-formed handshake. See `basicAuth()`. */
  authenticate?: (info: HandshakeInfo) => HandshakeDecision | Promise<HandshakeDecision>;
  /** How long a handshake may take from the upgrade request to the hook's verdict, in ms (then 503). Default 10 s. */
  handshakeTimeout?: number;
  /** Most connections at once; further handshakes are refused with 503. Default 20,000. */
  maxConnections?: number;
  /**
   * Most outbound bytes a connection may have unsent (a peer that stops reading); over it the connection is
   * dropped, so the process's memory stays bounded. Default 4 MiB.
   */
  maxBufferedAmount?: number;
  /**
   * Largest message accepted, in bytes (after decompression); a larger one closes the connection with 1009.
   * Default 1 MiB.
   */
  maxPayload?: number;
  /**
   * permessage-deflate (RFC 7692) for 2.1 connections, which OCPP 2.1 recommends: `true` (the `ws` defaults),
   * the extension's parameters, or `false`. Used only when the client offers it; 1.6 and 2.0.1 connections never compress.
   * Default `false`: compression costs memory and CPU per connection; `maxPayload` applies after decompression.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Longest identity accepted. Default 48 (the 2.1 limit, which 1.6 and 2.0.1 chargers fit in practice). */
  maxIdentityLength?: number;
  /** WebSocket ping interval in ms; a connection that has not answered the previous ping is dropped. 0: off. Default 30 s. */
  pingInterval?: number;
  /** How long a replaced or shut-down connection gets to close before it is terminated, in ms. Default 5 s. */
  closeTimeout?: number;
  /** Where connected charge points are recorded. Default: a `MemoryRegistry`. */
  registry?: ChargePointRegistry<ServedBy<P>>;
  /** Where the server and every connection log. Default: silent. */
  logger?: Logger;
}

/** The events of `OcppServer` (`server.on('connect', …)`), as listener argument tuples. */
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

/** The status line and nothing else: a refusal never says why. */
function refuse(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', 'Content-Length: 0'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Reads the identity from a request path under `base`; `undefined` when the path is not ours. */
export function identityFromPath(url: string, base: string): string | null | undefined {
  const path = url.split('?', 1)[0] as string;
  const prefix = base.endsWith('/') ? base : `${base}/`;
  if (!path.startsWith(prefix)) return undefined;
  const segment = path.slice(prefix.length);
  if (segment === '' || segment.includes('/')) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Picks the client's most preferred subprotocol that the server offers. */
export function chooseSubprotocol(header: string | undefined, offered: readonly string[]): Subprotocol | undefined {
  if (!header) return undefined;
  for (const candidate of header.split(',')) {
    const name = candidate.trim();
    if (offered.includes(name)) return name as Subprotocol;
  }
  return undefined;
}

/** Whether an identity may be used: not empty, not too long, no control characters; 2.1 also forbids `:`. */
export function isAcceptableIdentity(identity: string, protocol: Subprotocol, maxLength: number): boolean {
  if (identity.length === 0 || identity.length > maxLength) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what an identity may not hold
  if (/[\u0000-\u001f\u007f]/.test(identity)) return false;
  return !(protocol === 'ocpp2.1' && identity.includes(':'));
}

/** What a server's socket reports to the server that accepted it. */
interface SocketOwner {
  /** After each send: drops the connection when its peer stopped reading. */
  sent(ws: ServedSocket): void;
  pong(ws: ServedSocket): void;
  closed(ws: ServedSocket): void;
}

/**
 * The server's WebSockets: the `ws` class with a reference to the server, so that the listeners and the check after
 * each send are shared functions rather than closures made per connection, and to the ChargePoint it carries.
 */
class ServedSocket extends WebSocket {
  owner: SocketOwner | undefined = undefined;
  /** Until the connection closes. */
  chargePoint: ServedChargePoint | undefined = undefined;
}

const sendFrame = WebSocket.prototype.send as (this: WebSocket, data: unknown, options?: unknown, cb?: unknown) => void;
// ws's `send` is overloaded (options and callback optional): its arguments are passed on as they are.
ServedSocket.prototype.send = function send(this: ServedSocket, data: unknown, options?: unknown, cb?: unknown) {
  sendFrame.call(this, data, options, cb);
  this.owner?.sent(this);
} as WebSocket['send'];

function onPong(this: WebSocket): void {
  const ws = this as ServedSocket;
  ws.owner?.pong(ws);
}

function onClose(this: WebSocket): void {
  const ws = this as ServedSocket;
  ws.owner?.closed(ws);
}

/** A socket that never gets a ChargePoint still needs an error listener: ws emits protocol violations there. */
function ignoreError(): void {}

/**
 * The CSMS's WebSocket server: `new OcppServer({ port: 9000, protocols: { 'ocpp1.6': MyChargePoint } })`, then
 * `await server.listen()`. Each accepted connection gets an instance of the ChargePoint class of its subprotocol.
 */
export class OcppServer<P extends ProtocolClasses = ProtocolClasses> extends EventEmitter<
  OcppServerEvents<ServedBy<P>>
> {
  /** The connected charge points. */
  readonly registry: ChargePointRegistry<ServedBy<P>>;
  readonly #options: OcppServerOptions<P>;
  readonly #wss: WebSocketServer;
  /** For 2.1 connections, with permessage-deflate; `undefined` when 2.1 is not served or compression is off. */
  readonly #wssDeflate: WebSocketServer | undefined;
  readonly #http: HttpServer | HttpsServer;
  readonly #ownsHttp: boolean;
  readonly #offered: readonly Subprotocol[];
  readonly #logger: Logger;
  readonly #sockets = new Set<WebSocket>();
  readonly #unanswered = new WeakSet<WebSocket>();
  readonly #socketOf = new WeakMap<ServedChargePoint, WebSocket>();
  /** ChargePoints whose connection has not closed yet; `close()` waits for none to be left. */
  #live = 0;
  #allEnded: (() => void) | undefined = undefined;
  readonly #socketOwner: SocketOwner = {
    sent: (ws) => {
      if (ws.readyState === WebSocket.OPEN) this.#overBuffered(ws);
    },
    pong: (ws) => this.#unanswered.delete(ws),
    closed: (ws) => this.#closed(ws),
  };
  readonly #onHandshakeError = (error: Error): void =>
    this.#logger.debug({ err: error.message }, 'socket error during handshake');
  #pingTimer: NodeJS.Timeout | undefined;
  /** The TLS context options in use (`tls` with the defaults), merged into by `setSecureContext()`. */
  #secureContext: SecureContextOptions;
  #closing = false;
  /** Handshakes between the upgrade request and the hook's verdict: they count towards `maxConnections`. */
  #handshakes = 0;

  /** A server, not yet listening; throws when `protocols` is empty. */
  constructor(options: OcppServerOptions<P>) {
    super();
    this.#options = options;
    this.#offered = Object.keys(options.protocols) as Subprotocol[];
    if (this.#offered.length === 0) throw new Error('OcppServer needs at least one protocol');
    this.#logger = options.logger ?? silentLogger;
    this.registry = options.registry ?? new MemoryRegistry<ServedBy<P>>();
    const serverOptions = {
      noServer: true,
      WebSocket: ServedSocket,
      maxPayload: options.maxPayload ?? 1024 * 1024,
      // The protocol was chosen before the upgrade; ws only writes it into the response.
      handleProtocols: (protocols: Set<string>) => chooseSubprotocol([...protocols].join(','), this.#offered) ?? false,
    };
    this.#wss = new WebSocketServer({ ...serverOptions, perMessageDeflate: false });
    const deflate = options.perMessageDeflate ?? false;
    this.#wssDeflate =
      deflate !== false && this.#offered.includes('ocpp2.1')
        ? new WebSocketServer({ ...serverOptions, perMessageDeflate: deflate })
        : undefined;
    this.#ownsHttp = !options.server;
    const upgradeRequired = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(426).end();
    const handshakeTimeout = options.handshakeTimeout ?? 10_000;
    // A client that sends its upgrade request's headers too slowly (slowloris) is cut off in time too: node checks
    // the headers' deadline every `connectionsCheckingInterval` (30 s by default), so check at least every second.
    const httpOptions = {
      headersTimeout: handshakeTimeout,
      requestTimeout: handshakeTimeout,
      connectionsCheckingInterval: Math.round(Math.min(1000, Math.max(100, handshakeTimeout / 2))),
    };
    this.#secureContext = options.tls && !options.server ? { ...TLS_DEFAULTS, ...options.tls } : TLS_DEFAULTS;
    this.#http =
      options.server ??
      (options.tls
        ? // a client that never completes the TLS handshake is cut off after the same time (node's default: 120 s)
          createHttpsServer({ ...httpOptions, handshakeTimeout, ...this.#secureContext }, upgradeRequired)
        : createServer(httpOptions, upgradeRequired));
    this.#http.on('upgrade', this.#onUpgrade);
    const interval = options.pingInterval ?? 30_000;
    if (interval > 0) {
      this.#pingTimer = setInterval(() => this.#pingAll(), interval);
      this.#pingTimer.unref();
    }
  }

  /** Starts listening (when the server owns its http server). Resolves with the bound address. */
  async listen(port = this.#options.port ?? 0, host = this.#options.host): Promise<AddressInfo> {
    if (!this.#ownsHttp) return this.#http.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, host, () => {
        this.#http.off('error', reject);
        resolve();
      });
    });
    return this.#http.address() as AddressInfo;
  }

  /** The address the http(s) server is bound to; `null` before it listens. */
  get address(): AddressInfo | null {
    const address = this.#http.address();
    return typeof address === 'object' ? address : null;
  }

  /**
   * Replaces the TLS certificate, key or CA without a restart: new handshakes use them, open connections keep
   * theirs. Options not given keep their current value (`ca`, `ciphers`, …). Only for a server created with `tls`.
   */
  setSecureContext(options: SecureContextOptions): void {
    if (!('setSecureContext' in this.#http)) throw new Error('setSecureContext needs a server created with `tls`');
    // What is not given is kept: rotating the server certificate must not drop the CA that verifies charge points.
    const next = { ...this.#secureContext, ...options };
    this.#http.setSecureContext(next);
    this.#secureContext = next;
  }

  /** The connected charge point with this identity, if any. */
  get(identity: string): ServedBy<P> | undefined {
    return this.registry.get(identity);
  }

  /** Every connected charge point. */
  [Symbol.iterator](): IterableIterator<ServedBy<P>> {
    return this.registry.values();
  }

  /** How many charge points are connected. */
  get size(): number {
    return this.registry.size;
  }

  /** Set by a cluster adapter: `call()` then reaches charge points connected to any node. */
  remote: RemoteCaller | undefined;

  /**
   * Calls the charge point with this identity: `server.call('CP-1', 'Reset', { type: 'Soft' })` or with a
   * `call.*` message. Typed over the server's versions (the response is a union where versions differ; see
   * `version()`). With a cluster adapter the charge point may be connected to any node. Rejects as the charge
   * point's own `call()` does, and with `ChargePointNotConnectedError` when it is not connected.
   */
  call<A extends ClusterAction<P>>(
    identity: string,
    message: Call<A, RequestOf<AnyCallMap<P>, A> & object>,
    options?: CallOptions,
  ): Promise<ResponseOf<AnyCallMap<P>, A>>;
  call<A extends ClusterAction<P>>(
    identity: string,
    action: A,
    payload: RequestOf<AnyCallMap<P>, A>,
    options?: CallOptions,
  ): Promise<ResponseOf<AnyCallMap<P>, A>>;
  call(identity: string, first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown> {
    return this.#call(identity, undefined, first, second, third);
  }

  /** `call()` typed for one version: a charge point of another version is refused before anything is sent. */
  version<V extends ProtocolOf<P>>(protocol: V): VersionCaller<CallMapOf<P, V>> {
    return {
      call: (identity: string, first: string | Call, second?: unknown, third?: CallOptions) =>
        this.#call(identity, protocol, first, second, third),
    } as VersionCaller<CallMapOf<P, V>>;
  }

  #call(
    identity: string,
    protocol: Subprotocol | undefined,
    first: string | Call,
    second?: unknown,
    third?: CallOptions,
  ): Promise<unknown> {
    if (this.remote) {
      return protocol
        ? this.remote.callAs(protocol, identity, first, second, third)
        : this.remote.call(identity, first, second, third);
    }
    const action = typeof first === 'string' ? first : first.action;
    const chargePoint = this.registry.get(identity) as (ServedChargePoint & CallingChargePoint) | undefined;
    if (!chargePoint) return Promise.reject(new ChargePointNotConnectedError(identity, action));
    if (protocol && chargePoint.protocol !== protocol) {
      return Promise.reject(new ProtocolMismatchError(identity, action, protocol, chargePoint.protocol));
    }
    return chargePoint.call(first, second, third);
  }

  /**
   * Stops accepting connections, closes every connection with 1001 (terminating those that do not close
   * within `closeTimeout`) and waits until each ChargePoint has finished. Pending calls reject.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#pingTimer);
    this.#http.off('upgrade', this.#onUpgrade);
    const ownHttpClosed = this.#ownsHttp
      ? new Promise<void>((resolve) => this.#http.close(() => resolve()))
      : Promise.resolve();
    for (const ws of this.#sockets) this.#closeOrTerminate(ws, 1001, 'Server shutting down');
    if (this.#live > 0) {
      await new Promise<void>((resolve) => {
        this.#allEnded = resolve;
      });
    }
    this.#wss.close();
    this.#wssDeflate?.close();
    await ownHttpClosed;
  }

  #closeOrTerminate(ws: WebSocket, code: number, reason: string): void {
    ws.close(code, reason);
    const timer = setTimeout(() => ws.terminate(), this.#options.closeTimeout ?? 5000);
    timer.unref();
    ws.once('close', () => clearTimeout(timer));
  }

  /** Drops a connection whose peer stopped reading; true when it did. */
  #overBuffered(ws: WebSocket): boolean {
    if (ws.bufferedAmount <= (this.#options.maxBufferedAmount ?? 4 * 1024 * 1024)) return false;
    this.#logger.warn({ bufferedAmount: ws.bufferedAmount }, 'peer is not reading: connection dropped');
    ws.terminate();
    return true;
  }

  #pingAll(): void {
    for (const ws of this.#sockets) {
      if (this.#overBuffered(ws)) continue;
      if (this.#unanswered.has(ws)) {
        this.#logger.warn({ event: 'ping-timeout' }, 'no pong since the last ping: connection dropped');
        ws.terminate();
        continue;
      }
      this.#unanswered.add(ws);
      ws.ping();
    }
  }

  #refuse(socket: Duplex, request: IncomingMessage, status: number, reason: string, headers?: Record<string, string>) {
    const remoteAddress = request.socket.remoteAddress;
    this.#logger.info({ status, reason, remoteAddress, url: request.url }, 'handshake refused');
    this.emit('refused', { status, reason, remoteAddress, url: request.url });
    refuse(socket, status, headers);
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', this.#onHandshakeError);
    this.#handshakes++;
    this.#handshake(request, socket, head)
      .catch((error: unknown) => {
        this.#logger.error({ err: errorMessage(error) }, 'handshake failed');
        if (!socket.destroyed) refuse(socket, 500);
      })
      .finally(() => this.#handshakes--);
  };

  async #handshake(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const options = this.#options;
    if (this.#closing) return this.#refuse(socket, request, 503, 'server closing');
    if (this.#sockets.size + this.#handshakes > (options.maxConnections ?? 20_000)) {
      return this.#refuse(socket, request, 503, 'connection limit reached');
    }
    const identity = identityFromPath(request.url ?? '/', options.path ?? '/');
    if (identity === undefined) return this.#refuse(socket, request, 404, 'path is not an OCPP endpoint');
    if (identity === null) return this.#refuse(socket, request, 400, 'malformed percent-encoding in identity');
    const protocol = chooseSubprotocol(request.headers['sec-websocket-protocol'], this.#offered);
    if (protocol && !isAcceptableIdentity(identity, protocol, options.maxIdentityLength ?? 48)) {
      return this.#refuse(socket, request, 400, 'identity not acceptable');
    }
    let session: unknown;
    if (protocol && options.authenticate) {
      const decision = await withDeadline(
        options.authenticate(handshakeInfo(request, identity, protocol)),
        options.handshakeTimeout ?? 10_000,
      );
      if (decision === TIMED_OUT) return this.#refuse(socket, request, 503, 'authentication hook timed out');
      if (decision === false || (typeof decision === 'object' && !decision.accept)) {
        const status = typeof decision === 'object' ? (decision.status ?? 401) : 401;
        const headers =
          (typeof decision === 'object' && !decision.accept ? decision.headers : undefined) ??
          (status === 401 ? { 'WWW-Authenticate': 'Basic realm="OCPP", charset="UTF-8"' } : undefined);
        return this.#refuse(socket, request, status, 'refused by the authentication hook', headers);
      }
      if (typeof decision === 'object') session = decision.session;
    }
    if (socket.destroyed) return;
    // close() may have started while the hook ran
    if (this.#closing) return this.#refuse(socket, request, 503, 'server closing');
    const wss = protocol === 'ocpp2.1' ? (this.#wssDeflate ?? this.#wss) : this.#wss;
    wss.handleUpgrade(request, socket, head, (ws) =>
      this.#onConnection(ws as ServedSocket, identity, protocol, session),
    );
  }

  #onConnection(ws: ServedSocket, identity: string, protocol: Subprotocol | undefined, session: unknown): void {
    ws.owner = this.#socketOwner;
    this.#sockets.add(ws);
    ws.on('pong', onPong);
    const chargePoint = this.#createChargePoint(ws, identity, protocol, session);
    // After the ChargePoint's own close listener: the server learns of the close once the ChargePoint has finished.
    ws.on('close', onClose);
    if (chargePoint === undefined || protocol === undefined) {
      ws.on('error', ignoreError);
      return;
    }
    this.#socketOf.set(chargePoint, ws);
    ws.chargePoint = chargePoint;
    this.#live++;
    const replaced = this.registry.set(chargePoint);
    const replacedSocket = replaced && this.#socketOf.get(replaced);
    if (replacedSocket) {
      // The old socket may be half-open: it is terminated unless it closes in time.
      this.#logger.info({ identity }, 'a new connection replaces the previous one');
      this.#closeOrTerminate(replacedSocket, 1000, 'Replaced by a new connection');
    }
    this.#notify('connect', chargePoint, protocol);
  }

  /** The ChargePoint for a new connection; `undefined` (and the connection closing) when there can be none. */
  #createChargePoint(
    ws: ServedSocket,
    identity: string,
    protocol: Subprotocol | undefined,
    session: unknown,
  ): ServedBy<P> | undefined {
    // No common subprotocol: the handshake completed without one; OCPP never runs on such a connection.
    if (!protocol || ws.protocol !== protocol) {
      this.#logger.warn({ identity, offered: ws.protocol }, 'no common OCPP subprotocol: closing');
      ws.close(1002, 'No supported OCPP subprotocol');
      return undefined;
    }
    const ChargePointClass = this.#options.protocols[protocol] as ChargePointClass<ServedBy<P>>;
    const logger = this.#logger.child?.({ identity }) ?? this.#logger;
    try {
      return new ChargePointClass(identity, ws, session === undefined ? { logger } : { logger, session });
    } catch (error) {
      // An application fault: this connection ends, the server keeps serving.
      this.#logger.error({ identity, err: errorMessage(error) }, 'ChargePoint constructor threw: closing');
      ws.close(1011, 'Internal error');
      return undefined;
    }
  }

  #closed(ws: ServedSocket): void {
    this.#sockets.delete(ws);
    const chargePoint = ws.chargePoint as ServedBy<P> | undefined;
    if (chargePoint === undefined) return;
    ws.chargePoint = undefined;
    this.registry.delete(chargePoint);
    this.#notify('disconnect', chargePoint);
    if (--this.#live === 0) this.#allEnded?.();
  }

  /** Emits a registry event; a listener that throws is logged and never reaches the connection or the process. */
  #notify<E extends 'connect' | 'disconnect'>(event: E, ...args: OcppServerEvents<ServedBy<P>>[E]): void {
    try {
      (this.emit as (event: E, ...args: OcppServerEvents<ServedBy<P>>[E]) => boolean)(event, ...args);
    } catch (error) {
      this.#logger.error({ event, err: errorMessage(error) }, 'server event listener threw; ignored');
    }
  }
}

/** Node's defaults, with the suites OCPP requires (ECDHE-ECDSA and RSA with AES-GCM) first, over TLS 1.2+. */
const TLS_DEFAULTS: HttpsOptions = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'AES128-GCM-SHA256',
    'AES256-GCM-SHA384',
    DEFAULT_CIPHERS,
  ].join(':'),
};

function handshakeInfo(request: IncomingMessage, identity: string, protocol: Subprotocol): HandshakeInfo {
  const socket = request.socket;
  const secure = socket instanceof TLSSocket ? socket : undefined;
  const certificate = secure?.authorized ? secure.getPeerCertificate() : undefined;
  return {
    identity,
    protocol,
    request,
    headers: request.headers,
    remoteAddress: socket.remoteAddress,
    password: basicAuthPassword(request.headers.authorization, identity),
    tls: secure ? { version: secure.getProtocol(), cipher: secure.getCipher().name } : undefined,
    certificate: certificate && Object.keys(certificate).length > 0 ? certificate : undefined,
  };
}

const TIMED_OUT = Symbol('timed out');

function withDeadline<T>(value: T | Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (!(value instanceof Promise)) return Promise.resolve(value);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
  });
  return Promise.race([value, deadline]).finally(() => clearTimeout(timer));
}

/**
 * An `authenticate` hook for security profiles 1 and 2: `passwordOf(identity)` gives the expected password
 * (bytes or text), or `undefined` for an unknown identity (refused with 404). A missing, garbled or wrong password,
 * or a username other than the identity, is refused with 401. Passwords are compared in constant time.
 */
export function basicAuth(
  passwordOf: (
    identity: string,
    info: HandshakeInfo,
  ) => Buffer | string | undefined | Promise<Buffer | string | undefined>,
): (info: HandshakeInfo) => Promise<HandshakeDecision> {
  return async (info) => {
    const expected = await passwordOf(info.identity, info);
    if (expected === undefined) return { accept: false, status: 404 };
    return info.password !== undefined && secretsEqual(info.password, expected);
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
