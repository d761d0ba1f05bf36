/** Runs the steps of one case on a wire and returns the problems its own checks found. */
import { MessageType } from '../framing.ts';
import type { CaseContext, Check, ConformanceCase, Problem, Step } from './types.ts';
import { errorCodesSection } from './versions.ts';
import { type KitWire, nextKitMessageId } from './wire.ts';

function problemsOf(checks: readonly Check[], payload: Record<string, unknown>, context: CaseContext): Problem[] {
  const out: Problem[] = [];
  for (const check of checks) {
    const found = check(payload, context);
    for (const item of Array.isArray(found) ? found : [found]) {
      if (item === undefined) continue;
      out.push(typeof item === 'string' ? { rule: item } : (item as Problem));
    }
  }
  return out;
}

/** The problems that only say a wait ended: dropped when the wire saw the rule that cut the wait short. */
const waits = new WeakSet<Problem>();

function noAnswer(wire: KitWire, what: string, timeout: number): Problem {
  const problem: Problem = wire.open
    ? { rule: `${what} within the case's timeout of ${timeout} ms` }
    : { rule: `the connection closed (code ${String(wire.closeCode)}) before ${what}` };
  waits.add(problem);
  return problem;
}

/** Gives the wire of the peer's next connection (after it reconnected), or undefined. */
export type Reconnect = (timeoutMs: number) => Promise<KitWire | undefined>;

async function runStepChecked(
  step: Step,
  wire: KitWire,
  context: CaseContext,
  timeout: number,
  peer: string,
  reconnect: Reconnect | undefined,
): Promise<Problem[]> {
  const before = wire.problems.length;
  const problems = await runStep(step, wire, context, timeout, peer, reconnect);
  // when the wire saw the peer break a rule, that rule is the finding, not the wait it cut short
  return wire.problems.length > before ? problems.filter((p) => !waits.has(p)) : problems;
}

async function runStep(
  step: Step,
  wire: KitWire,
  context: CaseContext,
  timeout: number,
  peer: string,
  reconnect: Reconnect | undefined,
): Promise<Problem[]> {
  switch (step.kind) {
    case 'call': {
      const payload = typeof step.payload === 'function' ? step.payload(context) : step.payload;
      const reply = await wire.call(step.action, payload, timeout);
      if (reply === undefined) return [noAnswer(wire, `no answer to the kit's ${step.action}`, timeout)];
      if (reply.type === 'error') {
        return [
          {
            rule: `${step.action} was answered with a CALLERROR (${reply.code}: ${reply.description}); the ${peer} must handle it`,
            requirement: errorCodesSection(context.protocol),
          },
        ];
      }
      return problemsOf(step.checks, reply.payload, context);
    }
    case 'refuse': {
      const messageId = nextKitMessageId();
      const reply = await wire.callFrame(step.frame(messageId), messageId, '(refused)', {}, timeout);
      if (reply === undefined) return [noAnswer(wire, 'no CALLERROR for a frame that must be refused', timeout)];
      const requirement = step.requirement ?? errorCodesSection(context.protocol);
      if (reply.type === 'result')
        return [{ rule: 'a CALLRESULT for a frame that must be refused with a CALLERROR', requirement }];
      if (step.codes.length > 0 && !step.codes.includes(reply.code)) {
        return [{ rule: `the CALLERROR code is ${reply.code}; expected ${step.codes.join(' or ')}`, requirement }];
      }
      return [];
    }
    case 'await': {
      const where = step.where;
      const accepts = where === undefined ? () => true : (p: Record<string, unknown>) => where(p, context);
      const deadline = Date.now() + timeout;
      let found = await wire.takeCall(step.action, accepts, timeout);
      // the peer may come back on a new connection (after a reset): the CALL may arrive there, and what the
      // peer did wrong on it so far belongs to this case
      let onNext: Problem[] = [];
      if (found === undefined && !wire.open && reconnect !== undefined) {
        const next = await reconnect(Math.max(0, deadline - Date.now()));
        if (next !== undefined) {
          found = await next.takeCall(step.action, accepts, Math.max(0, deadline - Date.now()));
          onNext = [...next.problems];
        }
      }
      if (found === undefined) return [...onNext, noAnswer(wire, `no ${step.action} from the ${peer}`, timeout)];
      return [...onNext, ...problemsOf(step.checks, found.payload, context)];
    }
    case 'send': {
      const payload = typeof step.payload === 'function' ? step.payload(context) : step.payload;
      wire.send(JSON.stringify([MessageType.SEND, nextKitMessageId(), step.action, payload]));
      return [];
    }
    case 'pause':
      await new Promise((resolve) => setTimeout(resolve, step.ms));
      return [];
  }
}

/** Runs `testCase` on `wire`; stops at the first step that finds a problem (its own or one the wire found). */
export async function runSteps(
  testCase: ConformanceCase,
  wire: KitWire,
  context: CaseContext,
  timeout: number,
  peer: string,
  reconnect?: Reconnect,
): Promise<Problem[]> {
  const problemsBefore = wire.problems.length;
  for (const step of testCase.steps) {
    const problems = await runStepChecked(step, wire, context, testCase.timeout ?? timeout, peer, reconnect);
    if (problems.length > 0 || wire.problems.length > problemsBefore) return problems;
  }
  return [];
}

/** A CALL frame as text (for `refuse` steps that need a well-formed one). */
export function callText(messageId: string, action: string, payload: unknown): string {
  return JSON.stringify([MessageType.CALL, messageId, action, payload]);
}
