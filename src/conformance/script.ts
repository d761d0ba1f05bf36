/**
 * The words cases are written in: steps (`call`, `refuse`, `expectCall`, `pause`) and the shared checks of
 * payloads (allowed values, required fields, timing, ids kept and matched). Every frame's schema, message ids,
 * one outstanding CALL and transaction continuity are checked by the wire for every case; these add each use
 * case's own rules.
 */
import type {
  AwaitStep,
  CallStep,
  CaseContext,
  Check,
  PauseStep,
  PayloadSource,
  RefuseStep,
  SendStep,
} from './types.ts';

type Payload = Readonly<Record<string, unknown>>;

/** The value at a dotted path (`idTagInfo.status`, `getVariableResult.0.attributeStatus`). */
export function valueAt(payload: unknown, path: string): unknown {
  let value = payload;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The kit sends a CALL of `action`; the answer must be a CALLRESULT that passes `checks`. */
export function call(action: string, payload: PayloadSource, ...checks: Check[]): CallStep {
  return { kind: 'call', action, payload, checks };
}

/** The kit sends `frame` (made with the message id); the peer must answer a CALLERROR with one of `codes`. */
export function refuse(
  frame: (messageId: string) => string,
  codes: readonly string[],
  requirement?: string,
): RefuseStep {
  return requirement === undefined ? { kind: 'refuse', frame, codes } : { kind: 'refuse', frame, codes, requirement };
}

/** The peer must send a CALL of `action` that `where` accepts; it must pass `checks`. */
export function expectCall(
  action: string,
  where: ((payload: Payload, context: CaseContext) => boolean) | undefined,
  ...checks: Check[]
): AwaitStep {
  return where === undefined ? { kind: 'await', action, checks } : { kind: 'await', action, where, checks };
}

/** The kit sends a SEND (2.1) of `action`; the peer must not answer it. */
export function send(action: string, payload: PayloadSource): SendStep {
  return { kind: 'send', action, payload };
}

/** Wait `ms`. */
export function pause(ms: number): PauseStep {
  return { kind: 'pause', ms };
}

/** The value at `path` must be one of `values`. */
export function oneOf(path: string, values: readonly unknown[], requirement?: string): Check {
  return (payload) => {
    const value = valueAt(payload, path);
    if (values.includes(value)) return undefined;
    const rule = `${path} is ${JSON.stringify(value)}; allowed here: ${values.map((v) => JSON.stringify(v)).join(', ')}`;
    return requirement === undefined ? rule : { rule, requirement };
  };
}

/** The value at `path` must be present. */
export function present(path: string, requirement?: string): Check {
  return (payload) => {
    if (valueAt(payload, path) !== undefined) return undefined;
    const rule = `${path} is missing`;
    return requirement === undefined ? rule : { rule, requirement };
  };
}

/** The timestamp at `path` must be within `seconds` of the kit's clock. */
export function recent(path: string, seconds: number, requirement?: string): Check {
  return (payload) => {
    const value = valueAt(payload, path);
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    const off = Math.abs(time - Date.now()) / 1000;
    if (off <= seconds) return undefined;
    const rule = Number.isNaN(time)
      ? `${path} is not a time`
      : `${path} is ${Math.round(off)} s away from the current time (at most ${seconds} s allowed)`;
    return requirement === undefined ? rule : { rule, requirement };
  };
}

/** Keeps the value at `path` as `name` for later steps (always holds). */
export function keep(path: string, name: string): Check {
  return (payload, context) => {
    context.vars.set(name, valueAt(payload, path));
    return undefined;
  };
}

/** The value at `path` must equal the one kept as `name`. */
export function same(path: string, name: string, requirement?: string): Check {
  return (payload, context) => {
    const value = valueAt(payload, path);
    const expected = context.vars.get(name);
    if (value === expected) return undefined;
    const rule = `${path} is ${JSON.stringify(value)}, but must be ${JSON.stringify(expected)} (the ${name} of this exchange)`;
    return requirement === undefined ? rule : { rule, requirement };
  };
}

/** A rule of its own: `holds` says whether the payload keeps it. */
export function rule(
  text: string,
  holds: (payload: Payload, context: CaseContext) => boolean,
  requirement?: string,
): Check {
  return (payload, context) => {
    if (holds(payload, context)) return undefined;
    return requirement === undefined ? text : { rule: text, requirement };
  };
}

/** A time `seconds` from now, as OCPP writes it. */
export function isoIn(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/** The current time, as OCPP writes it. */
export function isoNow(): string {
  return new Date().toISOString();
}
