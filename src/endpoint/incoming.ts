/**
 * The CALLs (and 2.1 SENDs) one connection receives: routed to their handler, the request checked, one context per
 * message, the handler's deadline, the response checked and sent, then the `@after` handlers. A handler that throws
 * an `OcppError` sends that error; anything else sends InternalError and reaches `handler:error`.
 *
 * The work is bounded: at most `maxConcurrent` CALLs are handled at once (a synchronous handler is over before the
 * next CALL is read), later ones wait in order, at most `maxQueued` of them; beyond that a CALL is refused at once.
 */
import {
  describeIssue,
  errorCodeFor,
  HandlerTimeoutError,
  INTERNAL_ERROR_DESCRIPTION,
  OcppError,
  ResponseValidationError,
  schemaFault,
  wireErrorCode,
} from '../errors.ts';
import { isJsonObject, type JsonObject, MessageType } from '../framing.ts';
import { CallResult } from '../messages.ts';
import type { RouteTable } from '../router.ts';
import { EMPTY, isThenable } from '../util.ts';
import { validate } from '../validation.ts';
import { ANSWERED, type CallOwner, ENDED, HANDLING, handlerExpired, IncomingCall } from './incoming-call.ts';
import type { RepeatGuard, RepeatTicket } from './repeat-guard.ts';
import { responseFrame } from './response.ts';
import type { CallReceiver, Wire } from './wire.ts';

/** setTimeout's longest delay; a longer timeout means none. */
const MAX_DELAY = 2_147_483_647;

/** A CALL read while `maxConcurrent` others were being handled. */
interface WaitingCall {
  readonly messageId: string;
  readonly action: string;
  readonly payload: JsonObject;
}

/** How much one connection's incoming CALLs may take. */
export interface IncomingLimits {
  /** The handler's deadline in ms; 0: none. */
  readonly handlerTimeout: number;
  /** Most CALLs handled at once. */
  readonly maxConcurrent: number;
  /** Most CALLs waiting behind them. */
  readonly maxQueued: number;
  /** Answers repeated transaction-related CALLs; shared by a server's connections. */
  readonly repeatGuard: RepeatGuard | undefined;
}

export class IncomingCalls implements CallReceiver, CallOwner {
  readonly wire: Wire;
  readonly #routes: RouteTable;
  /** What `this` is in the handlers. */
  readonly #target: object;
  readonly #handlerTimeout: number;
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #guard: RepeatGuard | undefined;
  // CALLs whose (async) handler has not answered yet, by id
  #handling: Map<string, IncomingCall> | undefined = undefined;
  // CALLs read while `#maxConcurrent` were handled, oldest first
  #waiting: WaitingCall[] | undefined = undefined;
  #startingWaiting = false;
  // contexts whose signal was created and whose handling (after-handlers included) is not over
  #signals: Set<IncomingCall> | undefined = undefined;

  constructor(wire: Wire, routes: RouteTable, target: object, limits: IncomingLimits) {
    this.wire = wire;
    this.#routes = routes;
    this.#target = target;
    this.#handlerTimeout = limits.handlerTimeout;
    this.#maxConcurrent = limits.maxConcurrent;
    this.#maxQueued = limits.maxQueued;
    this.#guard = limits.repeatGuard;
  }

  /** CALLs not answered yet: being handled or waiting their turn. */
  get unanswered(): number {
    return (this.#handling?.size ?? 0) + (this.#waiting?.length ?? 0);
  }

  trackSignal(context: IncomingCall): void {
    if (this.#signals === undefined) this.#signals = new Set();
    this.#signals.add(context);
  }

  onCall(messageId: string, action: string, payload: JsonObject): void {
    const wire = this.wire;
    if (this.#handling?.has(messageId) || this.#waiting?.some((call) => call.messageId === messageId)) {
      // a guarded repeat (sent again after its call timed out) waits for the first one's answer
      const guard = this.#guard;
      if (guard?.guards(wire.protocol, action, payload)) {
        const ticket = this.#firstOfItsId(guard, messageId, action, payload);
        if (ticket === undefined) return;
        guard.release(ticket); // not a repeat of the one being handled: the duplicate-id rule applies
      }
      wire.log.warn({ messageId, action }, 'CALL id already being handled');
      wire.replyFault(messageId, 'duplicate-id', 'Message id is already in use by a CALL being handled');
      return;
    }
    const handling = this.#handling?.size ?? 0;
    if (handling >= this.#maxConcurrent || (this.#waiting !== undefined && this.#waiting.length > 0)) {
      this.#wait(messageId, action, payload);
      return;
    }
    this.#handle(messageId, action, payload);
  }

  /** Queues a CALL behind those being handled, or refuses it when the queue is full. */
  #wait(messageId: string, action: string, payload: JsonObject): void {
    if (this.#waiting === undefined) this.#waiting = [];
    if (this.#waiting.length >= this.#maxQueued) {
      this.wire.log.warn({ messageId, action, queued: this.#waiting.length }, 'too many CALLs at once; refused');
      this.wire.replyFault(
        messageId,
        'too-many-calls',
        `Too many CALLs at once: ${this.#maxConcurrent} handled and ${this.#maxQueued} waiting`,
      );
      return;
    }
    this.#waiting.push({ messageId, action, payload });
  }

  /** A handler finished: the CALLs waiting for a free place start, in order. */
  #startWaiting(): void {
    const waiting = this.#waiting;
    if (waiting === undefined || waiting.length === 0 || this.#startingWaiting) return;
    this.#startingWaiting = true;
    try {
      while (waiting.length > 0 && (this.#handling?.size ?? 0) < this.#maxConcurrent && !this.wire.closed) {
        const next = waiting.shift() as WaitingCall;
        this.#handle(next.messageId, next.action, next.payload);
      }
    } finally {
      this.#startingWaiting = false;
    }
  }

  #handle(messageId: string, action: string, payload: JsonObject): void {
    const wire = this.wire;
    const route = this.#routes.get(action);
    if (route === undefined || route.kind !== 'call') {
      if (!wire.table.actions.has(action)) {
        wire.replyFault(messageId, 'unknown-action', `Action is not implemented in ${wire.protocol}`);
      } else {
        wire.replyFault(messageId, 'not-supported', `Action "${action}" is not supported`);
      }
      return;
    }
    if (wire.validate && !route.skipValidation) {
      const issue = validate(route.requestValidator, payload, wire.lenient);
      if (issue !== undefined) {
        wire.validationFailed('in', 'request', action, messageId, issue);
        wire.replyError(messageId, errorCodeFor(wire.protocol, schemaFault(issue.keyword)), describeIssue(issue), {
          keyword: issue.keyword,
          instancePath: issue.instancePath,
        });
        return;
      }
    }
    const guard = this.#guard;
    let ticket: RepeatTicket | undefined;
    if (guard?.guards(wire.protocol, action, payload)) {
      ticket = this.#firstOfItsId(guard, messageId, action, payload);
      if (ticket === undefined) return;
    }
    const context = new IncomingCall(this, messageId, action, payload, route);
    context.ticket = ticket;
    let result: unknown;
    try {
      result = route.handler.call(this.#target, payload, context);
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

  /**
   * A guarded CALL's ticket when it is new; `undefined` for a repeat, which is answered with the first one's answer,
   * now or once there is one.
   */
  #firstOfItsId(guard: RepeatGuard, messageId: string, action: string, payload: JsonObject): RepeatTicket | undefined {
    const wire = this.wire;
    const call = { protocol: wire.protocol, action, payload };
    const verdict = guard.check(wire.identity, messageId, call, (frame) => {
      if (wire.closed) return;
      if (frame === undefined)
        this.onCall(messageId, action, payload); // the first got no result: handle this one
      else this.#answerRepeat(messageId, action, frame);
    });
    if (verdict === undefined) {
      wire.replyFault(messageId, 'duplicate-id', 'Message id is already in use by a CALL being handled');
    } else if (verdict.kind === 'answered') {
      this.#answerRepeat(messageId, action, verdict.frame);
    }
    return verdict?.kind === 'new' ? verdict.ticket : undefined;
  }

  #answerRepeat(messageId: string, action: string, frame: string): void {
    this.wire.log.info({ messageId, action }, 'repeated CALL answered with the answer it had; not handled again');
    this.wire.write(frame, MessageType.CALLRESULT, messageId);
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
      this.wire.log.warn(
        { messageId: context.messageId, action: context.action },
        'handler finished too late; dropped',
      );
      return false;
    }
    context.state = ANSWERED;
    if (context.inFlight) {
      this.#handling?.delete(context.messageId);
      if (context.timer !== undefined) clearTimeout(context.timer);
      // after this answer is written
      if (this.#waiting !== undefined && this.#waiting.length > 0) queueMicrotask(this.#startNext);
    }
    return true;
  }

  readonly #startNext = (): void => this.#startWaiting();

  #respond(context: IncomingCall, result: unknown): void {
    if (!this.#answer(context)) {
      // answered already (its deadline passed) or disconnected: a repeat of it still gets this result
      if (context.ticket !== undefined) this.#rememberLate(context, context.ticket, result);
      return;
    }
    const wire = this.wire;
    const { route, messageId, action } = context;
    const answer = responseFrame(wire, route, action, messageId, result);
    if (typeof answer !== 'string') {
      if (context.ticket !== undefined) this.#guard?.release(context.ticket);
      if (answer.issue !== undefined) {
        wire.validationFailed('out', 'response', action, messageId, answer.issue);
        const error = new ResponseValidationError(action, messageId, answer.issue);
        wire.log.error({ err: error, messageId, action }, 'handler returned an invalid response; sent InternalError');
        wire.handlerError('response', action, messageId, error);
        wire.replyFault(messageId, 'invalid-response', INTERNAL_ERROR_DESCRIPTION);
      } else {
        // a response whose getter or proxy throws while it is checked, a BigInt, a cycle
        const error = answer.error;
        wire.log.error(
          { err: error, messageId, action },
          'response cannot be checked or serialised; sent InternalError',
        );
        wire.handlerError('response', action, messageId, error);
        wire.replyFault(messageId, 'handler-failed', INTERNAL_ERROR_DESCRIPTION);
      }
      this.#endHandling(context);
      return;
    }
    wire.write(answer, MessageType.CALLRESULT, messageId);
    if (context.ticket !== undefined) this.#guard?.remember(context.ticket, answer);
    if (route.after.length === 0) {
      this.#endHandling(context);
      return;
    }
    context.response = (result instanceof CallResult ? result.payload : result) as object;
    void this.#runAfter(context);
  }

  /** A guarded CALL's handler finished after its answer was due: its result is what a repeat gets. */
  #rememberLate(context: IncomingCall, ticket: RepeatTicket, result: unknown): void {
    const guard = this.#guard as RepeatGuard;
    const answer = responseFrame(this.wire, context.route, context.action, context.messageId, result);
    if (typeof answer === 'string') guard.remember(ticket, answer);
    else guard.release(ticket);
  }

  async #runAfter(context: IncomingCall): Promise<void> {
    for (const handler of context.route.after) {
      try {
        await handler.call(this.#target, context.request, context);
      } catch (error) {
        this.wire.log.error(
          { err: error, messageId: context.messageId, action: context.action },
          'after-handler failed',
        );
        this.wire.handlerError('after', context.action, context.messageId, error);
      }
    }
    this.#endHandling(context);
  }

  #handlerFailed(context: IncomingCall, error: unknown): void {
    const answered = this.#answer(context);
    if (context.ticket !== undefined) this.#guard?.release(context.ticket);
    if (!answered) return;
    const { messageId, action } = context;
    const wire = this.wire;
    if (error instanceof OcppError) {
      wire.log.debug({ messageId, action, code: error.code }, 'handler answered with an OcppError');
      const code = wireErrorCode(wire.protocol, error.code);
      const details = isJsonObject(error.details) ? error.details : EMPTY;
      try {
        wire.replyError(messageId, code, error.description, details);
      } catch (cause) {
        // details JSON cannot carry (a BigInt, a cycle, a throwing toJSON): the code and description without them
        wire.log.error({ err: cause, messageId, action }, 'OcppError details cannot be serialised; sent without them');
        wire.handlerError('handler', action, messageId, cause);
        wire.replyError(messageId, code, error.description, EMPTY);
      }
    } else {
      wire.log.error({ err: error, messageId, action }, 'handler failed; sent InternalError');
      wire.handlerError('handler', action, messageId, error);
      wire.replyFault(messageId, 'handler-failed', INTERNAL_ERROR_DESCRIPTION);
    }
    this.#endHandling(context);
  }

  expire(context: IncomingCall): void {
    if (context.state !== HANDLING) return;
    context.timer = undefined;
    const error = new HandlerTimeoutError(context.action, context.messageId, this.#handlerTimeout);
    this.#answer(context);
    context.state = ENDED;
    // its repeats are handled anew rather than wait for a handler that may never finish
    if (context.ticket !== undefined) this.#guard?.release(context.ticket);
    context.controller?.abort(error);
    const wire = this.wire;
    wire.log.error({ messageId: context.messageId, action: context.action }, 'handler missed its deadline');
    wire.handlerError('handler', context.action, context.messageId, error);
    wire.replyFault(context.messageId, 'handler-failed', INTERNAL_ERROR_DESCRIPTION);
    this.#endHandling(context);
  }

  #endHandling(context: IncomingCall): void {
    if (context.controller !== undefined) this.#signals?.delete(context);
  }

  // ---------------------------------------------------------------- SENDs (2.1)

  onSend(messageId: string, action: string, payload: JsonObject): void {
    const wire = this.wire;
    const route = this.#routes.get(action);
    if (route === undefined || route.kind !== 'send') {
      wire.log.warn({ messageId, action }, 'SEND with no handler; ignored');
      return;
    }
    if (wire.validate && !route.skipValidation) {
      const issue = validate(route.requestValidator, payload, wire.lenient);
      if (issue !== undefined) {
        wire.validationFailed('in', 'request', action, messageId, issue);
        wire.log.warn({ messageId, action, issue }, 'SEND fails its schema; ignored');
        return;
      }
    }
    const context = new IncomingCall(this, messageId, action, payload, route);
    context.state = ANSWERED;
    let result: unknown;
    try {
      result = route.handler.call(this.#target, payload, context);
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
    this.wire.log.error({ err: error, messageId: context.messageId, action: context.action }, 'SEND handler failed');
    this.wire.handlerError('send', context.action, context.messageId, error);
    this.#endHandling(context);
  }

  closed(code: number): void {
    const closedError = new Error(`Connection closed (${code})`);
    if (this.#handling !== undefined) {
      for (const context of this.#handling.values()) {
        context.state = ENDED;
        if (context.timer !== undefined) clearTimeout(context.timer);
      }
      this.#handling.clear();
    }
    if (this.#waiting !== undefined) this.#waiting.length = 0;
    if (this.#signals !== undefined) {
      for (const context of this.#signals) context.controller?.abort(closedError);
      this.#signals.clear();
    }
  }
}
