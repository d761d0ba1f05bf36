/** What both sides' runners share: choosing cases, the context of a case, turning a case's run into a result. */
import type { Subprotocol } from '../protocol.ts';
import type { CaseContext, CaseResult, ConformanceCase, Problem } from './types.ts';
import type { KitWire } from './wire.ts';

/** Options both sides take. Times in ms. */
export interface CommonRunOptions {
  /** The version to test. */
  readonly protocol: Subprotocol;
  /** Run only the cases whose id starts with one of these, or whose use case is one of these (`E02`, `C-E`). */
  readonly only?: readonly string[];
  /** The longest wait for any one answer or CALL of the peer, unless a case states its own. Default 10 000. */
  readonly timeout?: number;
  /** How long the kit holds its answer to a CALL of the peer, to see a second CALL sent without waiting. Default 50. */
  readonly holdMs?: number;
  /** The id tag / id token the kit presents. Default `OCPPKIT-TAG-1`. */
  readonly idTag?: string;
  /** Stop at the first failed case; the rest are reported skipped. Default `false`. */
  readonly bail?: boolean;
  /** Called when a case starts. */
  readonly onCaseStart?: (testCase: ConformanceCase, index: number, total: number) => void;
  /** Called with each case's result as it finishes. */
  readonly onCaseEnd?: (result: CaseResult, index: number, total: number) => void;
}

export const DEFAULT_TIMEOUT = 10_000;
export const DEFAULT_HOLD_MS = 50;
export const DEFAULT_ID_TAG = 'OCPPKIT-TAG-1';

/** The cases `only` selects (all without it); throws when it selects none. */
export function selectCases(cases: readonly ConformanceCase[], only: readonly string[] | undefined): ConformanceCase[] {
  if (only === undefined || only.length === 0) return [...cases];
  const chosen = cases.filter((c) => only.some((f) => c.id === f || c.id.startsWith(f) || c.useCase === f));
  if (chosen.length === 0) throw new RangeError(`--only ${only.join(',')} selects none of the ${cases.length} cases`);
  return chosen;
}

/** A counter for ids the kit makes up, starting somewhere new in each run. */
export function uniqueCounter(): () => number {
  let next = (Date.now() % 100_000) * 10;
  return () => {
    next += 1;
    return next;
  };
}

/** A fresh context for one case. */
export function caseContext(protocol: Subprotocol, identity: string, idTag: string, unique: () => number): CaseContext {
  return { protocol, identity, idTag, vars: new Map(), unique };
}

/** What every result of a case repeats of the case: its id, title, block and citations. */
function citationOf(testCase: ConformanceCase) {
  return {
    id: testCase.id,
    title: testCase.title,
    block: testCase.block,
    useCase: testCase.useCase,
    requirements: testCase.requirements ?? [],
  };
}

/** The result of a case not run because an earlier one failed and the run bails. */
export function skippedResult(testCase: ConformanceCase): CaseResult {
  return {
    ...citationOf(testCase),
    verdict: 'skipped',
    problems: [],
    frames: [],
    durationMs: 0,
    skipReason: 'an earlier case failed (bail)',
  };
}

/** The result of a case that ran on `wire` from frame `frameStart` and problem `problemStart` on. */
export function resultOf(
  testCase: ConformanceCase,
  started: number,
  own: readonly Problem[],
  wire: KitWire | undefined,
  frameStart: number,
  problemStart: number,
): CaseResult {
  const frames = wire === undefined ? [] : wire.frames.slice(frameStart);
  const base = frames[0]?.at ?? 0;
  const problems = [...(wire === undefined ? [] : wire.problems.slice(problemStart)), ...own];
  return {
    ...citationOf(testCase),
    verdict: problems.length === 0 ? 'passed' : 'failed',
    problems,
    frames: frames.map((f) => ({ ...f, at: f.at - base })),
    durationMs: Date.now() - started,
  };
}
