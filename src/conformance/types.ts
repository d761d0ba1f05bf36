/**
 * The shapes of the conformance kit: a case is data (an id, its block, the use case and requirements it checks,
 * a timeout and a script of steps); the runner plays the other side and reports what it found.
 */
import type { Subprotocol } from '../protocol.ts';

/** The side under test: `csms` (the kit plays a charge point) or `charge-point` (the kit plays the CSMS). */
export type SideUnderTest = 'csms' | 'charge-point';

/** A broken rule: what the peer did wrong, and the requirement it comes from when the specification names one. */
export interface Problem {
  /** The rule broken, in words. */
  readonly rule: string;
  /** The requirement id (`E01.FR.08`) or section (`OCPP-J 4.1.1`) the rule comes from, when there is one. */
  readonly requirement?: string;
}

/** One frame of a case, as it went over the wire. */
export interface FrameRecord {
  /** Milliseconds since the case started. */
  readonly at: number;
  /** `sent` by the kit or `received` from the peer under test. */
  readonly direction: 'sent' | 'received';
  /** The frame's text. */
  readonly text: string;
}

/** What a case's steps and checks can read and keep. */
export interface CaseContext {
  /** The version the case runs on. */
  readonly protocol: Subprotocol;
  /** The charge point's identity on this connection. */
  readonly identity: string;
  /** Values kept between the steps of one case (a transaction id, a request id, …). */
  readonly vars: Map<string, unknown>;
  /** The id tag / id token the kit presents. */
  readonly idTag: string;
  /** A number unique in this run, for ids the kit makes up (transaction ids, request ids, reservation ids). */
  unique(): number;
}

/** A check of a payload: a problem (or its rule as a string), several, or nothing when it holds. */
export type Check = (
  payload: Readonly<Record<string, unknown>>,
  context: CaseContext,
) => Problem | string | undefined | readonly (Problem | string | undefined)[];

/** A payload, or a function of the case's context that makes one. */
export type PayloadSource = object | ((context: CaseContext) => object);

/** The kit sends a CALL and expects a CALLRESULT that passes the checks. */
export interface CallStep {
  /** The step's kind. */
  readonly kind: 'call';
  /** The action of the CALL. */
  readonly action: string;
  /** Its payload. */
  readonly payload: PayloadSource;
  /** The checks the answer's payload must pass. */
  readonly checks: readonly Check[];
}

/** The kit sends a frame the peer must refuse, and expects a CALLERROR with one of `codes`. */
export interface RefuseStep {
  /** The step's kind. */
  readonly kind: 'refuse';
  /** The frame's text, made with the message id the kit chose. */
  readonly frame: (messageId: string) => string;
  /** The error codes that are right; empty: any code of the version. */
  readonly codes: readonly string[];
  /** The section the rule comes from. Default: where OCPP-J lists its error codes (1.6: 4.2.3, 2.x: 4.3). */
  readonly requirement?: string;
}

/** The peer must send a CALL of `action` (matching `where`) within the case's timeout; the kit answers it. */
export interface AwaitStep {
  /** The step's kind. */
  readonly kind: 'await';
  /** The action of the CALL the peer must send. */
  readonly action: string;
  /** Which of the peer's CALLs of that action this step waits for; others are answered and kept. */
  readonly where?: (payload: Readonly<Record<string, unknown>>, context: CaseContext) => boolean;
  /** The checks its payload must pass. */
  readonly checks: readonly Check[];
}

/** The kit sends a SEND (2.1, unconfirmed); the peer must not answer it. */
export interface SendStep {
  /** The step's kind. */
  readonly kind: 'send';
  /** The action of the SEND. */
  readonly action: string;
  /** Its payload. */
  readonly payload: PayloadSource;
}

/** Nothing happens for a while (the peer may still send; its frames are checked). */
export interface PauseStep {
  /** The step's kind. */
  readonly kind: 'pause';
  /** How long, in ms. */
  readonly ms: number;
}

/** One step of a case's script. */
export type Step = CallStep | RefuseStep | AwaitStep | SendStep | PauseStep;

/** How the kit answers one of the peer's CALLs during a case: a payload, or a function of the request. */
export type Answer = (request: Readonly<Record<string, unknown>>, context: CaseContext) => object;

/** One conformance case. */
export interface ConformanceCase {
  /** Unique in its version and side, e.g. `CSMS-E-03`. */
  readonly id: string;
  /** What the case does, in one line. */
  readonly title: string;
  /** The functional block (2.x: `E Transactions`) or profile (1.6: `Core`) it belongs to. */
  readonly block: string;
  /** The use case it follows (2.x: `E02`; 1.6: the specification's section, `4.2`). */
  readonly useCase: string;
  /** Requirement ids the checks of this case come from. */
  readonly requirements?: readonly string[];
  /** Most milliseconds the kit waits for any one answer or CALL of the peer. Default: the run's timeout. */
  readonly timeout?: number;
  /** CSMS side: run on a new connection, without the kit's BootNotification first. */
  readonly fresh?: boolean;
  /** How the kit answers the peer's CALLs of these actions during this case, instead of its default answer. */
  readonly answers?: Readonly<Record<string, Answer>>;
  /** The script: what the kit sends and what it expects, in order. */
  readonly steps: readonly Step[];
}

/** A case's outcome. */
export type Verdict = 'passed' | 'failed' | 'skipped';

/** What one case found. */
export interface CaseResult {
  /** The case's id. */
  readonly id: string;
  /** The case's title. */
  readonly title: string;
  /** Its block or profile. */
  readonly block: string;
  /** The use case it follows. */
  readonly useCase: string;
  /** The requirement ids it checks. */
  readonly requirements: readonly string[];
  /** Passed, failed or skipped. */
  readonly verdict: Verdict;
  /** The rules broken (empty when passed). */
  readonly problems: readonly Problem[];
  /** Every frame exchanged during the case. */
  readonly frames: readonly FrameRecord[];
  /** Run time in ms. */
  readonly durationMs: number;
  /** Why it was skipped. */
  readonly skipReason?: string;
}

/** What a whole run found. */
export interface RunResult {
  /** The side that was tested. */
  readonly side: SideUnderTest;
  /** The version. */
  readonly protocol: Subprotocol;
  /** Each case's result, in the order they ran. */
  readonly results: readonly CaseResult[];
  /** Run time in ms. */
  readonly durationMs: number;
  /** True when no case failed. */
  readonly passed: boolean;
}
