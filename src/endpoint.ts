/**
 * One OCPP-J connection, generic over a version and a side: the thin endpoint that wires its three parts. The CSMS
 * side (`ChargePoint` of each version) receives what charge points send and calls charge points; the charge-point
 * side (`Csms`) the reverse. Both are this class with a different `VersionSide`.
 *
 * - `endpoint/wire.ts`: bytes to frames, limits, bad frames, batched writes, events, close;
 * - `endpoint/outgoing.ts`: the CALLs and SENDs this side makes;
 * - `endpoint/incoming.ts`: the CALLs and SENDs it receives, routed by the table `router.ts` builds.
 *
 * Hot path: one JSON.parse per frame, the parsed array used as is, the route looked up in a per-class Map, one
 * context object per incoming CALL (its AbortSignal created only when read), one record and one promise per
 * outgoing CALL; error objects are created only on failure.
 */
import type { CallOptions, SendOptions } from './call-args.ts';
import { CloseCode, type OcppConnection } from './connection.ts';
import { IncomingCalls } from './endpoint/incoming.ts';
import { OutgoingCalls } from './endpoint/outgoing.ts';
import type { RepeatGuard } from './endpoint/repeat-guard.ts';
import { Wire } from './endpoint/wire.ts';
import type { Emitter, EndpointEventMap, FrameSink, HandlerErrorEvent } from './events.ts';
import type { MessageIdFactory } from './ids.ts';
import { type Logger, silentLogger } from './logger.ts';
import type { ConnectionInstrumentation } from './observability/hook.ts';
import { OcppPeer } from './peer.ts';
import type { Subprotocol } from './protocol.ts';
import { actionTable, routeTable, type VersionSide } from './router.ts';
import type { ActionsOf, SendsOf } from './routing.ts';

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
  /** Application state of this connection: what the server's authentication hook accepted it with, for example. */
  state?: unknown;
  /** @deprecated Renamed `state`; used when `state` is not given. */
  session?: unknown;
  /**
   * Called, besides the `handler:error` event, when a handler of this connection fails. The server passes one to
   * report every connection's handler errors as its own `handler:error` event.
   */
  onHandlerError?: (event: HandlerErrorEvent) => void;
  /**
   * An object of handlers (`{ onHeartbeat(request, context) { … } }`, typed by the version's handler interface),
   * used instead of the class's own methods; `this` in them is the object. One class can then serve with handlers
   * chosen per connection.
   */
  handlers?: object;
  /**
   * Most incoming CALLs handled at once (handlers that return a promise and have not settled); later CALLs wait in
   * order. OCPP-J lets a peer have one CALL outstanding: the default leaves slack for chargers that overlap a few.
   * Default 4.
   */
  maxConcurrentCalls?: number;
  /**
   * Most incoming CALLs waiting for a place; a CALL beyond them is refused at once with `GenericError` (nothing of
   * it is kept). Default 32.
   */
  maxQueuedCalls?: number;
  /**
   * Bytes of our frames that may wait for the socket before the connection stops reading the peer's frames, until
   * they are sent: a peer that sends faster than it reads is slowed down, not dropped. Default 1 MiB.
   */
  maxUnsentBytes?: number;
  /**
   * Answers a transaction-related CALL that repeats the id of one recently handled with that one's answer, without
   * running the handler again. The server passes the one it shares between its connections (`context.repeatGuard`).
   */
  repeatGuard?: RepeatGuard | undefined;
  /**
   * Most outgoing CALLs on the wire at once; the others wait in order. OCPP-J allows one (the default): raise it
   * only for load tools and peers known to accept more.
   */
  maxCallsInFlight?: number;
}

const DEFAULT_CALL_TIMEOUT = 30_000;
const DEFAULT_HANDLER_TIMEOUT = 25_000;
const DEFAULT_MAX_BAD_FRAMES = 10;
const DEFAULT_MAX_CONCURRENT_CALLS = 4;
const DEFAULT_MAX_QUEUED_CALLS = 32;
const DEFAULT_MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * The generic OCPP-J endpoint. `In`/`Out`: the CALL maps this side receives/makes; `SendIn`/`SendOut`: the SEND
 * maps (2.1). Version bindings subclass it with their maps and `VersionSide`; applications subclass those.
 */
export abstract class OcppEndpoint<
  In extends ActionsOf<In>,
  Out extends ActionsOf<Out>,
  SendIn extends SendsOf<SendIn>,
  SendOut extends SendsOf<SendOut>,
> extends OcppPeer<In, Out, SendIn, SendOut> {
  /**
   * The version and side of the class: each version's `ChargePoint` and `Csms` set it; subclasses inherit it.
   * @internal
   */
  static readonly versionSide: VersionSide | undefined = undefined;

  /** What was passed as `options.state`: the application's state for this connection. */
  readonly state: unknown;

  readonly #wire: Wire;
  readonly #incoming: IncomingCalls;
  // made on the first call or send: most CSMS-side connections never make one
  #outgoing: OutgoingCalls | undefined = undefined;
  readonly #callTimeout: number;
  readonly #maxCallsInFlight: number;
  readonly #messageIds: MessageIdFactory | undefined;
  // observability's hook (tracing, metrics): undefined unless instrument() was called
  #instrumentation: ConnectionInstrumentation | undefined = undefined;

  /**
   * Binds a connection: its frames are handled from here on.
   * @param identity the charge point's identity, decoded from the connection URL
   * @param connection a `ws` WebSocket or anything with its surface; its `protocol` must be the class's version
   */
  constructor(identity: string, connection: OcppConnection, options: EndpointOptions = {}) {
    super();
    const versionSide = (new.target as typeof OcppEndpoint).versionSide;
    if (versionSide === undefined) {
      throw new TypeError(`${new.target.name} has no OCPP version: extend ChargePoint or Csms of ocppkit/v16|v201|v21`);
    }
    const table = actionTable(versionSide);
    if (connection.protocol !== table.version) {
      throw new TypeError(
        `The connection's subprotocol is "${connection.protocol}" but this endpoint speaks "${table.version}"`,
      );
    }
    const maxCallsInFlight = positiveInteger('maxCallsInFlight', options.maxCallsInFlight ?? 1);
    const handlers = options.handlers;
    const routes =
      handlers === undefined ? routeTable(new.target, table, OcppEndpoint.prototype) : routeTable(handlers, table);
    this.state = options.state ?? options.session;
    const wire = new Wire(identity, table.version, connection, table, {
      logger: options.logger ?? silentLogger,
      maxBadFrames: options.maxBadFrames ?? DEFAULT_MAX_BAD_FRAMES,
      maxFrameSize: options.maxFrameSize ?? 0,
      validate: options.validation ?? true,
      lenientDateTime: options.lenientDateTime ?? false,
      onHandlerError: options.onHandlerError,
      maxUnsentBytes: nonNegativeInteger('maxUnsentBytes', options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES),
    });
    this.#wire = wire;
    this.#incoming = new IncomingCalls(wire, routes, handlers ?? this, {
      handlerTimeout: options.handlerTimeout ?? DEFAULT_HANDLER_TIMEOUT,
      maxConcurrent: positiveInteger('maxConcurrentCalls', options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS),
      maxQueued: nonNegativeInteger('maxQueuedCalls', options.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS),
      repeatGuard: options.repeatGuard,
    });
    this.#callTimeout = options.callTimeout ?? DEFAULT_CALL_TIMEOUT;
    this.#maxCallsInFlight = maxCallsInFlight;
    this.#messageIds = options.messageIds;
    wire.calls = this.#incoming;
    wire.listen();
  }

  /** The charge point's identity. */
  get identity(): string {
    return this.#wire.identity;
  }

  /** The OCPP version spoken (the negotiated subprotocol). */
  get protocol(): Subprotocol {
    return this.#wire.protocol;
  }

  /** The WebSocket (or anything with its surface) this endpoint speaks over. */
  get connection(): OcppConnection {
    return this.#wire.connection;
  }

  /** @deprecated Renamed `state`. */
  get session(): unknown {
    return this.state;
  }

  /** Typed events of this connection (created on first use). */
  get events(): Emitter<EndpointEventMap> {
    return this.#wire.events;
  }

  /** Whether the connection has closed. */
  get closed(): boolean {
    return this.#wire.closed;
  }

  /** Outgoing CALLs not yet answered (those on the wire and the queued ones). */
  get pendingCalls(): number {
    return this.#outgoing?.pending ?? 0;
  }

  /** Incoming CALLs whose handler has not answered yet. */
  get unansweredCalls(): number {
    return this.#incoming.unanswered;
  }

  /**
   * Resolves when the connection closes, after every pending call has been rejected with `ConnectionClosedError`.
   * Frames are handled from construction on.
   */
  whenClosed(): Promise<void> {
    return this.#wire.whenClosed();
  }

  /** @deprecated Frames are handled from construction on; this only waits for the close. Use `whenClosed()`. */
  start(): Promise<void> {
    return this.#wire.whenClosed();
  }

  /** Close the connection (default 1000). `whenClosed()` resolves once it has closed. */
  close(code: number = CloseCode.NORMAL, reason = ''): Promise<void> {
    return this.#wire.close(code, reason);
  }

  /**
   * Observes this connection (`ocppkit/observability`): called once, before the first frame is read.
   * @internal
   */
  instrument(instrumentation: ConnectionInstrumentation): void {
    this.#instrumentation = instrumentation;
    this.#wire.calls = instrumentation.incoming(this.#incoming);
  }

  /**
   * Reports this connection's frames to the server's events too (`message:in`, `message:out`), besides its own.
   * @internal
   */
  reportFrames(sink: FrameSink): void {
    this.#wire.reportFramesTo(sink);
  }

  /** @internal */
  protected override makeCall(action: string, payload: object, options: CallOptions | undefined): Promise<unknown> {
    const instrumentation = this.#instrumentation;
    if (instrumentation === undefined) return this.#calls().call(action, payload, options);
    return instrumentation.call(action, payload, options, this.#calls());
  }

  /** @internal */
  protected override makeSend(action: string, payload: object, options: SendOptions | undefined): void {
    this.#calls().send(action, payload, options?.skipValidation === true);
  }

  #calls(): OutgoingCalls {
    if (this.#outgoing === undefined) {
      const messageIds = this.#instrumentation?.messageIds(this.#messageIds) ?? this.#messageIds;
      this.#outgoing = new OutgoingCalls(this.#wire, this.#callTimeout, this.#maxCallsInFlight, messageIds);
      this.#wire.answers = this.#outgoing;
    }
    return this.#outgoing;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer >= 0, got ${value}`);
  return value;
}
