/**
 * Replaying a trace: the charge point's side of a recorded session played against a CSMS, frame by frame, each
 * answer compared with the recorded one. The CSMS's own CALLs are answered as the trace answered them and compared
 * too. What differs, apart from what the ignore rules allow, is the report.
 */
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  comparePayloads,
  DEFAULT_IGNORE_RULES,
  type GeneratedValue,
  type IgnoreRule,
  substituteGenerated,
} from './compare.ts';
import { Exchange } from './replay-exchange.ts';
import type { ExpectedCall, ReplayDifference } from './replay-types.ts';
import { readTrace, type TraceRecord } from './trace-record.ts';

/** Options of `replay()`. */
export interface ReplayOptions {
  /** The CSMS's WebSocket URL, without the identity (`ws://localhost:9000/ocpp`): the identity is appended. */
  csms: string;
  /** Replay only this charge point of the trace. Default: each one in the trace, one after the other. */
  identity?: string;
  /** More ignore rules, applied after `DEFAULT_IGNORE_RULES` (unless `defaultRules` is false). */
  ignore?: readonly IgnoreRule[];
  /** Start from `DEFAULT_IGNORE_RULES`. Default true. */
  defaultRules?: boolean;
  /** How long to wait for each answer and for the connection, in ms. Default 10 s. */
  timeout?: number;
  /** After the last frame, how long to wait for CALLs of the CSMS that the trace has and that did not come yet, in ms. Default 1 s. */
  settle?: number;
  /** Security profiles 1 and 2: the Basic authentication password of every charge point replayed. */
  password?: string;
  /** CA certificate(s) (PEM) that sign a `wss://` CSMS's certificate, when not a public CA. */
  ca?: string | Buffer;
  /** More HTTP headers of the handshake. */
  headers?: Record<string, string>;
}

/** The outcome of replaying one charge point's frames. */
export interface ReplayReport {
  /** The charge point's identity. */
  readonly identity: string;
  /** The subprotocol replayed. */
  readonly protocol: string;
  /** CALLs (and SENDs) of the charge point sent. */
  readonly sent: number;
  /** Answers of the CSMS compared with the trace. */
  readonly compared: number;
  /** CALLs of the CSMS answered from the trace. */
  readonly answered: number;
  /** What differed; empty when the replay is clean. */
  readonly differences: readonly ReplayDifference[];
}

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;
const SEND = 6;

/** One step of the charge point's side: a frame it sent, and the answer the trace has for it. */
interface Step {
  /** The frame: a CALL or SEND (its payload gets the generated values), or anything else, sent as it came. */
  readonly frame: unknown;
  /** The CALL's action; for a frame that is not a CALL, its third element or `(bad frame)`. */
  readonly action: string;
  /** The id its answer comes with; `undefined` when none is awaited (a SEND, a bad frame the CSMS ignored). */
  answerId: string | undefined;
  /** The recorded answer. */
  answer: unknown[] | undefined;
}

/**
 * Replays a trace (a file, a directory of a recording's files, or records) against a CSMS, one report per charge
 * point. Rejects only when the trace cannot be read; everything that goes wrong on the wire is in the reports.
 */
export async function replay(trace: string | readonly TraceRecord[], options: ReplayOptions): Promise<ReplayReport[]> {
  const records = typeof trace === 'string' ? readTrace(trace) : trace;
  const identities =
    options.identity === undefined ? [...new Set(records.map((record) => record.identity))] : [options.identity];
  const rules = [...(options.defaultRules === false ? [] : DEFAULT_IGNORE_RULES), ...(options.ignore ?? [])];
  const reports: ReplayReport[] = [];
  for (const identity of identities) {
    const own = records.filter((record) => record.identity === identity);
    if (own.length === 0) throw new Error(`the trace has no frames of ${identity}`);
    reports.push(await replayOne(identity, own, rules, options));
  }
  return reports;
}

/** Whether every report is clean. */
export function replayIsClean(reports: readonly ReplayReport[]): boolean {
  return reports.every((report) => report.differences.length === 0);
}

async function replayOne(
  identity: string,
  records: readonly TraceRecord[],
  rules: readonly IgnoreRule[],
  options: ReplayOptions,
): Promise<ReplayReport> {
  const protocol = (records[0] as TraceRecord).protocol;
  const { steps, expected } = script(records);
  const differences: ReplayDifference[] = [];
  const generated: GeneratedValue[] = [];
  const timeout = options.timeout ?? 10_000;
  const url = `${options.csms.replace(/\/+$/, '')}/${encodeURIComponent(identity)}`;
  const headers = { ...options.headers };
  if (options.password !== undefined) {
    headers.Authorization = `Basic ${Buffer.from(`${identity}:${options.password}`).toString('base64')}`;
  }
  const tls = options.ca === undefined ? {} : { ca: options.ca };
  const socket = new WebSocket(url, [protocol], { headers, handshakeTimeout: timeout, ...tls });
  const exchange = new Exchange(socket, identity, expected, rules, generated, differences);
  let sent = 0;
  let compared = 0;
  // fresh message ids: a CSMS that remembers answered ids (a repeat guard) must handle the replay anew
  const idPrefix = `replay-${randomBytes(4).toString('hex')}-`;
  try {
    await exchange.opened(timeout);
    for (const step of steps) {
      const { action, answerId: messageId } = step;
      // a frame recorded as text (one that did not parse) goes as it was: its answer carries what it carried
      const wireId = messageId !== undefined && isCallOrSend(step.frame) ? `${idPrefix}${sent}` : messageId;
      exchange.send(textOf(step.frame, generated, wireId));
      sent++;
      if (messageId === undefined || wireId === undefined) continue;
      const answer = await exchange.answerTo(wireId, timeout);
      if (answer === undefined) {
        differences.push({ identity, action, messageId, kind: 'no-answer', recorded: step.answer });
        continue;
      }
      if (step.answer === undefined) continue; // the trace ends before its answer
      compared++;
      compareAnswer(identity, action, messageId, step.answer, answer, rules, generated, differences);
    }
    await exchange.settled(options.settle ?? 1000);
  } catch (error) {
    differences.push({
      identity,
      action: '',
      messageId: '',
      kind: 'connection',
      replayed: error instanceof Error ? error.message : String(error),
    });
  } finally {
    await exchange.close();
  }
  for (const call of expected) {
    if (!call.matched) {
      differences.push({ identity, action: call.action, messageId: call.messageId, kind: 'missing-call' });
    }
  }
  return { identity, protocol, sent, compared, answered: exchange.answered, differences };
}

/**
 * The charge point's frames with their recorded answers, and the CSMS's CALLs with the charge point's answers. An
 * answer belongs to the latest CALL of its id before it (a charge point that starts its ids again after a
 * reconnect reuses them).
 */
function script(records: readonly TraceRecord[]): { steps: Step[]; expected: ExpectedCall[] } {
  const steps: Step[] = [];
  const expected: ExpectedCall[] = [];
  // the CALLs waiting for their answer, by id: the charge point's (answered "out") and the CSMS's (answered "in")
  const waiting = { out: new Map<string, { answer: unknown[] | undefined }>(), in: new Map<string, ExpectedCall>() };
  let awaitingError: { answer: unknown[] | undefined; answerId: string | undefined } | undefined;
  for (const { direction, frame } of records) {
    if (direction === 'in') awaitingError = undefined;
    if (direction === 'out' && awaitingError !== undefined) {
      // a frame that was not a CALL: the CSMS's CALLERROR to it is the next frame it sent, if it sent one
      if (Array.isArray(frame) && frame[0] === CALLERROR && typeof frame[1] === 'string') {
        awaitingError.answer = frame;
        awaitingError.answerId = frame[1];
        awaitingError = undefined;
        continue;
      }
      awaitingError = undefined;
    }
    if (isCallOrSend(frame)) {
      const [type, messageId, action] = frame;
      if (direction === 'out' && type === CALL) {
        const call: ExpectedCall = { action, messageId, payload: frame[3], answer: undefined, matched: false };
        expected.push(call);
        waiting.in.set(messageId, call);
      } else if (direction === 'in') {
        const step: Step = { frame, action, answerId: type === CALL ? messageId : undefined, answer: undefined };
        steps.push(step);
        if (type === CALL) waiting.out.set(messageId, step);
      }
    } else if (isAnswer(frame)) {
      const id = (frame as unknown[])[1] as string;
      const call = waiting[direction].get(id);
      if (call !== undefined) {
        call.answer = frame as unknown[];
        waiting[direction].delete(id);
      }
    } else if (direction === 'in') {
      const action = Array.isArray(frame) && typeof frame[2] === 'string' ? frame[2] : '(bad frame)';
      const step: Step = { frame, action, answerId: undefined, answer: undefined };
      steps.push(step);
      awaitingError = step;
    }
  }
  return { steps, expected };
}

function isCallOrSend(frame: unknown): frame is [number, string, string, unknown] {
  return (
    Array.isArray(frame) &&
    (frame[0] === CALL || frame[0] === SEND) &&
    typeof frame[1] === 'string' &&
    typeof frame[2] === 'string'
  );
}

function isAnswer(frame: unknown): boolean {
  return Array.isArray(frame) && (frame[0] === CALLRESULT || frame[0] === CALLERROR) && typeof frame[1] === 'string';
}

/** The text to send for a recorded frame: a CALL or SEND with the generated values, anything else as it came. */
/** The frame to send: generated values substituted, and the CALL's message id replaced by `wireId` if given. */
function textOf(frame: unknown, generated: readonly GeneratedValue[], wireId: string | undefined): string {
  if (typeof frame === 'string') return frame;
  if (isCallOrSend(frame)) {
    const [type, messageId, action, payload] = frame;
    return JSON.stringify([type, wireId ?? messageId, action, substituteGenerated(payload, generated)]);
  }
  return JSON.stringify(frame);
}

function compareAnswer(
  identity: string,
  action: string,
  messageId: string,
  recorded: readonly unknown[],
  replayed: readonly unknown[],
  rules: readonly IgnoreRule[],
  generated: GeneratedValue[],
  out: ReplayDifference[],
): void {
  if (recorded[0] !== replayed[0]) {
    out.push({ identity, action, messageId, kind: 'answer', path: '', recorded, replayed });
  } else if (recorded[0] === CALLERROR) {
    if (recorded[2] !== replayed[2]) {
      out.push({ identity, action, messageId, kind: 'error', recorded: recorded[2], replayed: replayed[2] });
    }
  } else {
    for (const difference of comparePayloads(action, recorded[2], replayed[2], rules, generated)) {
      out.push({ identity, action, messageId, kind: 'answer', ...difference });
    }
  }
}
