/**
 * Comparing a replayed answer with the recorded one: a walk over both JSON values that lists every path where they
 * differ, except where an ignore rule says the difference is legitimate (timestamps, ids the CSMS generates).
 */

/**
 * A difference that does not count. `path` names a field by its keys from the payload's root, dot-separated, with
 * `*` for any one key or index and `**` for any number of them (`currentTime`, `idTagInfo.expiryDate`,
 * `**.timestamp`). `action` limits the rule to one action's payloads. `dateTimes: true` instead ignores every pair
 * of values that are both date-times.
 */
export interface IgnoreRule {
  /** Only for this action's payloads. Default: every action. */
  readonly action?: string;
  /** The field(s), as a dotted path with `*` and `**`. */
  readonly path?: string;
  /** Ignore any two differing values that are both RFC 3339 date-times, wherever they are. */
  readonly dateTimes?: boolean;
  /**
   * The CSMS generates this value (a transaction id): the replay also puts the new value in place of the recorded
   * one in the frames it sends after, so a later `StopTransaction` names the transaction the CSMS knows.
   */
  readonly generated?: boolean;
}

/**
 * The rules every replay starts with: date-times anywhere; the transaction id a 1.6 CSMS gives in its
 * StartTransaction answer; the `requestId` a 2.x CSMS chooses for its requests.
 */
export const DEFAULT_IGNORE_RULES: readonly IgnoreRule[] = [
  { dateTimes: true },
  { action: 'StartTransaction', path: 'transactionId', generated: true },
  { path: 'requestId', generated: true },
];

/** One place where the replayed value differs from the recorded one. */
export interface ValueDifference {
  /** Dotted path from the payload's root (`''` for the payload itself). */
  readonly path: string;
  /** The recorded value (`undefined`: absent). */
  readonly recorded: unknown;
  /** The value the replay got (`undefined`: absent). */
  readonly replayed: unknown;
}

/** A generated value that differed: the replay sends `replayed` where the trace has `recorded` at `key`. */
export interface GeneratedValue {
  /** The field's name (the last key of its path). */
  readonly key: string;
  readonly recorded: unknown;
  readonly replayed: unknown;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** The differences between two payloads of `action`, the ignored ones left out; generated ones go to `generated`. */
export function comparePayloads(
  action: string,
  recorded: unknown,
  replayed: unknown,
  rules: readonly IgnoreRule[],
  generated: GeneratedValue[] = [],
): ValueDifference[] {
  const applicable = rules.filter((rule) => rule.action === undefined || rule.action === action);
  const differences: ValueDifference[] = [];
  walk([], recorded, replayed, applicable, differences, generated);
  return differences;
}

function walk(
  path: string[],
  recorded: unknown,
  replayed: unknown,
  rules: readonly IgnoreRule[],
  out: ValueDifference[],
  generated: GeneratedValue[],
): void {
  if (Object.is(recorded, replayed)) return;
  if (isContainer(recorded) && isContainer(replayed) && Array.isArray(recorded) === Array.isArray(replayed)) {
    const keys = new Set([...Object.keys(recorded), ...Object.keys(replayed)]);
    for (const key of keys) {
      walk(
        [...path, key],
        (recorded as Record<string, unknown>)[key],
        (replayed as Record<string, unknown>)[key],
        rules,
        out,
        generated,
      );
    }
    return;
  }
  for (const rule of rules) {
    if (rule.dateTimes === true && isDateTime(recorded) && isDateTime(replayed)) return;
    if (rule.path !== undefined && pathMatches(rule.path.split('.'), path)) {
      if (rule.generated === true && recorded !== undefined && replayed !== undefined) {
        generated.push({ key: path.at(-1) ?? '', recorded, replayed });
      }
      return;
    }
  }
  out.push({ path: path.join('.'), recorded, replayed });
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function isDateTime(value: unknown): boolean {
  return typeof value === 'string' && DATE_TIME.test(value);
}

/** Whether a rule's path (split on dots) names `path`; a path without dots also matches that key at any depth. */
export function pathMatches(pattern: readonly string[], path: readonly string[]): boolean {
  if (pattern.length === 1 && pattern[0] !== '*' && pattern[0] !== '**') return path.at(-1) === pattern[0];
  return matchFrom(pattern, 0, path, 0);
}

function matchFrom(pattern: readonly string[], p: number, path: readonly string[], i: number): boolean {
  if (p === pattern.length) return i === path.length;
  const part = pattern[p];
  if (part === '**') {
    for (let skip = i; skip <= path.length; skip++) if (matchFrom(pattern, p + 1, path, skip)) return true;
    return false;
  }
  if (i === path.length) return false;
  return (part === '*' || part === path[i]) && matchFrom(pattern, p + 1, path, i + 1);
}

/** `value` (a deep copy) with each recorded generated value, in a field of its name, replaced by the replayed one. */
export function substituteGenerated(value: unknown, generated: readonly GeneratedValue[], key = ''): unknown {
  if (generated.length === 0) return value;
  for (const g of generated) if (g.key === key && Object.is(value, g.recorded)) return g.replayed;
  if (Array.isArray(value)) return value.map((item) => substituteGenerated(item, generated, key));
  if (isContainer(value)) {
    const copy: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) copy[name] = substituteGenerated(item, generated, name);
    return copy;
  }
  return value;
}

/** A rule from its command-line form: `path`, `Action:path`, or `dateTimes`. */
export function parseIgnoreRule(text: string): IgnoreRule {
  if (text === 'dateTimes') return { dateTimes: true };
  const colon = text.indexOf(':');
  const action = colon < 0 ? undefined : text.slice(0, colon);
  const path = colon < 0 ? text : text.slice(colon + 1);
  if (path === '' || action === '') throw new Error(`ignore rule "${text}": write path, Action:path or dateTimes`);
  return action === undefined ? { path } : { action, path };
}
