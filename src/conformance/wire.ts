/**
 * The kit's end of one connection. It sends the kit's frames, records every frame both ways, and checks each
 * frame of the peer as it arrives: the frame's shape, its direction, the schema of its payload, that an answer
 * carries the id of the kit's CALL, that the peer keeps at most one CALL outstanding, and the id continuity the
 * monitors follow. What it finds is kept in `problems`; the steps of a case wait on it.
 */
import type { OcppConnection } from '../connection.ts';
import { type Frame, FrameFault, MessageType, parseFrame } from '../framing.ts';
import type { Monitor } from './monitors.ts';
import type { FrameRecord, Problem } from './types.ts';
import { errorCodesSection, maySend, type VersionFacts } from './versions.ts';

/** The kit's answer to one of the peer's CALLs: a payload, or a CALLERROR code. */
export type KitAnswer = { readonly payload: object } | { readonly errorCode: string; readonly description: string };

/** What came back for a CALL of the kit. */
export type Reply =
  | { readonly type: 'result'; readonly payload: Record<string, unknown> }
  | { readonly type: 'error'; readonly code: string; readonly description: string };

/** A CALL the peer sent. */
export interface PeerCall {
  readonly action: string;
  readonly messageId: string;
  readonly payload: Record<string, unknown>;
  /** Taken by a step that waited for it. */
  taken: boolean;
  /** The kit sent its answer. */
  answered: boolean;
}

/** Options of a `KitWire`. */
export interface KitWireOptions {
  readonly facts: VersionFacts;
  /** The role the kit plays. */
  readonly kitRole: 'csms' | 'charge-point';
  /**
   * How long the kit holds its answer to a CALL of the peer (ms). A second CALL that arrives meanwhile shows the
   * peer did not wait for the answer to its first.
   */
  readonly holdMs: number;
  /** The kit's answer to a CALL of the peer. */
  readonly answer: (action: string, payload: Record<string, unknown>) => KitAnswer;
  /** Follows ids across messages (transactions, sequence numbers). */
  readonly monitor: Monitor;
}

const ONE_OUTSTANDING = 'OCPP-J 4.1.1';
const FRAME_RULES = 'OCPP-J 4.2';

let kitIds = 0;

/** A message id for the kit's own CALLs: unique in the process. */
export function nextKitMessageId(): string {
  kitIds += 1;
  return `kit-${kitIds}`;
}

export class KitWire {
  /** Every frame, both ways, with its time from the wire's start. */
  readonly frames: FrameRecord[] = [];
  /** Every rule the peer broke, in order. */
  readonly problems: Problem[] = [];
  /** Every CALL the peer sent. */
  readonly peerCalls: PeerCall[] = [];
  readonly #connection: OcppConnection;
  readonly #options: KitWireOptions;
  readonly #peerRole: 'csms' | 'charge-point';
  readonly #started = Date.now();
  readonly #peerIds = new Set<string>();
  /** The peer's CALLs the kit has not answered yet, by message id. */
  readonly #unanswered = new Map<string, ReturnType<typeof setTimeout>>();
  /** The kit's one outstanding CALL. */
  #pending: { messageId: string; action: string; payload: object; reply?: Reply } | undefined;
  readonly #abandoned = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #closed = false;
  /** The close code, once closed. */
  closeCode: number | undefined;

  constructor(connection: OcppConnection, options: KitWireOptions) {
    this.#connection = connection;
    this.#options = options;
    this.#peerRole = options.kitRole === 'csms' ? 'charge-point' : 'csms';
    connection.on('message', (data, isBinary) => this.#received(data, isBinary));
    connection.on('close', (code) => {
      this.#closed = true;
      this.closeCode = code;
      for (const timer of this.#unanswered.values()) clearTimeout(timer);
      this.#unanswered.clear();
      this.#changed();
    });
    connection.on('error', () => {});
  }

  /** Whether the connection is still open. */
  get open(): boolean {
    return !this.#closed;
  }

  /** Milliseconds since the wire started. */
  now(): number {
    return Date.now() - this.#started;
  }

  /** Calls `listener` on every frame, problem and close, until the returned function is called. */
  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Sends a CALL; resolves with the answer, or `undefined` when the connection closed, `timeoutMs` passed or the
   * peer broke a rule meanwhile (an answer with another message id, a second CALL, …).
   */
  call(action: string, payload: object, timeoutMs: number): Promise<Reply | undefined> {
    const messageId = nextKitMessageId();
    return this.callFrame(
      JSON.stringify([MessageType.CALL, messageId, action, payload]),
      messageId,
      action,
      payload,
      timeoutMs,
    );
  }

  /** Sends a CALL frame as given (possibly a wrong one); resolves like `call`. */
  callFrame(
    text: string,
    messageId: string,
    action: string,
    payload: object,
    timeoutMs: number,
  ): Promise<Reply | undefined> {
    if (this.#pending !== undefined)
      throw new Error(`the kit already has a CALL outstanding (${this.#pending.action})`);
    const pending: { messageId: string; action: string; payload: object; reply?: Reply } = {
      messageId,
      action,
      payload,
    };
    this.#pending = pending;
    const problemsBefore = this.problems.length;
    this.#send(text);
    return new Promise((resolve) => {
      const finish = (reply: Reply | undefined) => {
        clearTimeout(timer);
        stop();
        if (this.#pending === pending) this.#pending = undefined;
        if (reply === undefined) this.#abandoned.add(messageId);
        resolve(reply);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const stop = this.watch(() => {
        if (pending.reply !== undefined) finish(pending.reply);
        else if (this.#closed || this.problems.length > problemsBefore) finish(undefined);
      });
    });
  }

  /**
   * Waits for a CALL of `action` from the peer that `where` accepts and no step took yet (one that already came
   * counts), once the kit has answered it. Resolves with it, or `undefined` when the connection closed,
   * `timeoutMs` passed or the peer broke a rule meanwhile.
   */
  takeCall(
    action: string,
    where: (payload: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<PeerCall | undefined> {
    const find = () => this.peerCalls.find((c) => !c.taken && c.answered && c.action === action && where(c.payload));
    const problemsBefore = this.problems.length;
    return new Promise((resolve) => {
      const finish = (call: PeerCall | undefined) => {
        clearTimeout(timer);
        stop();
        if (call !== undefined) call.taken = true;
        resolve(call);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const stop = this.watch(() => {
        const call = find();
        if (call !== undefined) finish(call);
        else if (this.#closed || this.problems.length > problemsBefore) finish(undefined);
      });
      const early = find();
      if (early !== undefined) finish(early);
    });
  }

  /** Closes the connection. */
  close(code = 1000): void {
    if (!this.#closed) this.#connection.close(code);
  }

  /** Sends a frame that expects no answer (a 2.1 SEND). */
  send(text: string): void {
    this.#send(text);
  }

  #send(text: string): void {
    this.frames.push({ at: this.now(), direction: 'sent', text });
    if (!this.#closed) this.#connection.send(text);
  }

  #problem(rule: string, requirement?: string): void {
    this.problems.push(requirement === undefined ? { rule } : { rule, requirement });
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #received(data: unknown, isBinary: boolean): void {
    const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
    this.frames.push({ at: this.now(), direction: 'received', text });
    if (isBinary) this.#problem('a binary frame: OCPP-J frames are text', FRAME_RULES);
    else this.#frame(text);
    this.#changed();
  }

  #frame(text: string): void {
    const frame = parseFrame(text, this.#options.facts.protocol);
    if (frame instanceof FrameFault) {
      this.#problem(`a malformed frame: ${frame.reason}`, FRAME_RULES);
      return;
    }
    switch (frame[0]) {
      case MessageType.CALL:
        this.#peerCall(frame[1], frame[2], frame[3]);
        return;
      case MessageType.SEND:
        this.#peerSend(frame[2], frame[3]);
        return;
      case MessageType.CALLRESULT:
      case MessageType.CALLERROR:
        this.#answer(frame);
        return;
      case MessageType.CALLRESULTERROR:
        this.#problem(`a CALLRESULTERROR (${frame[2]}) about one of the kit's answers, which were valid`, FRAME_RULES);
        return;
    }
  }

  #peerCall(messageId: string, action: string, payload: Record<string, unknown>): void {
    const { facts } = this.#options;
    if (this.#unanswered.size > 0) {
      this.#problem(
        `a second CALL (${action}) while an earlier CALL was still unanswered: one CALL outstanding at a time`,
        ONE_OUTSTANDING,
      );
    }
    if (this.#options.kitRole === 'csms' && this.peerCalls.length === 0 && action !== 'BootNotification') {
      this.#problem(
        `the first CALL on the connection is ${action}, not BootNotification`,
        facts.protocol === 'ocpp1.6' ? 'OCPP 1.6 4.2' : 'B01.FR.08',
      );
    }
    if (this.#peerIds.has(messageId))
      this.#problem(`the message id "${messageId}" of a ${action} CALL was used before`, 'OCPP-J 4.1.4');
    this.#peerIds.add(messageId);
    if (!maySend(facts, action, this.#peerRole)) {
      this.#problem(
        `${action} is not a CALL the ${this.#peerRole} sends in ${facts.protocol}`,
        facts.protocol === 'ocpp1.6' ? 'OCPP-J 4.2.1' : 'OCPP-J 4.1.6',
      );
    } else {
      this.#schema(`${action}Request`, payload, `${action} request`);
      for (const problem of this.#options.monitor.peerCall(action, payload)) this.problems.push(problem);
    }
    const call: PeerCall = { action, messageId, payload, taken: false, answered: false };
    this.peerCalls.push(call);
    const timer = setTimeout(() => {
      this.#unanswered.delete(messageId);
      const answer = this.#options.answer(action, payload);
      if ('payload' in answer) {
        this.#options.monitor.kitAnswer(action, payload, answer.payload);
        this.#send(JSON.stringify([MessageType.CALLRESULT, messageId, answer.payload]));
      } else {
        this.#send(JSON.stringify([MessageType.CALLERROR, messageId, answer.errorCode, answer.description, {}]));
      }
      call.answered = true;
      this.#changed();
    }, this.#options.holdMs);
    this.#unanswered.set(messageId, timer);
  }

  #peerSend(action: string, payload: Record<string, unknown>): void {
    const direction = this.#options.facts.actions[action];
    const sender = direction === 'send-cp-to-csms' ? 'charge-point' : undefined;
    if (sender !== this.#peerRole) {
      this.#problem(
        `${action} is not a SEND the ${this.#peerRole} sends in ${this.#options.facts.protocol}`,
        'OCPP-J 4.2.4',
      );
      return;
    }
    this.#schema(`${action}Request`, payload, `${action} SEND`);
  }

  #answer(frame: Frame): void {
    const messageId = frame[1];
    const pending = this.#pending;
    const kind = frame[0] === MessageType.CALLRESULT ? 'CALLRESULT' : 'CALLERROR';
    if (pending === undefined || pending.messageId !== messageId) {
      if (this.#abandoned.has(messageId)) return; // late: the step already failed on its timeout
      this.#problem(
        pending === undefined
          ? `a ${kind} with message id "${messageId}", but the kit had no CALL outstanding`
          : `a ${kind} with message id "${messageId}", but the kit's outstanding ${pending.action} CALL has id "${pending.messageId}"`,
        'OCPP-J 4.1.4',
      );
      return;
    }
    if (frame[0] === MessageType.CALLRESULT) {
      const payload = frame[2];
      this.#schema(`${pending.action}Response`, payload, `${pending.action} response`);
      for (const problem of this.#options.monitor.peerAnswer(pending.action, pending.payload, payload))
        this.problems.push(problem);
      pending.reply = { type: 'result', payload };
    } else if (frame[0] === MessageType.CALLERROR) {
      const [, , code, description] = frame;
      if (!this.#options.facts.errorCodes.includes(code)) {
        this.#problem(
          `a CALLERROR with the code "${code}", which ${this.#options.facts.protocol} does not have`,
          errorCodesSection(this.#options.facts.protocol),
        );
      }
      pending.reply = { type: 'error', code, description };
    }
  }

  #schema(name: string, payload: unknown, what: string): void {
    const validator = this.#options.facts.validators[name];
    if (validator === undefined || validator(payload)) return;
    const issue = validator.errors?.[0];
    const where = issue?.instancePath ? issue.instancePath : 'the payload';
    const detail =
      issue === undefined
        ? 'fails its schema'
        : issue.keyword === 'additionalProperties'
          ? `has the property "${String(issue.params.additionalProperty)}", which the schema does not declare`
          : issue.keyword === 'enum'
            ? `is not one of ${JSON.stringify(issue.params.allowedValues)}`
            : `fails "${issue.keyword}" ${JSON.stringify(issue.params)}`;
    this.#problem(
      `the ${what} breaks its schema: ${where} ${detail}`,
      `${this.#options.facts.protocol} JSON schema ${name}`,
    );
  }
}
