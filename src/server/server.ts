/**
 * `OcppServer`: owns a `ws` server (or attaches to an existing http(s) server), checks each handshake before the
 * upgrade, creates the ChargePoint of each connection with the class or factory of its subprotocol, keeps the
 * registry of connected charge points and calls them by identity.
 */
import { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import { WebSocket, type WebSocketServer } from 'ws';
import type { CallOptions } from '../call-args.ts';
import { type CallDispatch, createServerCaller, type RemoteCaller, type ServerCaller } from '../call-types.ts';
import { RepeatGuard } from '../endpoint/repeat-guard.ts';
import { ChargePointNotConnectedError, ProtocolMismatchError } from '../errors.ts';
import type { Emitter, FrameSink } from '../events.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { type Recording, type RecordOptions, recordFrames } from '../observability/record.ts';
import type { Subprotocol } from '../protocol.ts';
import { errorMessage } from '../util.ts';
import type { OcppServerEventMap, OcppServerEvents } from './events.ts';
import { askHook, chooseSubprotocol, handshakeInfo, identityFromPath, writeRefusal } from './handshake.ts';
import { type IdentityRule, identityKey, isAcceptableIdentity, MAX_IDENTITY_LENGTH } from './identity.ts';
import { ServerNotifier } from './notify.ts';
import type { OcppServerOptions } from './options.ts';
import { type ChargePointRegistry, MemoryRegistry } from './registry.ts';
import {
  type ChargePointClass,
  type ChargePointFactory,
  createServed,
  type ProtocolClasses,
  type ProtocolClassMap,
  type ServedBy,
  type ServedChargePoint,
  type ServedContext,
} from './served.ts';
import { ignoreError, onClose, onPong, type ServedSocket, type SocketOwner } from './socket.ts';
import { createHttpTransport, createWebSocketServers } from './transport.ts';

/** What `server.call()` uses of a connected ChargePoint (every version's class has it). */
interface CallingChargePoint extends ServedChargePoint {
  readonly protocol: Subprotocol;
  call(action: string, payload: object, options?: CallOptions): Promise<unknown>;
}

/** A ChargePoint that reports its frames to the server's events (every version's class does). */
interface FrameReporter {
  reportFrames(sink: FrameSink): void;
}

/**
 * The CSMS's WebSocket server: `new OcppServer({ port: 9000, protocols: { 'ocpp1.6': MyChargePoint } })`, then
 * `await server.listen()`. Each accepted connection gets the ChargePoint of its subprotocol: an instance of the
 * class, or what the factory returns.
 * @typeParam P the ChargePoint class or factory per subprotocol
 * @typeParam S the state the authentication hook accepts connections with
 */
export class OcppServer<P extends ProtocolClasses = ProtocolClassMap, S = unknown>
  extends EventEmitter<OcppServerEvents<ServedBy<P>>>
  implements ServerCaller<P>
{
  /** The connected charge points. */
  readonly registry: ChargePointRegistry<ServedBy<P>>;
  /**
   * The server's events, one object each: `server.events.on('connect', ({ identity, protocol, chargePoint }) => …)`,
   * `disconnect`, `refused` and `handler:error` (see `OcppServerEventMap`). A listener that throws is logged.
   */
  readonly events: Emitter<OcppServerEventMap<ServedBy<P>>>;
  /**
   * Calls the charge point with this identity: `server.call('CP-1', 'Reset', { type: 'Soft' })` or with a `call.*`
   * message. Typed over the union of the server's versions: an action takes the request of any version that has it,
   * and the response is a union where versions differ; `version()` types a call for one. With a remote caller (a
   * cluster adapter) the charge point may be connected to any node. Rejects as the charge point's own `call()`
   * does, and with `ChargePointNotConnectedError` when it is not connected.
   */
  readonly call: ServerCaller<P>['call'];
  /**
   * `call()` typed for one version, `server.version('ocpp2.0.1').call('CS-1', 'Reset', { type: 'Immediate' })`: a
   * payload of another version does not compile, and a charge point of another version is refused with
   * `ProtocolMismatchError` before anything is sent.
   */
  readonly version: ServerCaller<P>['version'];

  // The state's type is the application's concern: inside, the options are held without it.
  readonly #options: OcppServerOptions<P>;
  readonly #wss: WebSocketServer;
  /** For 2.1 connections, with permessage-deflate; `undefined` when 2.1 is not served or compression is off. */
  readonly #wssDeflate: WebSocketServer | undefined;
  readonly #http: HttpServer | HttpsServer;
  readonly #ownsHttp: boolean;
  readonly #offered: readonly Subprotocol[];
  readonly #logger: Logger;
  readonly #sockets = new Set<ServedSocket>();
  readonly #unanswered = new WeakSet<WebSocket>();
  readonly #socketOf = new WeakMap<ServedChargePoint, WebSocket>();
  /** Handshakes started so far: each connection's place in that order (`ServedSocket.started`). */
  #handshakesStarted = 0;
  /** ChargePoints whose connection has not closed yet; `close()` waits for none to be left. */
  #live = 0;
  #allEnded: (() => void) | undefined = undefined;
  #remote: RemoteCaller | undefined = undefined;
  readonly #socketOwner: SocketOwner = {
    sent: (ws) => {
      if (ws.readyState === WebSocket.OPEN) this.#overBuffered(ws);
    },
    pong: (ws) => this.#unanswered.delete(ws),
    closed: (ws, code, reason) => this.#closed(ws, code, reason),
  };
  readonly #onHandshakeError = (error: Error): void =>
    this.#logger.debug({ err: error.message }, 'socket error during handshake');
  readonly #notify: ServerNotifier<ServedBy<P>>;
  #pingTimer: NodeJS.Timeout | undefined;
  /** The TLS context options in use (`tls` with the defaults), merged into by `setSecureContext()`. */
  #secureContext: SecureContextOptions;
  #closing = false;
  /** Handshakes between the upgrade request and the hook's verdict: they count towards `maxConnections`. */
  #handshakes = 0;
  readonly #identityRule: IdentityRule;
  readonly #repeatGuard: RepeatGuard | undefined;

  /** A server, not yet listening; throws when `protocols` is empty. */
  constructor(options: OcppServerOptions<P, S>) {
    super();
    this.#options = options as OcppServerOptions<P>;
    this.#offered = Object.keys(options.protocols) as Subprotocol[];
    if (this.#offered.length === 0) throw new Error('OcppServer needs at least one protocol');
    const logger = options.logger ?? silentLogger;
    this.#logger = logger;
    this.registry = options.registry ?? new MemoryRegistry<ServedBy<P>>(options.identityKey);
    const maxIdentityLength = options.maxIdentityLength ?? MAX_IDENTITY_LENGTH;
    this.#identityRule =
      options.identityRule ?? ((identity, protocol) => isAcceptableIdentity(identity, protocol, maxIdentityLength));
    const guard = options.repeatGuard ?? {};
    this.#repeatGuard = guard === false ? undefined : new RepeatGuard(guard, options.identityKey ?? identityKey);
    this.#notify = new ServerNotifier<ServedBy<P>>(this, logger);
    this.events = this.#notify.events;
    const caller = createServerCaller<P>(this.#dispatch);
    this.call = caller.call;
    this.version = caller.version;
    const { plain, deflate } = createWebSocketServers(this.#options, this.#offered);
    this.#wss = plain;
    this.#wssDeflate = deflate;
    const transport = createHttpTransport(this.#options);
    this.#http = transport.http;
    this.#ownsHttp = transport.ownsHttp;
    this.#secureContext = transport.secureContext;
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

  /**
   * Records every frame of the chosen charge points (`identities`), or of all of them, from now until `stop()`: JSON
   * Lines of `{ time, identity, protocol, direction, frame }` in `dir`, rotated and bounded in size. Replay a trace
   * with `ocppkit replay` or `replay()` of `ocppkit/testing`.
   */
  record(options: RecordOptions): Recording {
    return recordFrames(this, options);
  }

  /**
   * Sends every `call()` and `version().call()` through `caller`, which reaches charge points wherever they are
   * connected: a cluster adapter (`RedisCluster`) installs itself when it starts and removes itself (`undefined`:
   * calls go to this server's own charge points again) when it closes.
   */
  useRemoteCaller(caller: RemoteCaller | undefined): void {
    this.#remote = caller;
  }

  /** The remote caller `call()` goes through (see `useRemoteCaller()`); `undefined` when calls stay on this server. */
  get remoteCaller(): RemoteCaller | undefined {
    return this.#remote;
  }

  /** @deprecated Use `useRemoteCaller(caller)` to set it and `remoteCaller` to read it. */
  get remote(): RemoteCaller | undefined {
    return this.#remote;
  }
  /** @deprecated Use `useRemoteCaller(caller)`. */
  set remote(caller: RemoteCaller | undefined) {
    this.useRemoteCaller(caller);
  }

  /** Where every form of `call()` ends: the remote caller when there is one, else the charge point of the registry. */
  readonly #dispatch: CallDispatch = (identity, protocol, action, payload, options) => {
    const remote = this.#remote;
    if (remote !== undefined) {
      return protocol === undefined
        ? remote.call(identity, action, payload, options)
        : remote.callAs(protocol, identity, action, payload, options);
    }
    const chargePoint = this.registry.get(identity) as CallingChargePoint | undefined;
    if (chargePoint === undefined) return Promise.reject(new ChargePointNotConnectedError(identity, action));
    if (protocol !== undefined && chargePoint.protocol !== protocol) {
      return Promise.reject(new ProtocolMismatchError(identity, action, protocol, chargePoint.protocol));
    }
    return chargePoint.call(action, payload, options);
  };

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
  #overBuffered(ws: ServedSocket): boolean {
    if (ws.bufferedAmount <= (this.#options.maxBufferedAmount ?? 4 * 1024 * 1024)) return false;
    const identity = ws.chargePoint?.identity;
    this.#logger.warn({ identity, bufferedAmount: ws.bufferedAmount }, 'peer is not reading: connection dropped');
    ws.terminate();
    return true;
  }

  #pingAll(): void {
    for (const ws of this.#sockets) {
      if (this.#overBuffered(ws)) continue;
      if (this.#unanswered.has(ws)) {
        const identity = ws.chargePoint?.identity;
        this.#logger.warn({ identity, event: 'ping-timeout' }, 'no pong since the last ping: connection dropped');
        ws.terminate();
        continue;
      }
      this.#unanswered.add(ws);
      ws.ping();
    }
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', this.#onHandshakeError);
    this.#handshakes++;
    this.#handshake(request, socket, head)
      .catch((error: unknown) => {
        this.#logger.error({ url: request.url, err: errorMessage(error) }, 'handshake failed');
        if (!socket.destroyed) writeRefusal(socket, 500);
      })
      .finally(() => this.#handshakes--);
  };

  async #handshake(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const options = this.#options;
    const started = ++this.#handshakesStarted;
    if (this.#closing) return this.#refuse(socket, request, 503, 'server closing');
    if (this.#sockets.size + this.#handshakes > (options.maxConnections ?? 20_000)) {
      return this.#refuse(socket, request, 503, 'connection limit reached');
    }
    const identity = identityFromPath(request.url ?? '/', options.path ?? '/');
    if (identity === undefined) return this.#refuse(socket, request, 404, 'path is not an OCPP endpoint');
    if (identity === null) return this.#refuse(socket, request, 400, 'malformed percent-encoding in identity');
    const protocol = chooseSubprotocol(request.headers['sec-websocket-protocol'], this.#offered);
    if (!this.#identityRule(identity, protocol ?? 'ocpp1.6')) {
      return this.#refuse(socket, request, 400, 'identity not acceptable', identity);
    }
    let state: unknown;
    if (protocol && options.authenticate) {
      const info = handshakeInfo(request, identity, protocol);
      const verdict = await askHook(options.authenticate, info, options.handshakeTimeout ?? 10_000);
      if (!verdict) return this.#refuse(socket, request, 503, 'authentication hook timed out', identity);
      if (!verdict.accept) {
        const reason = 'refused by the authentication hook';
        return this.#refuse(socket, request, verdict.status, reason, identity, verdict.headers);
      }
      state = verdict.state;
    }
    if (socket.destroyed) return;
    // close() may have started while the hook ran
    if (this.#closing) return this.#refuse(socket, request, 503, 'server closing', identity);
    const wss = protocol === 'ocpp2.1' ? (this.#wssDeflate ?? this.#wss) : this.#wss;
    wss.handleUpgrade(request, socket, head, (ws) => {
      (ws as ServedSocket).started = started;
      this.#onConnection(ws as ServedSocket, request, identity, protocol, state);
    });
  }

  /** Refuses a handshake before the upgrade: logged, reported as `refused`, answered with the status alone. */
  #refuse(
    socket: Duplex,
    request: IncomingMessage,
    status: number,
    reason: string,
    identity?: string,
    headers?: Record<string, string>,
  ): void {
    this.#notify.turnedAway(request, status, undefined, reason, identity);
    writeRefusal(socket, status, headers);
  }

  #onConnection(
    ws: ServedSocket,
    request: IncomingMessage,
    identity: string,
    protocol: Subprotocol | undefined,
    state: unknown,
  ): void {
    ws.owner = this.#socketOwner;
    this.#sockets.add(ws);
    ws.on('pong', onPong);
    if (this.#newerHolds(identity, ws)) {
      // Its authentication took longer than that of a connection that started after it: the newer one stays.
      this.#notify.turnedAway(request, 101, 1000, 'a newer connection holds this identity', identity);
      ws.on('close', onClose);
      ws.on('error', ignoreError);
      ws.close(1000, 'A newer connection holds this identity');
      return;
    }
    const chargePoint = this.#createChargePoint(ws, request, identity, protocol, state);
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
    this.#notify.connected(chargePoint, protocol);
  }

  /** Whether the connected charge point with this identity came from a handshake that started after `ws`'s. */
  #newerHolds(identity: string, ws: ServedSocket): boolean {
    const current = this.registry.get(identity);
    const currentSocket = current === undefined ? undefined : (this.#socketOf.get(current) as ServedSocket | undefined);
    return currentSocket !== undefined && currentSocket.started > ws.started;
  }

  /** The ChargePoint for a new connection; `undefined` (and the connection closing) when there can be none. */
  #createChargePoint(
    ws: ServedSocket,
    request: IncomingMessage,
    identity: string,
    protocol: Subprotocol | undefined,
    state: unknown,
  ): ServedBy<P> | undefined {
    // No common subprotocol: the handshake completed without one; OCPP never runs on such a connection.
    if (!protocol || ws.protocol !== protocol) {
      this.#notify.turnedAway(request, 101, 1002, 'no common OCPP subprotocol', identity);
      ws.close(1002, 'No supported OCPP subprotocol');
      return undefined;
    }
    const entry = this.#options.protocols[protocol] as ChargePointClass | ChargePointFactory;
    const context: ServedContext = {
      logger: this.#logger,
      state,
      session: state,
      onHandlerError: this.#notify.handlerError,
      repeatGuard: this.#repeatGuard,
    };
    try {
      const chargePoint = createServed(entry, identity, ws, context) as ServedBy<P>;
      (chargePoint as Partial<FrameReporter>).reportFrames?.(this.events);
      return chargePoint;
    } catch (error) {
      // An application fault: this connection ends, the server keeps serving.
      this.#logger.error({ identity, protocol, err: errorMessage(error) }, 'could not create the ChargePoint: closing');
      ws.close(1011, 'Internal error');
      return undefined;
    }
  }

  #closed(ws: ServedSocket, code: number, reason: Buffer): void {
    this.#sockets.delete(ws);
    const chargePoint = ws.chargePoint as ServedBy<P> | undefined;
    if (chargePoint === undefined) return;
    ws.chargePoint = undefined;
    this.registry.delete(chargePoint);
    this.#notify.disconnected(chargePoint, ws.protocol as Subprotocol, code, reason);
    if (--this.#live === 0) this.#allEnded?.();
  }
}
