/**
 * One OCPP-J connection, generic over a version and a side. The CSMS side (`ChargePoint` of each version binding)
 * receives what charge points send and calls charge points; the charge-point side (`ChargePointSession`) the
 * reverse. Both are this class with a different binding.
 *
 * Hot path: one JSON.parse per frame, the parsed array used as is, the route looked up in a per-class Map, one
 * context object per incoming CALL (its AbortSignal created only when read), one record and one promise per
 * outgoing CALL. Timers, abort listeners and the handler-deadline timer take module-level functions or the record
 * itself (`handleEvent`), never a fresh closure; error objects are created only on failure. Over a `ws` socket, a
 * read corks the socket until the event loop's round of reads is over: the answers and the calls they lead to leave
 * in one write.
 */

import { CloseCode, type OcppConnection } from './connection.ts';
import {
  CallAbortedError,
  CallError,
  type CallErrorOrigin,
  CallTimeoutError,
  ConnectionClosedError,
  clampDescription,
  describeIssue,
  type ErrorDetails,
  errorCodeFor,
  type Fault,
  HandlerTimeoutError,
  INTERNAL_ERROR_DESCRIPTION,
  OcppError,
  RequestValidationError,
  ResponseValidationError,
  schemaFault,
  wireErrorCode,
} from './errors.ts';
import { Emitter, type EndpointEventMap } from './events.ts';
import {
  FrameFault,
  isJsonObject,
  type JsonObject,
  parseFrame,
  serializeCall,
  serializeCallError,
  serializeCallResult,
  serializeSend,
} from './framing.ts';
import { createMessageIdFactory, type MessageIdFactory } from './ids.ts';
import { type Logger, silentLogger } from './logger.ts';
import { type AfterContext, type Call, CallResult, type HandlerContext } from './messages.ts';
import type { Subprotocol, ValidationIssue } from './protocol.ts';
import {
  type ActionsOf,
  type CompiledBinding,
  compileBinding,
  type EndpointBinding,
  type EndpointMaps,
  kMaps,
  type Route,
  type RouteTable,
  routeTable,
  type SendsOf,
} from './routing.ts';
import { validate } from './validation.ts';

/** Options of one connection. Every one has a default. */
export interface EndpointOptions {
  /** pino-compatible logger; each connection logs through `child({ identity })` when available. Default: silent. */
  logger?: Logger;
  /** Default timeout of an outgoing CALL in ms, counted from `call()` (queueing included). `0`: none. Default 30 s. */
  callTimeout?: number;
  /**
   * Deadline of a handler in ms: when it passes, the peer gets `InternalError` (before its own timeout fires),
   * `context.signal` aborts and the late result is dropped. `0`: none. Default 25 s.
   */
  handlerTimeout?: number;
  /** Validate payloads against the schemas (both directions). Default `true`; skip per handler or per call instead. */
  validation?: boolean;
  /** Accept `date-time` values without a UTC offset (`2024-01-01T10:00:00`). Default `false` (strict RFC 3339). */
  lenientDateTime?: boolean;
  /** Close with 1008 after this many consecutive bad frames. `0`: never. Default 10. */
  maxBadFrames?: number;
  /**
   * Close with 1009 when a frame is larger than this (bytes, or characters for string data). `0`: no limit here.
   * Default 0: the server enforces the limit (`ws` maxPayload) before a frame reaches the endpoint.
   */
  maxFrameSize?: number;
  /** How outgoing message ids are made. Default: a random per-connection prefix and a counter. */
  messageIds?: MessageIdFactory;
  /** Anything the application attaches to this connection (e.g. what the server's authentication hook returned). */
  session?: unknown;
  /**
   * Most outgoing CALLs on the wire at once; the others wait in order. OCPP-J allows one (the default): raise it
   * only for load tools and peers known to accept more.
   */
  maxCallsInFlight?: number;
}

/** Options of one outgoing CALL. */
export interface CallOptions {
  /** Timeout in ms, counted from `call()`. Overrides the endpoint's `callTimeout`; `0`: none. */
  timeout?: number;
  /** Abort the call: it rejects with `CallAbortedError` at once (a queued call is never sent). */
  signal?: AbortSignal;
  /** Do not validate this request before sending nor its CALLRESULT on arrival. */
  skipValidation?: boolean;
}

/** Options of one outgoing SEND (2.1). */
export interface SendOptions {
  /** Do not validate this request before sending. */
  skipValidation?: boolean;
}

/** The arguments after the action name: the payload, optional when every field of the request is optional. */
export type CallArgs<R> =
  Partial<R> extends R ? [payload?: R, options?: CallOptions] : [payload: R, options?: CallOptions];
/** The arguments of `send()` after the action name: the payload, optional when every field is optional. */
export type SendArgs<R> =
  Partial<R> extends R ? [payload?: R, options?: SendOptions] : [payload: R, options?: SendOptions];

const DEFAULT_CALL_TIMEOUT = 30_000;
const DEFAULT_HANDLER_TIMEOUT = 25_000;
const DEFAULT_MAX_BAD_FRAMES = 10;
const CLOSED_STATE = 3;
/** setTimeout's longest delay; a longer timeout means none. */
const MAX_DELAY = 2_147_483_647;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const EMPTY: JsonObject = Object.freeze({}) as JsonObject;

// The few ways module-level callbacks reach an endpoint's private members (assigned in its static block).
let internals: {
  callTimedOut(call: PendingCall): void;
  callAborted(call: PendingCall): void;
  handlerExpired(context: IncomingCall): void;
  trackSignal(context: IncomingCall): void;
};

/** An outgoing CALL: queued, then in flight, then settled. Its own abort listener (`handleEvent`). */
class PendingCall {
  next: PendingCall | undefined = undefined;
  settled = false;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    readonly endpoint: OcppEndpoint<never, never, never, never>,
    readonly messageId: string,
    readonly action: string,
    readonly text: string,
    readonly skipValidation: boolean,
    readonly timeout: number,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  handleEvent(): void {
    internals.callAborted(this);
  }
}

function callTimedOut(call: PendingCall): void {
  internals.callTimedOut(call);
}

function handlerExpired(context: IncomingCall): void {
  internals.handlerExpired(context);
}

const HANDLING = 0;
const ANSWERED = 1;
const ENDED = 2;

/**
 * A received CALL (or SEND) while it is handled: the `HandlerContext` of its handler and, with `response` set, the
 * `AfterContext` of its after-handlers.
 */
class IncomingCall implements HandlerContext, AfterContext<object> {
  /** HANDLING, ANSWERED (response sent or error sent), ENDED (deadline passed or connection closed). */
  state = HANDLING;
  /** Registered in the endpoint's in-flight map (async handlers only). */
  inFlight = false;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  response: object = EMPTY;
  controller: AbortController | undefined = undefined;

  constructor(
    readonly endpoint: OcppEndpoint<never, never, never, never>,
    readonly messageId: string,
    readonly action: string,
    readonly request: JsonObject,
    readonly route: Route,
  ) {}

  get identity(): string {
    return this.endpoint.identity;
  }

  get protocol(): Subprotocol {
    return this.endpoint.protocol;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.state === ENDED || this.endpoint.closed) this.controller.abort(new Error('Handling ended'));
      else internals.trackSignal(this);
    }
    return this.controller.signal;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function withIdentity(logger: Logger, identity: string, protocol: Subprotocol): Logger {
  if (logger === silentLogger) return logger;
  if (typeof logger.child === 'function') return logger.child({ identity, protocol });
  const wrap =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void =>
      logger[level]({ identity, protocol, ...obj }, msg);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/**
 * The generic OCPP-J endpoint. `In`/`Out`: the CALL maps this side receives/makes; `SendIn`/`SendOut`: the SEND
 * maps (2.1). Version bindings subclass it with their maps and binding; applications subclass those.
 */
export abstract class OcppEndpoint<
  In extends ActionsOf<In>,
  Out extends ActionsOf<Out>,
  SendIn extends SendsOf<SendIn>,
  SendOut extends SendsOf<SendOut>,
> {
  /** Type-only: the maps decorators check handlers against. */
  declare readonly [kMaps]: EndpointMaps<In, Out, SendIn, SendOut>;

  /** The charge point's identity. */
  readonly identity: string;
  /** The OCPP version spoken (the negotiated subprotocol). */
  readonly protocol: Subprotocol;
  /** The WebSocket (or anything with its surface) this endpoint speaks over. */
  readonly connection: OcppConnection;
  /** What was passed as `options.session`. */
  readonly session: unknown;

  readonly #binding: CompiledBinding;
  readonly #routes: RouteTable;
  readonly #log: Logger;
  readonly #debug: boolean;
  readonly #callTimeout: number;
  readonly #handlerTimeout: number;
  readonly #validate: boolean;
  readonly #lenient: boolean;
  readonly #maxBadFrames: number;
  readonly #maxFrameSize: number;
  readonly #maxCallsInFlight: number;
  /** The `ws` socket underneath, when there is one: corked while a read's frames are handled. */
  readonly #socket: CorkableSocket | undefined;
  // Created on first use (most connections never make a call, and idle ones should cost little memory).
  #nextId: MessageIdFactory | undefined;

  #events: Emitter<EndpointEventMap> | undefined = undefined;
  #closed = false;
  #closedPromise: Promise<void> | undefined = undefined;
  #resolveClosed: (() => void) | undefined = undefined;
  #badFrames = 0;

  // outgoing CALLs: those on the wire by id, then a FIFO list
  #onWire: Map<string, PendingCall> | undefined = undefined;
  #head: PendingCall | undefined = undefined;
  #tail: PendingCall | undefined = undefined;

  // incoming CALLs whose (async) handler has not answered yet, by id
  #handling: Map<string, IncomingCall> | undefined = undefined;
  // contexts whose signal was created and whose handling (after-handlers included) is not over
  #signals: Set<IncomingCall> | undefined = undefined;

  readonly #onMessage = (data: unknown, isBinary: boolean): void => this.#receive(data, isBinary);
  readonly #onClose = (code: number, reason: unknown): void => this.#finish(code, String(reason ?? ''));
  readonly #onError = (error: Error): void => this.#log.warn({ err: error }, 'connection error');

  static {
    internals = {
      callTimedOut: (call) => call.endpoint.#timeoutCall(call),
      callAborted: (call) => call.endpoint.#abortCall(call),
      handlerExpired: (context) => context.endpoint.#expireHandler(context),
      trackSignal: (context) => {
        const endpoint = context.endpoint;
        if (endpoint.#signals === undefined) endpoint.#signals = new Set();
        endpoint.#signals.add(context);
      },
    };
  }

  /**
   * @param binding the version and side (given by the version binding's class)
   * @param identity the charge point's identity, decoded from the connection URL
   * @param connection a `ws` WebSocket or anything with its surface; its `protocol` must be the binding's version
   */
  protected constructor(
    binding: EndpointBinding,
    identity: string,
    connection: OcppConnection,
    options: EndpointOptions = {},
  ) {
    const compiled = compileBinding(binding);
    if (connection.protocol !== compiled.version) {
      throw new TypeError(
        `The connection's subprotocol is "${connection.protocol}" but this endpoint speaks "${compiled.version}"`,
      );
    }
    this.#binding = compiled;
    this.identity = identity;
    this.protocol = compiled.version;
    this.connection = connection;
    this.session = options.session;
    this.#routes = routeTable(new.target, OcppEndpoint.prototype, compiled);
    const logger = options.logger ?? silentLogger;
    this.#log = withIdentity(logger, identity, compiled.version);
    this.#debug = logger !== silentLogger && (logger.isLevelEnabled?.('debug') ?? true);
    this.#callTimeout = options.callTimeout ?? DEFAULT_CALL_TIMEOUT;
    this.#handlerTimeout = options.handlerTimeout ?? DEFAULT_HANDLER_TIMEOUT;
    this.#validate = options.validation ?? true;
    this.#lenient = options.lenientDateTime ?? false;
    this.#maxBadFrames = options.maxBadFrames ?? DEFAULT_MAX_BAD_FRAMES;
    this.#maxFrameSize = options.maxFrameSize ?? 0;
    const maxCallsInFlight = options.maxCallsInFlight ?? 1;
    if (!Number.isInteger(maxCallsInFlight) || maxCallsInFlight < 1) {
      throw new RangeError(`maxCallsInFlight must be a positive integer, got ${maxCallsInFlight}`);
    }
    this.#maxCallsInFlight = maxCallsInFlight;
    this.#socket = corkableSocketOf(connection);
    this.#nextId = options.messageIds;
    connection.on('message', this.#onMessage);
    connection.on('close', this.#onClose);
    connection.on('error', this.#onError);
    if (connection.readyState === CLOSED_STATE) this.#finish(CloseCode.ABNORMAL, 'closed before start');
  }

  /** Typed events of this connection (created on first use). */
  get events(): Emitter<EndpointEventMap> {
    if (this.#events === undefined) {
      this.#events = new Emitter((error, event) =>
        this.#log.error({ err: error, event }, 'event listener threw; ignored'),
      );
    }
    return this.#events;
  }

  /** Whether the connection has closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Outgoing CALLs not yet answered (those on the wire and the queued ones). */
  get pendingCalls(): number {
    let n = this.#onWire?.size ?? 0;
    for (let c = this.#head; c !== undefined; c = c.next) if (!c.settled) n++;
    return n;
  }

  /**
   * Resolves when the connection closes, after every pending call has been rejected with `ConnectionClosedError`.
   * Frames are handled from construction on; `start()` only waits.
   */
  start(): Promise<void> {
    return this.#whenClosed();
  }

  /** Close the connection (default 1000). `start()` resolves once it has closed. */
  close(code: number = CloseCode.NORMAL, reason = ''): Promise<void> {
    if (!this.#closed) {
      try {
        this.connection.close(code, reason);
      } catch (error) {
        this.#log.warn({ err: error }, 'close failed');
        this.#finish(code, reason);
      }
    }
    return this.#whenClosed();
  }

  #whenClosed(): Promise<void> {
    if (this.#closedPromise === undefined) {
      this.#closedPromise = this.#closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#resolveClosed = resolve;
          });
    }
    return this.#closedPromise;
  }

  #messageId(): string {
    if (this.#nextId === undefined) this.#nextId = createMessageIdFactory();
    return this.#nextId();
  }

  /**
   * Send a CALL and wait for its answer: `call(new call.Reset({ type: 'Soft' }))` or `call('Reset', { type: 'Soft' })`.
   * One CALL is on the wire at a time (more with `maxCallsInFlight`); others wait in order. Rejects with `CallError`,
   * `CallTimeoutError`, `CallAbortedError`, `ConnectionClosedError` or `RequestValidationError`.
   */
  call<A extends keyof Out & string>(
    message: Call<A, Out[A]['request']>,
    options?: CallOptions,
  ): Promise<Out[A]['response']>;
  call<A extends keyof Out & string>(action: A, ...args: CallArgs<Out[A]['request']>): Promise<Out[A]['response']>;
  call(first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown> {
    if (typeof first === 'string') return this.#enqueue(first, (second ?? EMPTY) as object, third);
    return this.#enqueue(first.action, first.payload, second as CallOptions | undefined);
  }

  /**
   * 2.1: send an unconfirmed SEND message (`send('NotifyPeriodicEventStream', {...})`). Not queued behind CALLs,
   * never answered. Throws `ConnectionClosedError` when closed and `RequestValidationError` for an invalid payload.
   */
  send<A extends keyof SendOut & string>(message: Call<A, SendOut[A]['request']>, options?: SendOptions): void;
  send<A extends keyof SendOut & string>(action: A, ...args: SendArgs<SendOut[A]['request']>): void;
  send(first: string | Call, second?: unknown, third?: SendOptions): void {
    let action: string;
    let payload: object;
    let options: SendOptions | undefined;
    if (typeof first === 'string') {
      action = first;
      payload = (second ?? EMPTY) as object;
      options = third;
    } else {
      action = first.action;
      payload = first.payload;
      options = second as SendOptions | undefined;
    }
    if (!this.#binding.outgoingSends.has(action)) {
      throw new TypeError(`"${action}" is not a SEND message this side sends (${this.protocol})`);
    }
    const messageId = this.#messageId();
    if (this.#closed) throw new ConnectionClosedError(action, messageId);
    if (this.#validate && options?.skipValidation !== true) {
      const issue = validate(this.#binding.requestValidators.get(action), payload, this.#lenient);
      if (issue !== undefined) {
        this.#validationFailed('out', 'request', action, messageId, issue);
        throw new RequestValidationError(action, messageId, issue);
      }
    }
    this.#write(serializeSend(messageId, action, payload), 6, messageId);
  }

  // ---------------------------------------------------------------- outgoing CALLs

  #enqueue(action: string, payload: object, options: CallOptions | undefined): Promise<unknown> {
    if (!this.#binding.outgoingCalls.has(action)) {
      return Promise.reject(new TypeError(`"${action}" is not a CALL this side makes (${this.protocol})`));
    }
    const messageId = this.#messageId();
    if (this.#closed) return Promise.reject(new ConnectionClosedError(action, messageId));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new CallAbortedError(action, messageId, signal.reason));
    const skipValidation = options?.skipValidation === true || !this.#validate;
    if (!skipValidation) {
      const issue = validate(this.#binding.requestValidators.get(action), payload, this.#lenient);
      if (issue !== undefined) {
        this.#validationFailed('out', 'request', action, messageId, issue);
        return Promise.reject(new RequestValidationError(action, messageId, issue));
      }
    }
    let text: string;
    try {
      text = serializeCall(messageId, action, payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeout = options?.timeout ?? this.#callTimeout;
    return new Promise((resolve, reject) => {
      const call = new PendingCall(
        this as unknown as OcppEndpoint<never, never, never, never>,
        messageId,
        action,
        text,
        skipValidation,
        timeout,
        signal,
        resolve,
        reject,
      );
      if (timeout > 0 && timeout <= MAX_DELAY) call.timer = setTimeout(callTimedOut, timeout, call);
      signal?.addEventListener('abort', call, { once: true });
      if (this.#tail === undefined) this.#head = call;
      else this.#tail.next = call;
      this.#tail = call;
      this.#pump();
    });
  }

  /** Puts queued calls on the wire while fewer than `maxCallsInFlight` are there. */
  #pump(): void {
    if (this.#onWire === undefined) this.#onWire = new Map();
    const onWire = this.#onWire;
    while (onWire.size < this.#maxCallsInFlight && !this.#closed) {
      const call = this.#head;
      if (call === undefined) return;
      this.#head = call.next;
      if (this.#head === undefined) this.#tail = undefined;
      call.next = undefined;
      if (call.settled) continue;
      onWire.set(call.messageId, call);
      this.#write(call.text, 2, call.messageId);
    }
  }

  /** The call on the wire with this id, if any. */
  #sentCall(messageId: string): PendingCall | undefined {
    return this.#onWire?.get(messageId);
  }

  /** Mark `call` settled and release its timer and abort listener; the next queued call goes out. */
  #settle(call: PendingCall): void {
    call.settled = true;
    if (call.timer !== undefined) clearTimeout(call.timer);
    call.signal?.removeEventListener('abort', call);
    const onWire = this.#onWire;
    if (onWire !== undefined && onWire.get(call.messageId) === call) {
      onWire.delete(call.messageId);
      this.#pump();
    }
  }

  #fail(call: PendingCall, error: Error): void {
    this.#settle(call);
    const events = this.#events;
    if (events?.has('call:error')) {
      events.emit('call:error', { identity: this.identity, action: call.action, messageId: call.messageId, error });
    }
    call.reject(error);
  }

  #timeoutCall(call: PendingCall): void {
    if (call.settled) return;
    call.timer = undefined;
    this.#log.warn({ messageId: call.messageId, action: call.action, timeout: call.timeout }, 'call timed out');
    this.#fail(call, new CallTimeoutError(call.action, call.messageId, call.timeout));
  }

  #abortCall(call: PendingCall): void {
    if (call.settled) return;
    this.#fail(call, new CallAbortedError(call.action, call.messageId, call.signal?.reason));
  }

  #onResult(messageId: string, payload: JsonObject): void {
    const call = this.#sentCall(messageId);
    if (call === undefined) {
      this.#unknownId(3, messageId);
      return;
    }
    if (!call.skipValidation) {
      const issue = validate(this.#binding.responseValidators.get(call.action), payload, this.#lenient);
      if (issue !== undefined) {
        this.#validationFailed('in', 'response', call.action, messageId, issue);
        this.#rejectResult(call, schemaFault(issue.keyword), describeIssue(issue), {
          keyword: issue.keyword,
          instancePath: issue.instancePath,
        });
        return;
      }
    }
    this.#settle(call);
    call.resolve(payload);
  }

  /** Our validation of the peer's CALLRESULT failed: reject the call; on 2.1 tell the peer with CALLRESULTERROR. */
  #rejectResult(call: PendingCall, fault: Fault, description: string, details: ErrorDetails): void {
    const code = errorCodeFor(this.protocol, fault);
    if (this.protocol === 'ocpp2.1') {
      this.#write(serializeCallError(call.messageId, code, description, EMPTY, 5), 5, call.messageId);
    }
    this.#fail(call, new CallError(call.action, call.messageId, code, description, details, 'invalid-result'));
  }

  #onCallError(type: 4 | 5, messageId: string, code: string, description: string, details: JsonObject): void {
    const call = this.#sentCall(messageId);
    if (call !== undefined) {
      const origin: CallErrorOrigin = type === 4 ? 'callerror' : 'callresulterror';
      this.#fail(call, new CallError(call.action, messageId, code, description, details, origin));
      return;
    }
    if (type === 5) {
      // 2.1: the peer could not process a CALLRESULT we sent. Never answered.
      this.#log.warn({ messageId, code }, 'peer rejected our CALLRESULT (CALLRESULTERROR)');
      const events = this.#events;
      if (events?.has('result:rejected')) {
        events.emit('result:rejected', { identity: this.identity, messageId, code, description, details });
      }
      return;
    }
    this.#unknownId(4, messageId);
  }

  #unknownId(type: number, messageId: string): void {
    this.#log.warn({ messageId, messageType: type }, 'answer matches no pending call; dropped');
    const events = this.#events;
    if (events?.has('bad-frame')) {
      events.emit('bad-frame', {
        identity: this.identity,
        kind: 'unknown-id',
        messageId,
        reason: 'Answer matches no pending call',
        data: undefined,
      });
    }
  }

  // ---------------------------------------------------------------- incoming frames

  #receive(data: unknown, isBinary: boolean): void {
    if (this.#closed) return;
    const socket = this.#socket;
    if (socket !== undefined && socket.writableCorked === 0) {
      // What is written until the event loop has handled this round of reads (the answers to these frames, sync
      // or async, and the calls they lead to) leaves in one write.
      socket.cork();
      uncorkAfterReads(uncork, socket);
    }
    if (isBinary) {
      this.#badFrameEvent('binary', undefined, 'Binary frame', undefined);
      this.#log.warn({}, 'binary frame; closing with 1003');
      this.close(CloseCode.UNSUPPORTED_DATA, 'Binary frames are not supported');
      return;
    }
    let text: string;
    if (typeof data === 'string') {
      text = data;
    } else {
      const bytes = toBytes(data);
      if (this.#maxFrameSize > 0 && bytes.byteLength > this.#maxFrameSize) {
        this.#tooBig();
        return;
      }
      try {
        text = utf8.decode(bytes);
      } catch {
        this.#badFrameEvent('invalid-utf8', undefined, 'Frame is not valid UTF-8', undefined);
        this.#log.warn({}, 'invalid UTF-8; closing with 1007');
        this.close(CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8');
        return;
      }
    }
    if (this.#maxFrameSize > 0 && text.length > this.#maxFrameSize) {
      this.#tooBig();
      return;
    }
    const frame = parseFrame(text, this.protocol);
    if (frame instanceof FrameFault) {
      this.#badFrame(frame, text);
      return;
    }
    this.#badFrames = 0;
    if (this.#debug) this.#log.debug({ messageId: frame[1], frame: text }, 'frame received');
    const events = this.#events;
    if (events?.has('message:in')) {
      events.emit('message:in', { identity: this.identity, data: text, messageType: frame[0], messageId: frame[1] });
    }
    switch (frame[0]) {
      case 2:
        this.#onCall(frame[1], frame[2], frame[3]);
        return;
      case 3:
        this.#onResult(frame[1], frame[2]);
        return;
      case 4:
      case 5:
        this.#onCallError(frame[0], frame[1], frame[2], frame[3], frame[4]);
        return;
      case 6:
        this.#onSend(frame[1], frame[2], frame[3]);
        return;
    }
  }

  #tooBig(): void {
    this.#badFrameEvent('frame-malformed', undefined, 'Frame too large', undefined);
    this.#log.warn({ limit: this.#maxFrameSize }, 'frame over the size limit; closing with 1009');
    this.close(CloseCode.MESSAGE_TOO_BIG, 'Frame too large');
  }

  #badFrameEvent(
    kind: EndpointEventMap['bad-frame']['kind'],
    messageId: string | undefined,
    reason: string,
    data: string | undefined,
  ): void {
    const events = this.#events;
    if (events?.has('bad-frame')) events.emit('bad-frame', { identity: this.identity, kind, messageId, reason, data });
  }

  #badFrame(fault: FrameFault, text: string): void {
    this.#log.warn({ messageId: fault.messageId, kind: fault.kind, reason: fault.reason }, 'bad frame');
    this.#badFrameEvent(fault.kind, fault.messageId, fault.reason, text);
    const type = fault.messageType;
    if (fault.kind !== 'unknown-type') {
      if (type === undefined || type === 2) {
        // a CALL (or what may have been one): answer with the framing error
        this.#replyError(fault.messageId, errorCodeFor(this.protocol, fault.kind), fault.reason, EMPTY);
      } else if (type === 3 || type === 4) {
        // a malformed answer to our call: never answered with a CALLERROR, but the call fails now
        const call = fault.messageId === undefined ? undefined : this.#sentCall(fault.messageId);
        if (call === undefined) {
          // an answer to nothing we sent: only counted below
        } else if (type === 3) this.#rejectResult(call, fault.kind, fault.reason, {});
        else {
          const code = errorCodeFor(this.protocol, fault.kind);
          this.#fail(call, new CallError(call.action, call.messageId, code, fault.reason, {}, 'callerror'));
        }
      }
    }
    this.#badFrames++;
    if (this.#maxBadFrames > 0 && this.#badFrames >= this.#maxBadFrames && !this.#closed) {
      this.#log.warn({ count: this.#badFrames }, 'too many consecutive bad frames; closing with 1008');
      this.close(CloseCode.POLICY_VIOLATION, 'Too many bad frames');
    }
  }

  // ---------------------------------------------------------------- incoming CALLs

  #onCall(messageId: string, action: string, payload: JsonObject): void {
    if (this.#handling?.has(messageId)) {
      this.#log.warn({ messageId, action }, 'CALL id already being handled');
      this.#replyFault(messageId, 'duplicate-id', 'Message id is already in use by a CALL being handled');
      return;
    }
    const route = this.#routes.get(action);
    if (route === undefined || route.kind !== 'call') {
      if (!this.#binding.actions.has(action)) {
        this.#replyFault(messageId, 'unknown-action', `Action is not implemented in ${this.protocol}`);
      } else {
        this.#replyFault(messageId, 'not-supported', `Action "${action}" is not supported`);
      }
      return;
    }
    if (this.#validate && !route.skipValidation) {
      const issue = validate(route.requestValidator, payload, this.#lenient);
      if (issue !== undefined) {
        this.#validationFailed('in', 'request', action, messageId, issue);
        this.#replyError(messageId, errorCodeFor(this.protocol, schemaFault(issue.keyword)), describeIssue(issue), {
          keyword: issue.keyword,
          instancePath: issue.instancePath,
        });
        return;
      }
    }
    const context = new IncomingCall(
      this as unknown as OcppEndpoint<never, never, never, never>,
      messageId,
      action,
      payload,
      route,
    );
    let result: unknown;
    try {
      result = route.handler.call(this, payload, context);
    } catch (error) {
      this.#handlerFailed(context, error);
      return;
    }
    if (isThenable(result)) {
      context.inFlight = true;
      if (this.#handling === undefined) this.#handling = new Map();
      this.#handling.set(messageId, context);
      if (this.#handlerTimeout > 0 && this.#handlerTimeout <= MAX_DELAY) {
        context.timer = setTimeout(handlerExpired, this.#handlerTimeout, context);
      }
      this.#awaitHandler(context, result);
    } else {
      this.#respond(context, result);
    }
  }

  async #awaitHandler(context: IncomingCall, pending: PromiseLike<unknown>): Promise<void> {
    let result: unknown;
    try {
      result = await pending;
    } catch (error) {
      this.#handlerFailed(context, error);
      return;
    }
    this.#respond(context, result);
  }

  /** Leave the HANDLING state: false when the call was already answered, expired or closed. */
  #answer(context: IncomingCall): boolean {
    if (context.state !== HANDLING) {
      this.#log.warn({ messageId: context.messageId, action: context.action }, 'handler finished too late; dropped');
      return false;
    }
    context.state = ANSWERED;
    if (context.inFlight) {
      this.#handling?.delete(context.messageId);
      if (context.timer !== undefined) clearTimeout(context.timer);
    }
    return true;
  }

  #respond(context: IncomingCall, result: unknown): void {
    if (!this.#answer(context)) return;
    const { route, messageId, action } = context;
    let payload: unknown = result;
    let issue: ValidationIssue | undefined;
    if (result instanceof CallResult) {
      payload = result.payload;
      if (result.action !== action) {
        issue = { keyword: 'action', instancePath: '', params: { action: result.action }, message: 'wrong action' };
      }
    }
    if (issue === undefined && !isJsonObject(payload)) {
      issue = { keyword: 'type', instancePath: '', params: { type: 'object' }, message: 'must be object' };
    } else if (issue === undefined && this.#validate && !route.skipValidation) {
      try {
        issue = validate(route.responseValidator, payload, this.#lenient);
      } catch (error) {
        // a response whose getter or proxy throws while it is checked
        this.#unsendable(context, error);
        return;
      }
    }
    if (issue !== undefined) {
      this.#validationFailed('out', 'response', action, messageId, issue);
      const error = new ResponseValidationError(action, messageId, issue);
      this.#log.error({ err: error, messageId, action }, 'handler returned an invalid response; sent InternalError');
      this.#handlerErrorEvent('response', action, messageId, error);
      this.#replyFault(messageId, 'invalid-response', INTERNAL_ERROR_DESCRIPTION);
      this.#endHandling(context);
      return;
    }
    let text: string;
    try {
      text = serializeCallResult(messageId, payload as object);
    } catch (error) {
      this.#unsendable(context, error);
      return;
    }
    this.#write(text, 3, messageId);
    if (route.after.length === 0) {
      this.#endHandling(context);
      return;
    }
    context.response = payload as object;
    void this.#runAfter(context);
  }

  /** The handler's response cannot be checked or serialised (a throwing getter, a BigInt, a cycle). */
  #unsendable(context: IncomingCall, error: unknown): void {
    const { messageId, action } = context;
    this.#log.error({ err: error, messageId, action }, 'response cannot be checked or serialised; sent InternalError');
    this.#handlerErrorEvent('response', action, messageId, error);
    this.#replyFault(messageId, 'handler-failed', INTERNAL_ERROR_DESCRIPTION);
    this.#endHandling(context);
  }

  async #runAfter(context: IncomingCall): Promise<void> {
    for (const handler of context.route.after) {
      try {
        await handler.call(this, context.request, context);
      } catch (error) {
        this.#log.error({ err: error, messageId: context.messageId, action: context.action }, 'after-handler failed');
        this.#handlerErrorEvent('after', context.action, context.messageId, error);
      }
    }
    this.#endHandling(context);
  }

  #handlerFailed(context: IncomingCall, error: unknown): void {
    if (!this.#answer(context)) return;
    const { messageId, action } = context;
    if (error instanceof OcppError) {
      this.#log.debug({ messageId, action, code: error.code }, 'handler answered with an OcppError');
      const code = wireErrorCode(this.protocol, error.code);
      const details = isJsonObject(error.details) ? error.details : EMPTY;
      try {
        this.#replyError(messageId, code, error.description, details);
      } catch (cause) {
        // details JSON cannot carry (a BigInt, a cycle, a throwing toJSON): the code and description without them
        this.#log.error({ err: cause, messageId, action }, 'OcppError details cannot be serialised; sent without them');
        this.#handlerErrorEvent('handler', action, messageId, cause);
        this.#replyError(messageId, code, error.description, EMPTY);
      }
    } else {
      this.#log.error({ err: error, messageId, action }, 'handler failed; sent InternalError');
      this.#handlerErrorEvent('handler', action, messageId, error);
      this.#replyFault(messageId, 'handler-failed', INTERNAL_ERROR_DESCRIPTION);
    }
    this.#endHandling(context);
  }

  #expireHandler(context: IncomingCall): void {
    if (context.state !== HANDLING) return;
    context.timer = undefined;
    const error = new HandlerTimeoutError(context.action, context.messageId, this.#handlerTimeout);
    this.#answer(context);
    context.state = ENDED;
    context.controller?.abort(error);
    this.#log.error({ messageId: context.messageId, action: context.action }, 'handler missed its deadline');
    this.#handlerErrorEvent('handler', context.action, context.messageId, error);
    this.#replyFault(context.messageId, 'handler-failed', INTERNAL_ERROR_DESCRIPTION);
    this.#endHandling(context);
  }

  #endHandling(context: IncomingCall): void {
    if (context.controller !== undefined) this.#signals?.delete(context);
  }

  // ---------------------------------------------------------------- incoming SENDs (2.1)

  #onSend(messageId: string, action: string, payload: JsonObject): void {
    const route = this.#routes.get(action);
    if (route === undefined || route.kind !== 'send') {
      this.#log.warn({ messageId, action }, 'SEND with no handler; ignored');
      return;
    }
    if (this.#validate && !route.skipValidation) {
      const issue = validate(route.requestValidator, payload, this.#lenient);
      if (issue !== undefined) {
        this.#validationFailed('in', 'request', action, messageId, issue);
        this.#log.warn({ messageId, action, issue }, 'SEND fails its schema; ignored');
        return;
      }
    }
    const context = new IncomingCall(
      this as unknown as OcppEndpoint<never, never, never, never>,
      messageId,
      action,
      payload,
      route,
    );
    context.state = ANSWERED;
    let result: unknown;
    try {
      result = route.handler.call(this, payload, context);
    } catch (error) {
      this.#sendHandlerFailed(context, error);
      return;
    }
    if (isThenable(result)) void this.#awaitSendHandler(context, result);
    else this.#endHandling(context);
  }

  async #awaitSendHandler(context: IncomingCall, pending: PromiseLike<unknown>): Promise<void> {
    try {
      await pending;
    } catch (error) {
      this.#sendHandlerFailed(context, error);
      return;
    }
    this.#endHandling(context);
  }

  #sendHandlerFailed(context: IncomingCall, error: unknown): void {
    this.#log.error({ err: error, messageId: context.messageId, action: context.action }, 'SEND handler failed');
    this.#handlerErrorEvent('send', context.action, context.messageId, error);
    this.#endHandling(context);
  }

  // ---------------------------------------------------------------- output

  #replyFault(messageId: string, fault: Fault, description: string): void {
    this.#replyError(messageId, errorCodeFor(this.protocol, fault), description, EMPTY);
  }

  #replyError(messageId: string, code: string, description: string, details: ErrorDetails): void {
    this.#write(serializeCallError(messageId, code, clampDescription(description), details), 4, messageId);
  }

  #write(text: string, type: number, messageId: string): void {
    if (this.#closed) return;
    if (this.#debug) this.#log.debug({ messageId, frame: text }, 'frame sent');
    const events = this.#events;
    if (events?.has('message:out')) {
      events.emit('message:out', { identity: this.identity, data: text, messageType: type, messageId });
    }
    try {
      this.connection.send(text);
    } catch (error) {
      this.#log.warn({ err: error, messageId }, 'send failed');
    }
  }

  #validationFailed(
    direction: 'in' | 'out',
    kind: 'request' | 'response',
    action: string,
    messageId: string,
    issue: ValidationIssue,
  ): void {
    if (direction === 'in') this.#log.warn({ messageId, action, kind, issue }, 'payload fails its schema');
    const events = this.#events;
    if (events?.has('validation:failed')) {
      events.emit('validation:failed', { identity: this.identity, direction, kind, action, messageId, issue });
    }
  }

  #handlerErrorEvent(
    phase: EndpointEventMap['handler:error']['phase'],
    action: string,
    messageId: string,
    error: unknown,
  ): void {
    const events = this.#events;
    if (events?.has('handler:error')) {
      events.emit('handler:error', { identity: this.identity, phase, action, messageId, error });
    }
  }

  // ---------------------------------------------------------------- close

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const connection = this.connection;
    // the error listener stays: a late socket error must not become an unhandled 'error' event
    if (connection.off !== undefined) {
      connection.off('message', this.#onMessage);
      connection.off('close', this.#onClose);
    } else if (connection.removeListener !== undefined) {
      connection.removeListener('message', this.#onMessage);
      connection.removeListener('close', this.#onClose);
    }
    const pending: PendingCall[] = this.#onWire === undefined ? [] : [...this.#onWire.values()];
    for (let c = this.#head; c !== undefined; c = c.next) if (!c.settled) pending.push(c);
    this.#onWire?.clear();
    this.#head = undefined;
    this.#tail = undefined;
    for (const call of pending) this.#fail(call, new ConnectionClosedError(call.action, call.messageId, code, reason));
    const closedError = new Error(`Connection closed (${code})`);
    if (this.#handling !== undefined) {
      for (const context of this.#handling.values()) {
        context.state = ENDED;
        if (context.timer !== undefined) clearTimeout(context.timer);
      }
      this.#handling.clear();
    }
    if (this.#signals !== undefined) {
      for (const context of this.#signals) context.controller?.abort(closedError);
      this.#signals.clear();
    }
    this.#log.info({ code, reason }, 'connection closed');
    const events = this.#events;
    if (events?.has('close')) events.emit('close', { identity: this.identity, code, reason });
    this.#resolveClosed?.();
  }
}

/** A `ws` WebSocket's TCP or TLS socket, which it corks only around each frame it writes. */
interface CorkableSocket {
  readonly writableCorked: number;
  cork(): void;
  uncork(): void;
}

function corkableSocketOf(connection: OcppConnection): CorkableSocket | undefined {
  const socket = (connection as { _socket?: Partial<CorkableSocket> | null })._socket;
  return socket != null && typeof socket.cork === 'function' && typeof socket.writableCorked === 'number'
    ? (socket as CorkableSocket)
    : undefined;
}

/** Node's `setImmediate`, taken at load: fake timers installed later by a test must not hold writes back. */
const uncorkAfterReads = setImmediate;

function uncork(socket: CorkableSocket): void {
  socket.uncork();
}

/** `ws` delivers text as a Buffer, an ArrayBuffer or Buffer fragments, depending on `binaryType`. */
function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return Buffer.concat(data as Uint8Array[]);
  return new TextEncoder().encode(String(data));
}
