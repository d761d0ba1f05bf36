/**
 * The wire of one connection: bytes in to frames (UTF-8, size limit, binary and bad frames, the consecutive
 * bad-frame count), frames out (batched: a read corks a `ws` socket until the event loop's round of reads is over),
 * the connection's events and logger, and its close. Frames that parse go to the two receivers the endpoint wires
 * in: CALLs and SENDs to the incoming side, answers to the outgoing side.
 */
import { CloseCode, type OcppConnection } from '../connection.ts';
import { clampDescription, type ErrorDetails, errorCodeFor, type Fault } from '../errors.ts';
import { Emitter, type EndpointEventMap, type FrameEvent, type FrameSink, type HandlerErrorEvent } from '../events.ts';
import {
  type ErrorMessageType,
  FrameFault,
  type JsonObject,
  MessageType,
  parseFrame,
  serializeCallError,
} from '../framing.ts';
import { type Logger, silentLogger } from '../logger.ts';
import type { Subprotocol, ValidationIssue } from '../protocol.ts';
import type { ActionTable } from '../router.ts';
import { childLogger, EMPTY } from '../util.ts';

/** Where received CALLs and SENDs go (the incoming side). */
export interface CallReceiver {
  onCall(messageId: string, action: string, payload: JsonObject): void;
  onSend(messageId: string, action: string, payload: JsonObject): void;
  /** The connection closed: end what is being handled. */
  closed(code: number): void;
}

/** Where answers to our calls go (the outgoing side, made on the first call). */
export interface AnswerReceiver {
  /** Whether a call with this id is on the wire, waiting for its answer. */
  awaits(messageId: string): boolean;
  onResult(messageId: string, payload: JsonObject): void;
  onCallError(type: ErrorMessageType, messageId: string, code: string, description: string, details: JsonObject): void;
  /** A CALLRESULT or CALLERROR that did not parse; it fails the call with its id, if there is one. */
  onBadAnswer(fault: FrameFault): void;
  /** The connection closed: fail what is pending. */
  closed(code: number, reason: string): void;
}

/** The wire's settings, from the endpoint's options. */
export interface WireSettings {
  logger: Logger;
  maxBadFrames: number;
  maxFrameSize: number;
  validate: boolean;
  lenientDateTime: boolean;
  onHandlerError: ((event: HandlerErrorEvent) => void) | undefined;
  /** Unsent bytes over which reading pauses until they are sent; 0: never pause. */
  maxUnsentBytes: number;
}

/** Corked bytes over which they leave at once rather than at the end of the round of reads. */
const FLUSH_BYTES = 64 * 1024;

const CLOSED_STATE = 3;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class Wire {
  readonly log: Logger;
  /** Whether the logger wants per-frame debug records (asked once). */
  readonly debug: boolean;
  readonly validate: boolean;
  readonly lenient: boolean;
  closed = false;
  // wired by the endpoint: the incoming side right after construction, the outgoing side on its first call
  calls!: CallReceiver;
  answers: AnswerReceiver | undefined = undefined;

  readonly #socket: CorkableSocket | undefined;
  readonly #maxBadFrames: number;
  readonly #maxFrameSize: number;
  readonly #onHandlerError: ((event: HandlerErrorEvent) => void) | undefined;
  readonly #maxUnsentBytes: number;
  /** Reading is paused until the socket has sent what waits. */
  #paused = false;
  #badFrames = 0;
  #events: Emitter<EndpointEventMap> | undefined = undefined;
  #frameSink: FrameSink | undefined = undefined;
  #closedPromise: Promise<void> | undefined = undefined;
  #resolveClosed: (() => void) | undefined = undefined;

  readonly #onMessage = (data: unknown, isBinary: boolean): void => this.#receive(data, isBinary);
  readonly #onClose = (code: number, reason: unknown): void => this.finish(code, String(reason ?? ''));
  readonly #onError = (error: Error): void => this.log.warn({ err: error }, 'connection error');

  constructor(
    readonly identity: string,
    readonly protocol: Subprotocol,
    readonly connection: OcppConnection,
    readonly table: ActionTable,
    settings: WireSettings,
  ) {
    this.log = childLogger(settings.logger, { identity, protocol });
    this.debug = settings.logger !== silentLogger && (settings.logger.isLevelEnabled?.('debug') ?? true);
    this.validate = settings.validate;
    this.lenient = settings.lenientDateTime;
    this.#maxBadFrames = settings.maxBadFrames;
    this.#maxFrameSize = settings.maxFrameSize;
    this.#onHandlerError = settings.onHandlerError;
    this.#maxUnsentBytes = settings.maxUnsentBytes;
    this.#socket = corkableSocketOf(connection);
  }

  /** Starts listening; a connection already closed finishes at once. */
  listen(): void {
    const connection = this.connection;
    connection.on('message', this.#onMessage);
    connection.on('close', this.#onClose);
    connection.on('error', this.#onError);
    if (connection.readyState === CLOSED_STATE) this.finish(CloseCode.ABNORMAL, 'closed before start');
  }

  /** The connection's events, created on first use. */
  get events(): Emitter<EndpointEventMap> {
    if (this.#events === undefined) {
      this.#events = new Emitter((error, event) =>
        this.log.error({ err: error, event }, 'event listener threw; ignored'),
      );
    }
    return this.#events;
  }

  /** The events if anybody ever listened: check `has()` on it before building an event. */
  get listeners(): Emitter<EndpointEventMap> | undefined {
    return this.#events;
  }

  /** Reports this connection's frames to `sink` too (the server's events), from the next frame on. */
  reportFramesTo(sink: FrameSink): void {
    this.#frameSink = sink;
  }

  /** A frame to whoever listens: the connection's events and the sink. */
  #reportFrame(event: 'message:in' | 'message:out', frame: FrameEvent): void {
    this.#events?.emit(event, frame);
    this.#frameSink?.emit(event, frame);
  }

  // ---------------------------------------------------------------- in

  #receive(data: unknown, isBinary: boolean): void {
    if (this.closed) return;
    const socket = this.#socket;
    if (socket !== undefined && socket.writableCorked === 0) {
      // What is written until the event loop has handled this round of reads (the answers to these frames, sync
      // or async, and the calls they lead to) leaves in one write.
      socket.cork();
      uncorkAfterReads(uncork, socket);
    }
    if (isBinary) {
      this.#badFrameEvent('binary', undefined, 'Binary frame', undefined);
      this.log.warn({}, 'binary frame; closing with 1003');
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
        this.log.warn({}, 'invalid UTF-8; closing with 1007');
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
    if (this.debug) this.log.debug({ messageId: frame[1], frame: text }, 'frame received');
    if (this.#events?.has('message:in') || this.#frameSink?.has('message:in')) {
      const action = frame[0] === MessageType.CALL || frame[0] === MessageType.SEND ? frame[2] : undefined;
      this.#reportFrame('message:in', {
        identity: this.identity,
        data: text,
        messageType: frame[0],
        messageId: frame[1],
        action,
      });
    }
    switch (frame[0]) {
      case MessageType.CALL:
        this.calls.onCall(frame[1], frame[2], frame[3]);
        return;
      case MessageType.CALLRESULT:
        if (this.answers?.awaits(frame[1])) this.answers.onResult(frame[1], frame[2]);
        else this.unknownId(MessageType.CALLRESULT, frame[1]);
        return;
      case MessageType.CALLERROR:
      case MessageType.CALLRESULTERROR:
        if (this.answers?.awaits(frame[1])) this.answers.onCallError(frame[0], frame[1], frame[2], frame[3], frame[4]);
        else if (frame[0] === MessageType.CALLRESULTERROR) this.#resultRejected(frame[1], frame[2], frame[3], frame[4]);
        else this.unknownId(MessageType.CALLERROR, frame[1]);
        return;
      case MessageType.SEND:
        this.calls.onSend(frame[1], frame[2], frame[3]);
        return;
    }
  }

  #tooBig(): void {
    this.#badFrameEvent('frame-malformed', undefined, 'Frame too large', undefined);
    this.log.warn({ limit: this.#maxFrameSize }, 'frame over the size limit; closing with 1009');
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
    this.log.warn({ messageId: fault.messageId, kind: fault.kind, reason: fault.reason }, 'bad frame');
    this.#badFrameEvent(fault.kind, fault.messageId, fault.reason, text);
    if (fault.kind !== 'unknown-type') {
      const type = fault.messageType;
      if (type === undefined || type === MessageType.CALL) {
        // a CALL (or what may have been one): answer with the framing error
        this.replyError(fault.messageId, errorCodeFor(this.protocol, fault.kind), fault.reason, EMPTY);
      } else if (type === MessageType.CALLRESULT || type === MessageType.CALLERROR) {
        // a malformed answer to our call: never answered with a CALLERROR, but the call fails now
        this.answers?.onBadAnswer(fault);
      }
    }
    this.#badFrames++;
    if (this.#maxBadFrames > 0 && this.#badFrames >= this.#maxBadFrames && !this.closed) {
      this.log.warn({ count: this.#badFrames }, 'too many consecutive bad frames; closing with 1008');
      this.close(CloseCode.POLICY_VIOLATION, 'Too many bad frames');
    }
  }

  /** 2.1: the peer could not process a CALLRESULT we sent. Never answered. */
  #resultRejected(messageId: string, code: string, description: string, details: JsonObject): void {
    this.log.warn({ messageId, code }, 'peer rejected our CALLRESULT (CALLRESULTERROR)');
    const events = this.#events;
    if (events?.has('result:rejected')) {
      events.emit('result:rejected', { identity: this.identity, messageId, code, description, details });
    }
  }

  /** An answer matched no call of ours: logged and counted as an event, never answered. */
  unknownId(type: number, messageId: string): void {
    this.log.warn({ messageId, messageType: type }, 'answer matches no pending call; dropped');
    this.#badFrameEvent('unknown-id', messageId, 'Answer matches no pending call', undefined);
  }

  // ---------------------------------------------------------------- out

  /** Sends a frame; `action`: a CALL's or SEND's, for `message:out`. */
  write(text: string, type: MessageType, messageId: string, action?: string): void {
    if (this.closed) return;
    if (this.debug) this.log.debug({ messageId, frame: text }, 'frame sent');
    if (this.#events?.has('message:out') || this.#frameSink?.has('message:out')) {
      this.#reportFrame('message:out', { identity: this.identity, data: text, messageType: type, messageId, action });
    }
    try {
      this.connection.send(text);
    } catch (error) {
      this.log.warn({ err: error, messageId }, 'send failed');
    }
    const socket = this.#socket;
    if (socket !== undefined && socket.writableLength > FLUSH_BYTES) this.#backpressure(socket);
  }

  /**
   * Many bytes wait: corked ones leave now, and while more than `maxUnsentBytes` are unsent the peer's frames are
   * not read (whatever it sends, what waits for it stays bounded; one that reads is slowed down, not dropped).
   */
  #backpressure(socket: CorkableSocket): void {
    if (socket.writableCorked > 0) socket.uncork();
    const connection = this.connection;
    if (
      this.#paused ||
      this.#maxUnsentBytes === 0 ||
      socket.writableLength <= this.#maxUnsentBytes ||
      connection.pause === undefined
    ) {
      return;
    }
    this.#paused = true;
    connection.pause();
    this.log.debug({ unsent: socket.writableLength }, 'peer reads slower than it sends: reading paused');
    socket.once('drain', this.#onDrain);
  }

  readonly #onDrain = (): void => {
    this.#paused = false;
    if (!this.closed) this.connection.resume?.();
  };

  replyFault(messageId: string, fault: Fault, description: string): void {
    this.replyError(messageId, errorCodeFor(this.protocol, fault), description, EMPTY);
  }

  replyError(messageId: string, code: string, description: string, details: ErrorDetails): void {
    const text = serializeCallError(messageId, code, clampDescription(description), details);
    this.write(text, MessageType.CALLERROR, messageId);
  }

  validationFailed(
    direction: 'in' | 'out',
    kind: 'request' | 'response',
    action: string,
    messageId: string,
    issue: ValidationIssue,
  ): void {
    if (direction === 'in') this.log.warn({ messageId, action, kind, issue }, 'payload fails its schema');
    const events = this.#events;
    if (events?.has('validation:failed')) {
      events.emit('validation:failed', { identity: this.identity, direction, kind, action, messageId, issue });
    }
  }

  /** A handler failed: the `handler:error` event and the `onHandlerError` option, when either listens. */
  handlerError(phase: HandlerErrorEvent['phase'], action: string, messageId: string, error: unknown): void {
    const events = this.#events;
    const report = this.#onHandlerError;
    if (report === undefined && !events?.has('handler:error')) return;
    const event: HandlerErrorEvent = { identity: this.identity, phase, action, messageId, error };
    events?.emit('handler:error', event);
    if (report === undefined) return;
    try {
      report(event);
    } catch (reportError) {
      this.log.error({ err: reportError }, 'onHandlerError threw; ignored');
    }
  }

  // ---------------------------------------------------------------- close

  /** Closes the connection; resolves once it has closed. */
  close(code: number, reason: string): Promise<void> {
    if (!this.closed) {
      try {
        this.connection.close(code, reason);
      } catch (error) {
        this.log.warn({ err: error }, 'close failed');
        this.finish(code, reason);
      }
    }
    return this.whenClosed();
  }

  whenClosed(): Promise<void> {
    if (this.#closedPromise === undefined) {
      this.#closedPromise = this.closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#resolveClosed = resolve;
          });
    }
    return this.#closedPromise;
  }

  /** The connection closed (or could not be closed): pending calls fail, handling ends, `close` is emitted. */
  finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const connection = this.connection;
    // the error listener stays: a late socket error must not become an unhandled 'error' event
    if (connection.off !== undefined) {
      connection.off('message', this.#onMessage);
      connection.off('close', this.#onClose);
    } else if (connection.removeListener !== undefined) {
      connection.removeListener('message', this.#onMessage);
      connection.removeListener('close', this.#onClose);
    }
    this.answers?.closed(code, reason);
    this.calls.closed(code);
    this.log.info({ code, reason }, 'connection closed');
    const events = this.#events;
    if (events?.has('close')) events.emit('close', { identity: this.identity, code, reason });
    this.#resolveClosed?.();
  }
}

/** A `ws` WebSocket's TCP or TLS socket, which it corks only around each frame it writes. */
interface CorkableSocket {
  readonly writableCorked: number;
  /** Bytes written and not yet handed to the operating system. */
  readonly writableLength: number;
  cork(): void;
  uncork(): void;
  once(event: 'drain', listener: () => void): unknown;
}

function corkableSocketOf(connection: OcppConnection): CorkableSocket | undefined {
  const socket = (connection as { _socket?: Partial<CorkableSocket> | null })._socket;
  return socket != null &&
    typeof socket.cork === 'function' &&
    typeof socket.writableCorked === 'number' &&
    typeof socket.writableLength === 'number'
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
