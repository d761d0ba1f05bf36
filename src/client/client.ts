/**
 * The charge-point side of OCPP-J over a WebSocket that the client opens, keeps alive and reopens: generic over a
 * version, bound in `ocppkit/v16`, `ocppkit/v201` and `ocppkit/v21` as `Client`.
 *
 * Each connection is one endpoint of the version's `Csms` class (framing, validation, one CALL in flight, pending
 * calls rejected on a drop) whose handlers are the client's own methods: the router reads them from the client
 * (once, at construction) and the endpoint calls them with the client as `this`. Calls go straight to the open
 * endpoint; transaction-related ones through the `MessageQueue`. `handshake.ts` opens each connection,
 * `keep-alive.ts` pings it, `options.ts` holds the options and their defaults.
 */
import { WebSocket, type ClientOptions as WsClientOptions } from 'ws';
import type { CallOptions, SendOptions } from '../call-args.ts';
import type { OcppConnection } from '../connection.ts';
import { type RequestChecker, requestProblem } from '../endpoint/outgoing.ts';
import type { EndpointOptions, OcppEndpoint } from '../endpoint.ts';
import type { FrameEvent, HandlerErrorEvent, ValidationFailedEvent } from '../events.ts';
import { MessageType } from '../framing.ts';
import { createMessageIdFactory } from '../ids.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { OcppPeer } from '../peer.ts';
import type { Subprotocol } from '../protocol.ts';
import { actionTable, routeTable } from '../router.ts';
import type { ActionsOf, SendsOf } from '../routing.ts';
import { TRANSACTION_RULES } from '../transactions.ts';
import { childLogger } from '../util.ts';
import { BackOff, realTimers, type Timers } from './backoff.ts';
import { ClientStoppedError, NotConnectedError, SubprotocolError } from './errors.ts';
import { ClientEmitter, type ClientEventMap } from './events.ts';
import { openSocket, socketOptions } from './handshake.ts';
import { KeepAlive } from './keep-alive.ts';
import {
  CLIENT_DEFAULTS,
  type ClientOptions,
  type ClientState,
  type ConnectionClass,
  checkClientOptions,
  connectionUrl,
  endpointOptionsOf,
} from './options.ts';
import { MessageQueue } from './queue.ts';

/** What the client uses of its connection's endpoint (besides calling through it). */
type AnyEndpoint = Pick<OcppEndpoint<never, never, never, never>, 'events' | 'unansweredCalls'>;
interface Caller {
  call(action: string, payload: object, options?: CallOptions): Promise<unknown>;
  send(action: string, payload: object, options?: SendOptions): void;
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
> extends OcppPeer<In, Out, SendIn, SendOut> {
  /** This charge point's identity (`options.identity`). */
  readonly identity: string;
  /** The subprotocol this client speaks (and insists on when reconnecting). */
  readonly protocol: Subprotocol;
  /** The URL it connects to: the endpoint, `/`, the percent-encoded identity. */
  readonly url: string;

  readonly #Connection: ConnectionClass;
  readonly #checker: RequestChecker;
  readonly #log: Logger;
  readonly #timers: Timers;
  readonly #backOff: BackOff;
  readonly #queue: MessageQueue;
  readonly #isQueued: (action: string, payload: object) => boolean;
  readonly #wsOptions: WsClientOptions;
  readonly #endpointOptions: EndpointOptions;
  readonly #connectTimeout: number;
  readonly #keepAlive: KeepAlive;
  readonly #closeTimeout: number;
  readonly #reconnect: boolean;
  readonly #waitForBoot: boolean;

  #state: ClientState = 'idle';
  #socket: WebSocket | undefined = undefined;
  #endpoint: AnyEndpoint | undefined = undefined;
  #caller: Caller | undefined = undefined;
  #everOpened = false;
  #attempt = 0;
  #reconnectTimer: unknown;
  /** Why we terminated the socket ourselves (reported as the close reason). */
  #closeNote: string | undefined = undefined;
  #openWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #fatalError: Error | undefined = undefined;
  #stopping: Promise<void> | undefined = undefined;
  #events: ClientEmitter | undefined = undefined;
  #forwardingFrames = false;
  /** A BootNotification of this client was answered Accepted. */
  #bootAccepted = false;

  /** A client speaking the version of `Connection` (its `Csms`), not yet connected; a TypeError for invalid options. */
  protected constructor(Connection: ConnectionClass, options: ClientOptions) {
    super();
    const versionSide = Connection.versionSide;
    if (versionSide === undefined) throw new TypeError(`${Connection.name} has no OCPP version`);
    const table = actionTable(versionSide);
    checkClientOptions(options);
    // the handlers of this client for what the CSMS sends: read now, so that a mistake shows at construction
    routeTable(this, table, ChargePointClient.prototype);
    this.#Connection = Connection;
    const rules = TRANSACTION_RULES[table.version];
    this.identity = options.identity;
    this.protocol = table.version;
    this.url = connectionUrl(options.url, options.identity);
    this.#log = childLogger(options.logger ?? silentLogger, { identity: this.identity, protocol: this.protocol });
    this.#timers = options.timers ?? realTimers;
    this.#backOff = new BackOff(options.backOff, options.random);
    this.#connectTimeout = options.connectTimeout ?? CLIENT_DEFAULTS.connectTimeout;
    const pongTimeout = options.pongTimeout ?? CLIENT_DEFAULTS.pongTimeout;
    const pingInterval = options.pingInterval ?? CLIENT_DEFAULTS.pingInterval;
    this.#keepAlive = new KeepAlive(this.#timers, pingInterval, pongTimeout, () => {
      this.#closeNote = `No pong within ${pongTimeout} ms`;
      this.#log.warn({ pongTimeout }, 'no pong: terminating the connection');
    });
    this.#closeTimeout = options.closeTimeout ?? CLIENT_DEFAULTS.closeTimeout;
    this.#reconnect = options.reconnect ?? true;
    this.#waitForBoot = options.queue?.waitForBoot ?? true;

    this.#endpointOptions = endpointOptionsOf(options, { handlers: this, onHandlerError: this.#onHandlerError });
    this.#wsOptions = socketOptions(options, this.identity);

    this.#checker = {
      table,
      protocol: this.protocol,
      validate: options.validation ?? true,
      lenient: options.lenientDateTime ?? false,
      validationFailed: (direction, kind, action, messageId, issue) =>
        this.#validationFailed({ identity: this.identity, direction, kind, action, messageId, issue }),
    };
    this.#isQueued = options.queue?.isQueued ?? rules.isTransactionRelated;
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
        holding: () => (this.#waitForBoot && !this.#bootAccepted) || (this.#endpoint?.unansweredCalls ?? 0) > 0,
      },
      options.queue ?? {},
      rules.isDroppable,
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
  get endpoint(): OcppEndpoint<In, Out, SendIn, SendOut> | undefined {
    return this.#endpoint as unknown as OcppEndpoint<In, Out, SendIn, SendOut> | undefined;
  }

  /** @deprecated Renamed `endpoint`. */
  get session(): OcppEndpoint<In, Out, SendIn, SendOut> | undefined {
    return this.endpoint;
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
    this.#clearReconnect();
    this.#keepAlive.stop();
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
   * Transaction-related messages are queued (online or not) and resolve once delivered; anything else needs an
   * open connection and rejects at once with `NotConnectedError` without one.
   * @internal
   */
  protected override makeCall(action: string, payload: object, options: CallOptions | undefined): Promise<unknown> {
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

  /** 2.1: a SEND is never queued. @internal */
  protected override makeSend(action: string, payload: object, options: SendOptions | undefined): void {
    const caller = this.#caller;
    if (caller === undefined) throw new NotConnectedError(action);
    caller.send(action, payload, options);
  }

  // ---------------------------------------------------------------- queue

  #enqueue(action: string, payload: object, options: CallOptions | undefined): Promise<unknown> {
    // checked now, with the endpoint's own check: a queued message is sent much later, maybe never
    const skipValidation = options?.skipValidation === true;
    const problem = requestProblem(this.#checker, 'call', action, payload, skipValidation, this.#checkId);
    if (problem !== undefined) return Promise.reject(problem);
    return this.#queue.enqueue(action, payload, options);
  }

  /** The message id a refused queued message is reported with (it never reaches the wire). */
  readonly #checkId = createMessageIdFactory();

  /** Passes an event of the connection's endpoint on to the client's own listeners, if any. */
  #relay<K extends 'message:in' | 'message:out' | 'handler:error' | 'validation:failed'>(
    name: K,
    event: ClientEventMap[K],
  ): void {
    const events = this.#events;
    if (events?.has(name)) events.emit(name, event);
  }

  readonly #onHandlerError = (event: HandlerErrorEvent): void => this.#relay('handler:error', event);
  readonly #validationFailed = (event: ValidationFailedEvent): void => this.#relay('validation:failed', event);

  readonly #kickQueue = (): void => this.#queue.kick();

  /** An answer of ours left: when no incoming CALL waits for one any more, the queue may send again. */
  readonly #onAnswerOut = (event: FrameEvent): void => {
    if (event.messageType !== MessageType.CALLRESULT && event.messageType !== MessageType.CALLERROR) return;
    // after this write has reached the socket: the event comes just before it
    if ((this.#endpoint?.unansweredCalls ?? 0) === 0) queueMicrotask(this.#kickQueue);
  };

  // ---------------------------------------------------------------- connection

  #connectNow(): void {
    this.#reconnectTimer = undefined;
    this.#state = 'connecting';
    const attempt = ++this.#attempt;
    const events = this.#events;
    if (events?.has('connecting')) events.emit('connecting', { identity: this.identity, url: this.url, attempt });
    this.#log.debug({ url: this.url, attempt }, 'connecting');
    const settings = {
      url: this.url,
      protocol: this.protocol,
      socketOptions: this.#wsOptions,
      timers: this.#timers,
      connectTimeout: this.#connectTimeout,
      everOpened: this.#everOpened,
    };
    this.#socket = openSocket(
      settings,
      (socket) => this.#opened(socket),
      (socket, error) => {
        if (socket !== undefined && this.#socket === socket) this.#socket = undefined;
        this.#attemptFailed(attempt, error);
      },
    );
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
    const endpoint = new this.#Connection(this.identity, socket as unknown as OcppConnection, this.#endpointOptions);
    endpoint.events.on('message:out', this.#onAnswerOut).on('validation:failed', this.#validationFailed);
    // after the endpoint's own close listener: pending calls are rejected first
    socket.once('close', (code: number, reason: Buffer) => this.#lost(endpoint, code, reason.toString()));
    this.#endpoint = endpoint;
    this.#caller = endpoint as unknown as Caller;
    this.#state = 'open';
    const events = this.#events;
    if (events !== undefined && (events.has('message:in') || events.has('message:out'))) this.#forwardFrames(endpoint);
    this.#keepAlive.start(socket);
    this.#log.info({ reconnected }, 'connected');
    if (events?.has('open')) events.emit('open', { identity: this.identity, protocol: this.protocol, reconnected });
    this.#settleOpenWaiters(undefined);
    this.#queue.kick();
  }

  #lost(endpoint: AnyEndpoint, code: number, reason: string): void {
    if (this.#endpoint !== endpoint) return;
    this.#endpoint = undefined;
    this.#caller = undefined;
    this.#socket = undefined;
    this.#forwardingFrames = false;
    this.#keepAlive.stop();
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

  #clearReconnect(): void {
    if (this.#reconnectTimer === undefined) return;
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
  }

  // ---------------------------------------------------------------- frame events

  #listening(event: keyof ClientEventMap): void {
    if ((event === 'message:in' || event === 'message:out') && this.#endpoint !== undefined) {
      this.#forwardFrames(this.#endpoint);
    }
  }

  #forwardFrames(endpoint: AnyEndpoint): void {
    if (this.#forwardingFrames) return;
    this.#forwardingFrames = true;
    endpoint.events.on('message:in', this.#frameIn);
    endpoint.events.on('message:out', this.#frameOut);
  }

  readonly #frameIn = (event: FrameEvent): void => this.#relay('message:in', event);
  readonly #frameOut = (event: FrameEvent): void => this.#relay('message:out', event);
}
