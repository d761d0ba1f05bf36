/**
 * The CALLs one connection makes: checked, queued in order, put on the wire while fewer than `maxCallsInFlight`
 * are there, matched to their answers by message id, timed out, aborted, failed on close. Also the SENDs (2.1)
 * and the one check every outgoing request goes through.
 */
import type { CallOptions } from '../call-args.ts';
import {
  CallAbortedError,
  CallError,
  type CallErrorOrigin,
  CallTimeoutError,
  ConnectionClosedError,
  describeIssue,
  type ErrorDetails,
  errorCodeFor,
  type Fault,
  RequestValidationError,
  schemaFault,
} from '../errors.ts';
import {
  type ErrorMessageType,
  type FrameFault,
  type JsonObject,
  MessageType,
  serializeCall,
  serializeCallError,
  serializeSend,
} from '../framing.ts';
import { createMessageIdFactory, type MessageIdFactory } from '../ids.ts';
import type { ValidationIssue } from '../protocol.ts';
import type { ActionTable } from '../router.ts';
import { EMPTY } from '../util.ts';
import { validate } from '../validation.ts';
import type { AnswerReceiver, Wire } from './wire.ts';

/** setTimeout's longest delay; a longer timeout means none. */
const MAX_DELAY = 2_147_483_647;

/** An outgoing CALL: queued, then in flight, then settled. Its own abort listener (`handleEvent`). */
class PendingCall {
  next: PendingCall | undefined = undefined;
  settled = false;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    readonly owner: OutgoingCalls,
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
    this.owner.abort(this);
  }
}

function callTimedOut(call: PendingCall): void {
  call.owner.timeOut(call);
}

/** What the one check of outgoing requests needs: the version's actions and validators, and where issues go. */
export interface RequestChecker {
  readonly table: ActionTable;
  readonly protocol: string;
  readonly validate: boolean;
  readonly lenient: boolean;
  validationFailed(direction: 'out', kind: 'request', action: string, messageId: string, issue: ValidationIssue): void;
}

/** A TypeError when this side never sends `action` that way (`kind`): the first check of every outgoing request. */
export function notSentProblem(checker: RequestChecker, kind: 'call' | 'send', action: string): TypeError | undefined {
  const table = checker.table;
  if ((kind === 'call' ? table.outgoingCalls : table.outgoingSends).has(action)) return undefined;
  const what = kind === 'call' ? 'a CALL this side makes' : 'a SEND message this side sends';
  return new TypeError(`"${action}" is not ${what} (${checker.protocol})`);
}

/**
 * A `RequestValidationError` (reported through `validationFailed`) when validation is on and `payload` fails its
 * schema: the second check. `messageId` may be a function, called only when there is an issue to report.
 */
export function payloadProblem(
  checker: RequestChecker,
  action: string,
  payload: object,
  messageId: string | (() => string),
): RequestValidationError | undefined {
  if (!checker.validate) return undefined;
  const issue = validate(checker.table.requestValidators.get(action), payload, checker.lenient);
  if (issue === undefined) return undefined;
  const id = typeof messageId === 'string' ? messageId : messageId();
  checker.validationFailed('out', 'request', action, id, issue);
  return new RequestValidationError(action, id, issue);
}

/** Both checks of an outgoing request, for one that is queued rather than sent at once (the client's). */
export function requestProblem(
  checker: RequestChecker,
  kind: 'call' | 'send',
  action: string,
  payload: object,
  skipValidation: boolean,
  messageId: () => string,
): Error | undefined {
  return (
    notSentProblem(checker, kind, action) ??
    (skipValidation ? undefined : payloadProblem(checker, action, payload, messageId))
  );
}

export class OutgoingCalls implements AnswerReceiver {
  readonly #wire: Wire;
  readonly #callTimeout: number;
  readonly #maxCallsInFlight: number;
  #nextId: MessageIdFactory | undefined;
  // those on the wire by id (created on first use), then a FIFO list
  #onWire: Map<string, PendingCall> | undefined = undefined;
  #head: PendingCall | undefined = undefined;
  #tail: PendingCall | undefined = undefined;

  constructor(wire: Wire, callTimeout: number, maxCallsInFlight: number, messageIds: MessageIdFactory | undefined) {
    this.#wire = wire;
    this.#callTimeout = callTimeout;
    this.#maxCallsInFlight = maxCallsInFlight;
    this.#nextId = messageIds;
  }

  /** Calls not yet answered: those on the wire and the queued ones. */
  get pending(): number {
    let n = this.#onWire?.size ?? 0;
    for (let c = this.#head; c !== undefined; c = c.next) if (!c.settled) n++;
    return n;
  }

  messageId(): string {
    if (this.#nextId === undefined) this.#nextId = createMessageIdFactory();
    return this.#nextId();
  }

  call(action: string, payload: object, options: CallOptions | undefined): Promise<unknown> {
    const wire = this.#wire;
    const notSent = notSentProblem(wire, 'call', action);
    if (notSent !== undefined) return Promise.reject(notSent);
    const given = options?.messageId;
    if (given !== undefined && !this.#isFreeId(given)) {
      return Promise.reject(
        new TypeError(`messageId must be 1 to 36 characters and not in use by a pending call, got "${given}"`),
      );
    }
    const messageId = given ?? this.messageId();
    if (wire.closed) return Promise.reject(new ConnectionClosedError(action, messageId));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new CallAbortedError(action, messageId, signal.reason));
    const skipValidation = options?.skipValidation === true || !wire.validate;
    const problem = skipValidation ? undefined : payloadProblem(wire, action, payload, messageId);
    if (problem !== undefined) return Promise.reject(problem);
    let text: string;
    try {
      text = serializeCall(messageId, action, payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeout = options?.timeout ?? this.#callTimeout;
    return new Promise((resolve, reject) => {
      const call = new PendingCall(this, messageId, action, text, skipValidation, timeout, signal, resolve, reject);
      if (timeout > 0 && timeout <= MAX_DELAY) call.timer = setTimeout(callTimedOut, timeout, call);
      signal?.addEventListener('abort', call, { once: true });
      if (this.#tail === undefined) this.#head = call;
      else this.#tail.next = call;
      this.#tail = call;
      this.#pump();
    });
  }

  /** Whether a message id given by the caller may be used: well-formed and not that of a pending call. */
  #isFreeId(messageId: unknown): boolean {
    if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > 36) return false;
    if (this.#onWire?.has(messageId)) return false;
    for (let c = this.#head; c !== undefined; c = c.next) if (!c.settled && c.messageId === messageId) return false;
    return true;
  }

  send(action: string, payload: object, skipValidation: boolean): void {
    const wire = this.#wire;
    const notSent = notSentProblem(wire, 'send', action);
    if (notSent !== undefined) throw notSent;
    const messageId = this.messageId();
    if (wire.closed) throw new ConnectionClosedError(action, messageId);
    const problem = skipValidation ? undefined : payloadProblem(wire, action, payload, messageId);
    if (problem !== undefined) throw problem;
    wire.write(serializeSend(messageId, action, payload), MessageType.SEND, messageId, action);
  }

  /** Puts queued calls on the wire while fewer than `maxCallsInFlight` are there. */
  #pump(): void {
    if (this.#onWire === undefined) this.#onWire = new Map();
    const onWire = this.#onWire;
    while (onWire.size < this.#maxCallsInFlight && !this.#wire.closed) {
      const call = this.#head;
      if (call === undefined) return;
      this.#head = call.next;
      if (this.#head === undefined) this.#tail = undefined;
      call.next = undefined;
      if (call.settled) continue;
      onWire.set(call.messageId, call);
      this.#wire.write(call.text, MessageType.CALL, call.messageId, call.action);
    }
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
    const events = this.#wire.listeners;
    if (events?.has('call:error')) {
      const { identity } = this.#wire;
      events.emit('call:error', { identity, action: call.action, messageId: call.messageId, error });
    }
    call.reject(error);
  }

  timeOut(call: PendingCall): void {
    if (call.settled) return;
    call.timer = undefined;
    this.#wire.log.warn({ messageId: call.messageId, action: call.action, timeout: call.timeout }, 'call timed out');
    this.#fail(call, new CallTimeoutError(call.action, call.messageId, call.timeout));
  }

  abort(call: PendingCall): void {
    if (call.settled) return;
    this.#fail(call, new CallAbortedError(call.action, call.messageId, call.signal?.reason));
  }

  awaits(messageId: string): boolean {
    return this.#onWire?.has(messageId) === true;
  }

  onResult(messageId: string, payload: JsonObject): void {
    const call = this.#onWire?.get(messageId) as PendingCall;
    const wire = this.#wire;
    if (!call.skipValidation && wire.validate) {
      const issue = validate(wire.table.responseValidators.get(call.action), payload, wire.lenient);
      if (issue !== undefined) {
        wire.validationFailed('in', 'response', call.action, messageId, issue);
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

  /** Our check of the peer's CALLRESULT failed: reject the call; on 2.1 tell the peer with CALLRESULTERROR. */
  #rejectResult(call: PendingCall, fault: Fault, description: string, details: ErrorDetails): void {
    const wire = this.#wire;
    const code = errorCodeFor(wire.protocol, fault);
    if (wire.protocol === 'ocpp2.1') {
      const text = serializeCallError(call.messageId, code, description, EMPTY, MessageType.CALLRESULTERROR);
      wire.write(text, MessageType.CALLRESULTERROR, call.messageId);
    }
    this.#fail(call, new CallError(call.action, call.messageId, code, description, details, 'invalid-result'));
  }

  onCallError(type: ErrorMessageType, messageId: string, code: string, description: string, details: JsonObject): void {
    const call = this.#onWire?.get(messageId) as PendingCall;
    const origin: CallErrorOrigin = type === MessageType.CALLERROR ? 'callerror' : 'callresulterror';
    this.#fail(call, new CallError(call.action, messageId, code, description, details, origin));
  }

  onBadAnswer(fault: FrameFault): void {
    const call = this.#onWire?.get(fault.messageId);
    if (call === undefined) return; // an answer to nothing we sent: only counted as a bad frame
    if (fault.messageType === MessageType.CALLRESULT) {
      this.#rejectResult(call, fault.kind as Fault, fault.reason, {});
      return;
    }
    const code = errorCodeFor(this.#wire.protocol, fault.kind as Fault);
    this.#fail(call, new CallError(call.action, call.messageId, code, fault.reason, {}, 'callerror'));
  }

  closed(code: number, reason: string): void {
    const pending: PendingCall[] = this.#onWire === undefined ? [] : [...this.#onWire.values()];
    for (let c = this.#head; c !== undefined; c = c.next) if (!c.settled) pending.push(c);
    this.#onWire?.clear();
    this.#head = undefined;
    this.#tail = undefined;
    for (const call of pending) this.#fail(call, new ConnectionClosedError(call.action, call.messageId, code, reason));
  }
}
