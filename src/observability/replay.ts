/**
 * Replaying a trace: the charge point's side of a recorded session played against a CSMS, frame by frame, each
 * answer compared with the recorded one. The CSMS's own CALLs are answered as the trace answered them and compared
 * too. What differs, apart from what the ignore rules allow, is the report.
 */
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
  /** HTTP headers of the handshake (`Authorization` for a CSMS with Basic authentication). */
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
  readonly frame: unknown[];
  readonly answer: unknown[] | undefined;
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
    const own = records.filter((record) => record.identity === identity && Array.isArray(record.frame));
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
  const socket = new WebSocket(url, [protocol], { headers: options.headers ?? {}, handshakeTimeout: timeout });
  const exchange = new Exchange(socket, identity, expected, rules, generated, differences);
  let sent = 0;
  let compared = 0;
  try {
    await exchange.opened(timeout);
    for (const step of steps) {
      const [type, messageId, action, payload] = step.frame as [number, string, string, unknown];
      exchange.send([type, messageId, action, substituteGenerated(payload, generated)]);
      sent++;
      if (type === SEND) continue;
      const answer = await exchange.answerTo(messageId, timeout);
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

/** The charge point's frames with their recorded answers, and the CSMS's CALLs with the charge point's answers. */
function script(records: readonly TraceRecord[]): { steps: Step[]; expected: ExpectedCall[] } {
  const answers = { in: new Map<string, unknown[]>(), out: new Map<string, unknown[]>() };
  for (const { direction, frame } of records) {
    const f = frame as unknown[];
    if ((f[0] === CALLRESULT || f[0] === CALLERROR) && typeof f[1] === 'string' && !answers[direction].has(f[1])) {
      answers[direction].set(f[1], f);
    }
  }
  const steps: Step[] = [];
  const expected: ExpectedCall[] = [];
  for (const { direction, frame } of records) {
    const f = frame as unknown[];
    if (typeof f[1] !== 'string' || typeof f[2] !== 'string') continue;
    if (direction === 'in' && (f[0] === CALL || f[0] === SEND)) {
      steps.push({ frame: f, answer: f[0] === CALL ? answers.out.get(f[1]) : undefined });
    } else if (direction === 'out' && f[0] === CALL) {
      expected.push({ action: f[2], messageId: f[1], payload: f[3], answer: answers.in.get(f[1]), matched: false });
    }
  }
  return { steps, expected };
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
