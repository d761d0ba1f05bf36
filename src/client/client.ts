/**
 * The charge-point side of OCPP-J over a WebSocket that the client opens, keeps alive and reopens: generic over a
 * version, bound in `ocppkit/v16`, `ocppkit/v201` and `ocppkit/v21` as `Client`.
 *
 * Each connection is one `OcppEndpoint` (framing, validation, one CALL in flight, pending calls rejected on a
 * drop). Handlers stay on the client: for each client class, a session class is derived once whose handlers
 * forward to the client instance, so the route table is built once per class and a reconnect builds nothing but
 * the endpoint itself. Calls go straight to the open endpoint; transaction-related ones through the `MessageQueue`.
 */
import type { SecureContextOptions } from 'node:tls';
import { WebSocket, type ClientOptions as WsClientOptions } from 'ws';
import { basicAuthHeader } from '../auth.ts';
import type { OcppConnection } from '../connection.ts';
import {
  type CallArgs,
  type CallOptions,
  type EndpointOptions,
  OcppEndpoint,
  type SendArgs,
  type SendOptions,
} from '../endpoint.ts';
import { RequestValidationError } from '../errors.ts';
import type { FrameEvent } from '../events.ts';
import { type Logger, silentLogger } from '../logger.ts';
import type { Call, HandlerContext } from '../messages.ts';
import type { Subprotocol } from '../protocol.ts';
import {
  type ActionsOf,
  after,
  type CompiledBinding,
  compileBinding,
  type EndpointBinding,
  type EndpointMaps,
  kMaps,
  type MethodDecoratorContext,
  on,
  routeTable,
  type SendsOf,
} from '../routing.ts';
import { validate } from '../validation.ts';
import { BackOff, type BackOffOptions, realTimers, type Timers } from './backoff.ts';
import { ClientStoppedError, ConnectError, NotConnectedError, SubprotocolError } from './errors.ts';
import { ClientEmitter, type ClientEventMap } from './events.ts';
import { MessageQueue, type QueueOptions } from './queue.ts';

/** TLS settings of a `wss://` connection (security profiles 2 and 3). */
export interface ClientTlsOptions
  extends Pick<SecureContextOptions, 'ca' | 'cert' | 'key' | 'passphrase' | 'pfx' | 'ciphers'> {
  /** Lowest TLS version accepted. Default `TLSv1.2` (what OCPP requires). */
  minVersion?: SecureContextOptions['minVersion'];
  /** Check the server's certificate against `ca` (or the system's CAs). Default `true`; never turn it off in production. */
  rejectUnauthorized?: boolean;
  /** The server name for SNI and the certificate check, when it differs from the URL's host. */
  servername?: string;
}

/** Options of a client. Times in ms. One CALL is on the wire at a time: the message queue relies on it. */
export interface ClientOptions extends Omit<EndpointOptions, 'messageIds' | 'session' | 'maxCallsInFlight'> {
  /** The CSMS's OCPP endpoint (`ws://…` or `wss://…`); the client appends `/` and the percent-encoded identity. */
  url: string;
  /** The charge point's identity. */
  identity: string;
  /**
   * Security profiles 1 and 2: HTTP Basic authentication as `identity:password`. A string is sent as UTF-8; pass
   * bytes for a binary password (e.g. a 1.6 AuthorizationKey decoded from hex, if your CSMS expects the bytes).
   */
  password?: string | Uint8Array;
  /** Security profiles 2 and 3: TLS settings (a custom CA, a client certificate and key). */
  tls?: ClientTlsOptions;
  /** More HTTP headers for the upgrade request. */
  headers?: Readonly<Record<string, string>>;
  /** An attempt that is not open within this time is abandoned (and counts as failed). Default 10 s. */
  connectTimeout?: number;
  /** WebSocket ping interval (2.x WebSocketPingInterval). `0`: no pings. Default 30 s. */
  pingInterval?: number;
  /** No pong within this time after a ping: the connection is terminated and the client reconnects. Default 10 s. */
  pongTimeout?: number;
  /** How long `stop()` waits for the closing handshake before terminating the socket. Default 5 s. */
  closeTimeout?: number;
  /** Reconnect back-off (the 2.x RetryBackOff* variables, in ms). */
  backOff?: BackOffOptions;
  /** Reconnect after a drop or a failed attempt. `false`: the client stops instead. Default `true`. */
  reconnect?: boolean;
  /** The queue of transaction-related messages. */
  queue?: QueueOptions;
  /** Largest frame accepted from the CSMS, in bytes (a larger one closes the connection with 1009). Default 1 MiB. */
  maxPayload?: number;
  /** Offer permessage-deflate (RFC 7692). Default `false`. */
  perMessageDeflate?: boolean;
  /** What reconnects, retries, pings and timeouts are scheduled with. Default: the global timers. */
  timers?: Timers;
  /** The random source of the back-off, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** `idle` (before `connect()`), `connecting`, `open`, `waiting` (for the next attempt), `stopped` (for good). */
export type ClientState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/** What binds the generic client to one version. */
export interface ClientBinding {
  readonly endpoint: EndpointBinding;
  /** The version's transaction-related messages (queued and retried by default). */
  readonly isTransactionRelated: (action: string, payload: object) => boolean;
  /** Which queued messages the overflow rule may drop (meter values within a transaction). */
  readonly isDroppable: (action: string, payload: object) => boolean;
}

type AnyEndpoint = OcppEndpoint<never, never, never, never>;
type AnyClient = ChargePointClient<never, never, never, never>;
interface Caller {
  call(action: string, payload: object, options?: CallOptions): Promise<unknown>;
  send(action: string, payload: object, options?: SendOptions): void;
}
interface ClientSession extends AnyEndpoint {
  owner: AnyClient;
}
type SessionClass = new (identity: string, connection: OcppConnection, options: EndpointOptions) => ClientSession;
type Handler = (this: unknown, request: object, context: HandlerContext) => unknown;

const DEFAULT_CONNECT_TIMEOUT = 10_000;
const DEFAULT_PING_INTERVAL = 30_000;
const DEFAULT_PONG_TIMEOUT = 10_000;
const DEFAULT_CLOSE_TIMEOUT = 5_000;
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const EMPTY = Object.freeze({});

// How the forwarding handlers reach a client's private state (assigned in its static block).
let internals: { answerPending(client: AnyClient, session: ClientSession, messageId: string): void };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

const sessionClasses = new WeakMap<object, { binding: ClientBinding; Session: SessionClass }>();

/**
 * The endpoint class of `clientClass`'s connections: one forwarding handler per handler of the client class, with
 * the same options, registered through the runtime's own decorators. Built once per client class.
 */
function sessionClassFor(
  clientClass: { readonly prototype: unknown; readonly name: string },
  binding: ClientBinding,
): SessionClass {
  const cached = sessionClasses.get(clientClass);
  if (cached !== undefined && cached.binding === binding) return cached.Session;
  const routes = routeTable(clientClass, ChargePointClient.prototype, compileBinding(binding.endpoint));
  class Session extends OcppEndpoint<never, never, never, never> {
    owner!: AnyClient;
    constructor(identity: string, connection: OcppConnection, options: EndpointOptions) {
      super(binding.endpoint, identity, connection, options);
    }
  }
  Object.defineProperty(Session, 'name', { value: `${clientClass.name || 'Client'}Session` });
  const define = (key: string, fn: Handler): void => {
    Object.defineProperty(Session.prototype, key, { value: fn, writable: true, configurable: true });
  };
  const context = (name: string) =>
    ({ kind: 'method', name, static: false, private: false }) as unknown as MethodDecoratorContext<unknown>;
  for (const route of routes.values()) {
    const handler = route.handler as Handler;
    const forward: Handler = function (this: unknown, request, handlerContext) {
      const session = this as ClientSession;
      const result = handler.call(session.owner, request, handlerContext);
      if (isThenable(result)) internals.answerPending(session.owner, session, handlerContext.messageId);
      return result;
    };
    const name = `on${route.action}`;
    define(name, forward);
    (on as (a: string, o: object) => (f: Handler, c: unknown) => void)(route.action, {
      skipValidation: route.skipValidation,
    })(forward, context(name));
    route.after.forEach((fn, i) => {
      const afterName = `after${route.action}$${i}`;
      const forwardAfter: Handler = function (this: unknown, request, afterContext) {
        return (fn as Handler).call((this as ClientSession).owner, request, afterContext);
      };
      define(afterName, forwardAfter);
      (after as (a: string) => (f: Handler, c: unknown) => void)(route.action)(forwardAfter, context(afterName));
    });
  }
  sessionClasses.set(clientClass, { binding, Session });
  return Session;
}

/** The connection URL: the endpoint without trailing slashes, `/`, the identity percent-encoded (RFC 3986). */
export function connectionUrl(endpoint: string, identity: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(identity)}`;
}

/**
 * The generic charge-point-side client. Version bindings subclass it with their maps; applications subclass
 * those and add handlers (`@on(Action.Reset)` or the methods of the version's `…ChargePointHandlers`).
 */
export abstract class ChargePointClient<
  In extends ActionsOf<In>,
  Out extends ActionsOf<Out>,
  SendIn extends SendsOf<SendIn>,
  SendOut extends SendsOf<SendOut>,
> {
  /** Type-only: the maps decorators check handlers against. */
  declare readonly [kMaps]: EndpointMaps<In, Out, SendIn, SendOut>;

  /** This charge point's identity (`options.identity`). */
  readonly identity: string;
  /** The subprotocol this client speaks (and insists on when reconnecting). */
  readonly protocol: Subprotocol;
  /** The URL it connects to: the endpoint, `/`, the percent-encoded identity. */
  readonly url: string;

  readonly #Session: SessionClass;
  readonly #compiled: CompiledBinding;
  readonly #log: Logger;
  readonly #timers: Timers;
  readonly #backOff: BackOff;
  readonly #queue: MessageQueue;
  readonly #isQueued: (action: string, payload: object) => boolean;
  readonly #wsOptions: WsClientOptions;
  readonly #endpointOptions: EndpointOptions;
  readonly #validate: boolean;
  readonly #lenient: boolean;
  readonly #connectTimeout: number;
  readonly #pingInterval: number;
  readonly #pongTimeout: number;
  readonly #closeTimeout: number;
  readonly #reconnect: boolean;
  readonly #waitForBoot: boolean;

  #state: ClientState = 'idle';
  #socket: WebSocket | undefined = undefined;
  #session: ClientSession | undefined = undefined;
  #caller: Caller | undefined = undefined;
  #everOpened = false;
  #attempt = 0;
  #reconnectTimer: unknown;
  #pingTimer: unknown;
  #pongTimer: unknown;
  /** Why we terminated the socket ourselves (reported as the close reason). */
  #closeNote: string | undefined = undefined;
  #openWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #fatalError: Error | undefined = undefined;
  #stopping: Promise<void> | undefined = undefined;
  /** Ids of incoming CALLs whose (async) handler has not been answered yet, on the current session. */
  #unanswered: Set<string> | undefined = undefined;
  #events: ClientEmitter | undefined = undefined;
  #forwardingFrames = false;
  /** A BootNotification of this client was answered Accepted. */
  #bootAccepted = false;

  static {
    internals = {
      answerPending: (client, session, messageId) => client.#answerPending(session, messageId),
    };
  }

  /** A client of `binding`'s version, not yet connected; throws a TypeError for invalid options. */
  protected constructor(binding: ClientBinding, options: ClientOptions) {
    const compiled = compileBinding(binding.endpoint);
    if (typeof options.identity !== 'string' || options.identity === '') {
      throw new TypeError('options.identity must be a non-empty string');
    }
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new TypeError(`options.url is not a URL: ${JSON.stringify(options.url)}`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
      throw new TypeError(`options.url must be a ws:// or wss:// URL, not ${parsed.protocol}`);
    }
    this.#Session = sessionClassFor(new.target, binding);
    this.#compiled = compiled;
    this.identity = options.identity;
    this.protocol = compiled.version;
    this.url = connectionUrl(options.url, options.identity);
    const logger = options.logger ?? silentLogger;
    this.#log =
      logger === silentLogger
        ? logger
        : (logger.child?.({ identity: this.identity, protocol: this.protocol }) ?? logger);
    this.#timers = options.timers ?? realTimers;
    this.#backOff = new BackOff(options.backOff, options.random);
    this.#validate = options.validation ?? true;
    this.#lenient = options.lenientDateTime ?? false;
    this.#connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    this.#pingInterval = options.pingInterval ?? DEFAULT_PING_INTERVAL;
    this.#pongTimeout = options.pongTimeout ?? DEFAULT_PONG_TIMEOUT;
    this.#closeTimeout = options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
    this.#reconnect = options.reconnect ?? true;
    this.#waitForBoot = options.queue?.waitForBoot ?? true;

    const endpointOptions: EndpointOptions = {};
    for (const key of [
      'logger',
      'callTimeout',
      'handlerTimeout',
      'validation',
      'lenientDateTime',
      'maxBadFrames',
      'maxFrameSize',
    ] as const) {
      if (options[key] !== undefined) (endpointOptions as Record<string, unknown>)[key] = options[key];
    }
    this.#endpointOptions = endpointOptions;

    const headers: Record<string, string> = { ...options.headers };
    if (options.password !== undefined) headers.Authorization = basicAuthHeader(this.identity, options.password);
    const tls = options.tls ?? {};
    this.#wsOptions = {
      headers,
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      perMessageDeflate: options.perMessageDeflate ?? false,
      followRedirects: false,
      ...tls,
      minVersion: tls.minVersion ?? 'TLSv1.2',
    };

    this.#isQueued = options.queue?.isQueued ?? binding.isTransactionRelated;
    const client = this;
    this.#queue = new MessageQueue(
      {
        identity: this.identity,
        log: this.#log,
        get events() {
          return client.events;
        },
        timers: this.#timers,
        connection: () => this.#caller,
        holding: () =>
          (this.#waitForBoot && !this.#bootAccepted) || (this.#unanswered !== undefined && this.#unanswered.size > 0),
      },
      options.queue ?? {},
      binding.isDroppable,
    );
  }

  /** Typed events of this client (created on first use). */
  get events(): ClientEmitter {
    if (this.#events === undefined) {
      this.#events = new ClientEmitter(
        (event) => this.#listening(event),
        (error, event) => this.#log.error({ err: error, event }, 'event listener threw; ignored'),
      );
    }
    return this.#events;
  }

  /** Where the client is in its life: `idle`, `connecting`, `open`, `waiting` or `stopped`. */
  get state(): ClientState {
    return this.#state;
  }

  /** Whether a connection is open. */
  get connected(): boolean {
    return this.#state === 'open';
  }

  /**
   * The endpoint of the open connection (its own events: `call:error`, `handler:error`, `validation:failed`, …),
   * `undefined` while offline. A new one per connection.
   */
  get session(): OcppEndpoint<In, Out, SendIn, SendOut> | undefined {
    return this.#session as unknown as OcppEndpoint<In, Out, SendIn, SendOut> | undefined;
  }

  /** Queued messages not yet delivered (including one in flight). */
  get queueSize(): number {
    return this.#queue.size;
  }

  /**
   * Start connecting (the first attempt at once), and keep the client connected until `stop()`. Resolves when a
   * connection is open; while attempts fail it keeps trying with the back-off (see the `connect:error` and
   * `reconnect:scheduled` events). Rejects when the client stops first: `stop()`, a `SubprotocolError`, or a
   * failure with `reconnect: false`.
   */
  connect(): Promise<void> {
    if (this.#state === 'stopped') return Promise.reject(this.#fatalError ?? new ClientStoppedError('connect'));
    if (this.#state === 'open') return Promise.resolve();
    const opened = new Promise<void>((resolve, reject) => this.#openWaiters.push({ resolve, reject }));
    if (this.#state === 'idle') this.#connectNow();
    return opened;
  }

  /**
   * Stop for good: no more attempts, the connection closes (`code`, default 1000), pending calls reject, queued
   * messages' calls reject with `ClientStoppedError` (the queue store keeps them). Resolves once the socket has
   * closed.
   */
  stop(code = 1000, reason = ''): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#state = 'stopped';
    this.#clearTimer('reconnect');
    this.#clearPing();
    this.#queue.stop();
    this.#settleOpenWaiters(this.#fatalError ?? new ClientStoppedError('connect'));
    const socket = this.#socket;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) {
      this.#stopping = Promise.resolve();
      return this.#stopping;
    }
    this.#stopping = new Promise<void>((resolve) => {
      const timer = this.#timers.setTimeout(() => socket.terminate(), this.#closeTimeout);
      socket.once('close', () => {
        this.#timers.clearTimeout(timer);
        resolve();
      });
    });
    if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
    else socket.terminate();
    return this.#stopping;
  }

  /**
   * Send a CALL to the CSMS and wait for its answer: `call(new call.Heartbeat({}))` or `call('Heartbeat')`.
   * Transaction-related messages are queued (online or not) and resolve once delivered; anything else needs an
   * open connection and rejects at once with `NotConnectedError` without one. Otherwise as the endpoint's `call`.
   */
  call<A extends keyof Out & string>(
    message: Call<A, Out[A]['request']>,
    options?: CallOptions,
  ): Promise<Out[A]['response']>;
  call<A extends keyof Out & string>(action: A, ...args: CallArgs<Out[A]['request']>): Promise<Out[A]['response']>;
  call(first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown> {
    let action: string;
    let payload: object;
    let options: CallOptions | undefined;
    if (typeof first === 'string') {
      action = first;
      payload = (second ?? EMPTY) as object;
      options = third;
    } else {
      action = first.action;
      payload = first.payload;
      options = second as CallOptions | undefined;
    }
    if (this.#isQueued(action, payload)) return this.#enqueue(action, payload, options);
    const caller = this.#caller;
    if (caller === undefined) return Promise.reject(new NotConnectedError(action));
    if (action === 'BootNotification' && !this.#bootAccepted) {
      return caller.call(action, payload, options).then(this.#bootAnswered);
    }
    return caller.call(action, payload, options);
  }

  /** Whether a BootNotification of this client was answered `Accepted` (queued messages wait for it). */
  get bootAccepted(): boolean {
    return this.#bootAccepted;
  }

  readonly #bootAnswered = (response: unknown): unknown => {
    if ((response as { status?: unknown }).status === 'Accepted' && !this.#bootAccepted) {
      this.#bootAccepted = true;
      this.#queue.kick();
    }
    return response;
  };

  /** 2.1: send a SEND message (never answered, never queued). Throws `NotConnectedError` while offline. */
  send<A extends keyof SendOut & string>(message: Call<A, SendOut[A]['request']>, options?: SendOptions): void;
  send<A extends keyof SendOut & string>(action: A, ...args: SendArgs<SendOut[A]['request']>): void;
  send(first: string | Call, second?: unknown, third?: SendOptions): void {
    const caller = this.#caller;
    if (typeof first === 'string') {
      if (caller === undefined) throw new NotConnectedError(first);
      caller.send(first, (second ?? EMPTY) as object, third);
    } else {
      if (caller === undefined) throw new NotConnectedError(first.action);
      caller.send(first.action, first.payload, second as SendOptions | undefined);
    }
  }

  // ---------------------------------------------------------------- queue

  #enqueue(action: string, payload: object, options: CallOptions | undefined): Promise<unknown> {
    if (!this.#compiled.outgoingCalls.has(action)) {
      return Promise.reject(new TypeError(`"${action}" is not a CALL this side makes (${this.protocol})`));
    }
    if (this.#validate && options?.skipValidation !== true) {
      const issue = validate(this.#compiled.requestValidators.get(action), payload, this.#lenient);
      if (issue !== undefined) return Promise.reject(new RequestValidationError(action, '', issue));
    }
    return this.#queue.enqueue(action, payload, options);
  }

  #answerPending(session: ClientSession, messageId: string): void {
    if (session !== this.#session) return;
    if (this.#unanswered === undefined) this.#unanswered = new Set();
    if (this.#unanswered.size === 0) session.events.on('message:out', this.#onAnswerOut);
    this.#unanswered.add(messageId);
  }

  readonly #onAnswerOut = (event: FrameEvent): void => {
    if (event.messageType !== 3 && event.messageType !== 4) return;
    const unanswered = this.#unanswered;
    if (unanswered === undefined || event.messageId === undefined || !unanswered.delete(event.messageId)) return;
    if (unanswered.size === 0) {
      this.#session?.events.off('message:out', this.#onAnswerOut);
      this.#queue.kick();
    }
  };

  // ---------------------------------------------------------------- connection

  #connectNow(): void {
    this.#reconnectTimer = undefined;
    this.#state = 'connecting';
    const attempt = ++this.#attempt;
    const events = this.#events;
    if (events?.has('connecting')) events.emit('connecting', { identity: this.identity, url: this.url, attempt });
    this.#log.debug({ url: this.url, attempt }, 'connecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url, [this.protocol], this.#wsOptions);
    } catch (error) {
      this.#attemptFailed(attempt, new ConnectError(`Cannot connect to ${this.url}`, undefined, { cause: error }));
      return;
    }
    this.#socket = socket;
    let failure: Error | undefined;
    let answered: string | undefined;
    const timer = this.#timers.setTimeout(() => {
      failure ??= new ConnectError(`No connection within ${this.#connectTimeout} ms`);
      socket.terminate();
    }, this.#connectTimeout);
    const onUpgrade = (response: { headers: Record<string, string | string[] | undefined> }): void => {
      const header = response.headers['sec-websocket-protocol'];
      answered = Array.isArray(header) ? header.join(',') : header;
    };
    const onError = (error: Error): void => {
      if (failure !== undefined) return;
      const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1];
      if (/subprotocol/i.test(error.message)) failure = new SubprotocolError(this.protocol, answered, this.#everOpened);
      else if (status !== undefined) {
        failure = new ConnectError(`The CSMS refused the connection: HTTP ${status}`, Number(status), { cause: error });
      } else failure = new ConnectError(`Connection failed: ${error.message}`, undefined, { cause: error });
    };
    const onHandshakeClose = (): void => {
      this.#timers.clearTimeout(timer);
      socket.off('upgrade', onUpgrade);
      socket.off('open', onOpen);
      if (this.#socket === socket) this.#socket = undefined;
      this.#attemptFailed(attempt, failure ?? new ConnectError('Connection closed before it opened'));
    };
    const onOpen = (): void => {
      this.#timers.clearTimeout(timer);
      socket.off('close', onHandshakeClose);
      socket.off('upgrade', onUpgrade);
      if (socket.protocol !== this.protocol) {
        // ws checks the answer against the offer; this is a guard for a server that answers with none
        failure = new SubprotocolError(this.protocol, socket.protocol, this.#everOpened);
        socket.once('close', onHandshakeClose);
        socket.terminate();
        return;
      }
      this.#opened(socket);
    };
    socket.on('upgrade', onUpgrade);
    socket.on('error', onError);
    socket.once('open', onOpen);
    socket.once('close', onHandshakeClose);
  }

  #attemptFailed(attempt: number, error: Error): void {
    if (this.#state === 'stopped') return; // stop() abandoned it
    this.#log.warn({ attempt, err: error.message }, 'connection attempt failed');
    const events = this.#events;
    if (events?.has('connect:error')) events.emit('connect:error', { identity: this.identity, attempt, error });
    if (error instanceof SubprotocolError) {
      this.#fail(error);
      return;
    }
    if (!this.#reconnect) {
      this.#fatalError = error;
      void this.stop();
      return;
    }
    this.#scheduleReconnect();
  }

  #opened(socket: WebSocket): void {
    const reconnected = this.#everOpened;
    this.#everOpened = true;
    this.#attempt = 0;
    this.#backOff.reset();
    const session = new this.#Session(this.identity, socket as unknown as OcppConnection, this.#endpointOptions);
    session.owner = this as unknown as AnyClient;
    // after the session's own close listener: pending calls are rejected first
    socket.once('close', (code: number, reason: Buffer) => this.#lost(session, code, reason.toString()));
    socket.on('pong', this.#onPong);
    this.#session = session;
    this.#caller = session as unknown as Caller;
    this.#state = 'open';
    const events = this.#events;
    if (events !== undefined && (events.has('message:in') || events.has('message:out'))) this.#forwardFrames(session);
    this.#schedulePing();
    this.#log.info({ reconnected }, 'connected');
    if (events?.has('open')) events.emit('open', { identity: this.identity, protocol: this.protocol, reconnected });
    this.#settleOpenWaiters(undefined);
    this.#queue.kick();
  }

  #lost(session: ClientSession, code: number, reason: string): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#caller = undefined;
    this.#socket = undefined;
    this.#unanswered = undefined;
    this.#forwardingFrames = false;
    this.#clearPing();
    const note = this.#closeNote;
    this.#closeNote = undefined;
    const stopped = this.#state === 'stopped';
    const reconnect = !stopped && this.#reconnect;
    this.#log.info({ code, reason: reason || note }, 'connection closed');
    const events = this.#events;
    if (events?.has('close')) {
      events.emit('close', { identity: this.identity, code, reason: reason || (note ?? ''), reconnect });
    }
    if (stopped) return;
    if (!reconnect) {
      void this.stop();
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const delay = this.#backOff.next();
    this.#state = 'waiting';
    this.#log.info({ delay }, 'reconnect scheduled');
    const events = this.#events;
    if (events?.has('reconnect:scheduled')) {
      events.emit('reconnect:scheduled', { identity: this.identity, delay, attempt: this.#attempt + 1 });
    }
    this.#reconnectTimer = this.#timers.setTimeout(() => this.#connectNow(), delay);
  }

  /** A fatal error: report it and stop. */
  #fail(error: Error): void {
    this.#fatalError = error;
    this.#log.error({ err: error.message }, 'client stopped');
    const events = this.#events;
    if (events?.has('error')) events.emit('error', { identity: this.identity, error });
    void this.stop();
  }

  #settleOpenWaiters(error: Error | undefined): void {
    const waiters = this.#openWaiters;
    if (waiters.length === 0) return;
    this.#openWaiters = [];
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  // ---------------------------------------------------------------- keep-alive

  #schedulePing(): void {
    if (this.#pingInterval > 0) this.#pingTimer = this.#timers.setTimeout(this.#ping, this.#pingInterval);
  }

  readonly #ping = (): void => {
    this.#pingTimer = undefined;
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return;
    socket.ping();
    this.#pongTimer = this.#timers.setTimeout(this.#pongMissed, this.#pongTimeout);
  };

  readonly #onPong = (): void => {
    if (this.#pongTimer === undefined) return; // a pong we did not ask for
    this.#timers.clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    this.#schedulePing();
  };

  readonly #pongMissed = (): void => {
    this.#pongTimer = undefined;
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#closeNote = `No pong within ${this.#pongTimeout} ms`;
    this.#log.warn({ pongTimeout: this.#pongTimeout }, 'no pong: terminating the connection');
    socket.terminate();
  };

  #clearPing(): void {
    this.#clearTimer('ping');
    this.#clearTimer('pong');
  }

  #clearTimer(which: 'reconnect' | 'ping' | 'pong'): void {
    const timers = this.#timers;
    if (which === 'reconnect' && this.#reconnectTimer !== undefined) {
      timers.clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = undefined;
    } else if (which === 'ping' && this.#pingTimer !== undefined) {
      timers.clearTimeout(this.#pingTimer);
      this.#pingTimer = undefined;
    } else if (which === 'pong' && this.#pongTimer !== undefined) {
      timers.clearTimeout(this.#pongTimer);
      this.#pongTimer = undefined;
    }
  }

  // ---------------------------------------------------------------- frame events

  #listening(event: keyof ClientEventMap): void {
    if ((event === 'message:in' || event === 'message:out') && this.#session !== undefined) {
      this.#forwardFrames(this.#session);
    }
  }

  #forwardFrames(session: ClientSession): void {
    if (this.#forwardingFrames) return;
    this.#forwardingFrames = true;
    session.events.on('message:in', this.#frameIn);
    session.events.on('message:out', this.#frameOut);
  }

  readonly #frameIn = (event: FrameEvent): void => this.#events?.emit('message:in', event);
  readonly #frameOut = (event: FrameEvent): void => this.#events?.emit('message:out', event);
}
