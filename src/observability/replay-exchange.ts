/**
 * The socket side of one replay: sends the charge point's frames, hands answers to whoever waits for them, and
 * answers the CSMS's CALLs from the trace, comparing each with the recorded one.
 */
import type { WebSocket } from 'ws';
import { comparePayloads, type GeneratedValue, type IgnoreRule, substituteGenerated } from './compare.ts';
import type { ExpectedCall, ReplayDifference } from './replay-types.ts';

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;

export class Exchange {
  /** CALLs of the CSMS answered from the trace. */
  answered = 0;
  readonly #socket: WebSocket;
  readonly #identity: string;
  readonly #expected: ExpectedCall[];
  readonly #rules: readonly IgnoreRule[];
  readonly #generated: GeneratedValue[];
  readonly #differences: ReplayDifference[];
  readonly #waiting = new Map<string, (answer: unknown[] | undefined) => void>();
  #closed: Error | undefined = undefined;

  constructor(
    socket: WebSocket,
    identity: string,
    expected: ExpectedCall[],
    rules: readonly IgnoreRule[],
    generated: GeneratedValue[],
    differences: ReplayDifference[],
  ) {
    this.#socket = socket;
    this.#identity = identity;
    this.#expected = expected;
    this.#rules = rules;
    this.#generated = generated;
    this.#differences = differences;
    socket.on('message', (data) => this.#received(String(data)));
    socket.on('error', () => {}); // reported through the close, or the open that fails
    socket.on('close', (code) => {
      this.#closed = new Error(`the CSMS closed the connection (${code})`);
      for (const resolve of this.#waiting.values()) resolve(undefined);
      this.#waiting.clear();
    });
  }

  /** Resolves once the connection is open; rejects when it fails or takes longer than `timeout`. */
  opened(timeout: number): Promise<void> {
    const socket = this.#socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection within ${timeout} ms`)), timeout);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        reject(new Error(`the CSMS refused the connection with HTTP ${response.statusCode}`));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  send(text: string): void {
    if (this.#closed !== undefined) throw this.#closed;
    this.#socket.send(text);
  }

  /** The CSMS's answer to `messageId`; `undefined` when none comes within `timeout` ms. */
  answerTo(messageId: string, timeout: number): Promise<unknown[] | undefined> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(messageId);
        resolve(undefined);
      }, timeout);
      this.#waiting.set(messageId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  /** Waits up to `ms` for the CSMS's CALLs of the trace that have not come yet. */
  async settled(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.#expected.some((call) => !call.matched) && Date.now() < until && this.#closed === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    const socket = this.#socket;
    if (socket.readyState === socket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === socket.CONNECTING) socket.terminate();
      else socket.close(1000);
    });
  }

  #received(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(frame) || typeof frame[1] !== 'string') return;
    if (frame[0] === CALLRESULT || frame[0] === CALLERROR) {
      this.#waiting.get(frame[1])?.(frame);
      this.#waiting.delete(frame[1]);
    } else if (frame[0] === CALL && typeof frame[2] === 'string') {
      this.#csmsCall(frame[1], frame[2], frame[3]);
    }
  }

  /** A CALL of the CSMS: compared with the first unmatched one of the trace of that action, answered as it was. */
  #csmsCall(messageId: string, action: string, payload: unknown): void {
    const identity = this.#identity;
    const call = this.#expected.find((candidate) => !candidate.matched && candidate.action === action);
    if (call === undefined) {
      this.#differences.push({ identity, action, messageId, kind: 'unexpected-call', replayed: payload });
      this.#socket.send(JSON.stringify([CALLERROR, messageId, 'NotImplemented', 'Not in the trace replayed', {}]));
      return;
    }
    call.matched = true;
    for (const difference of comparePayloads(action, call.payload, payload, this.#rules, this.#generated)) {
      this.#differences.push({ identity, action, messageId: call.messageId, kind: 'call', ...difference });
    }
    if (call.answer === undefined) return; // the trace ends before the charge point answered
    const answer = call.answer;
    const reply =
      answer[0] === CALLRESULT
        ? [CALLRESULT, messageId, substituteGenerated(answer[2], this.#generated)]
        : [CALLERROR, messageId, answer[2], answer[3], answer[4]];
    this.answered++;
    this.#socket.send(JSON.stringify(reply));
  }
}
