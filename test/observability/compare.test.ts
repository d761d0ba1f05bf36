/** The comparison behind replay: paths with `*` and `**`, the default ignore rules, generated values carried on. */
import { describe, expect, it } from 'vitest';
import {
  comparePayloads,
  DEFAULT_IGNORE_RULES,
  type GeneratedValue,
  parseIgnoreRule,
  pathMatches,
  substituteGenerated,
} from '../../src/observability/compare.ts';

describe('pathMatches', () => {
  it.each([
    ['status', ['idTagInfo', 'status'], true],
    ['idTagInfo.status', ['idTagInfo', 'status'], true],
    ['idTagInfo.status', ['status'], false],
    ['*.status', ['idTagInfo', 'status'], true],
    ['*.status', ['a', 'b', 'status'], false],
    ['**.status', ['a', 'b', 'status'], true],
    ['meterValue.*.timestamp', ['meterValue', '0', 'timestamp'], true],
    ['meterValue.**', ['meterValue', '0', 'sampledValue', '1', 'value'], true],
    ['a.b', ['a', 'c'], false],
  ])('%s names %j: %s', (pattern, path, expected) => {
    expect(pathMatches(pattern.split('.'), path)).toBe(expected);
  });
});

describe('comparePayloads', () => {
  it('lists every differing leaf by path, absent values as undefined', () => {
    expect(comparePayloads('X', { a: 1, b: { c: [1, 2] }, d: 'x' }, { a: 1, b: { c: [1, 3] }, e: true }, [])).toEqual([
      { path: 'b.c.1', recorded: 2, replayed: 3 },
      { path: 'd', recorded: 'x', replayed: undefined },
      { path: 'e', recorded: undefined, replayed: true },
    ]);
  });

  it('ignores date-times and generated ids by default, and keeps the generated value', () => {
    const generated: GeneratedValue[] = [];
    const recorded = { transactionId: 1, idTagInfo: { status: 'Accepted', expiryDate: '2026-01-01T00:00:00Z' } };
    const replayed = { transactionId: 7, idTagInfo: { status: 'Accepted', expiryDate: '2026-12-07T10:11:12.345Z' } };
    expect(comparePayloads('StartTransaction', recorded, replayed, DEFAULT_IGNORE_RULES, generated)).toEqual([]);
    expect(generated).toEqual([{ key: 'transactionId', recorded: 1, replayed: 7 }]);
    // the transaction id rule is StartTransaction's only
    expect(comparePayloads('Other', recorded, replayed, DEFAULT_IGNORE_RULES)).toEqual([
      { path: 'transactionId', recorded: 1, replayed: 7 },
    ]);
  });

  it('compares a date-time with a value that is not one', () => {
    expect(comparePayloads('X', { t: '2026-01-01T00:00:00Z' }, { t: 'soon' }, DEFAULT_IGNORE_RULES)).toHaveLength(1);
  });
});

describe('substituteGenerated', () => {
  it('replaces a recorded value only in fields of its name', () => {
    const generated = [{ key: 'transactionId', recorded: 1, replayed: 7 }];
    expect(
      substituteGenerated({ connectorId: 1, transactionId: 1, nested: [{ transactionId: 1 }] }, generated),
    ).toEqual({
      connectorId: 1,
      transactionId: 7,
      nested: [{ transactionId: 7 }],
    });
  });
});

describe('parseIgnoreRule', () => {
  it('reads path, Action:path and dateTimes, and refuses an empty part', () => {
    expect(parseIgnoreRule('currentTime')).toEqual({ path: 'currentTime' });
    expect(parseIgnoreRule('Authorize:idTagInfo.status')).toEqual({ action: 'Authorize', path: 'idTagInfo.status' });
    expect(parseIgnoreRule('dateTimes')).toEqual({ dateTimes: true });
    expect(() => parseIgnoreRule('Authorize:')).toThrow(/Action:path/);
    expect(() => parseIgnoreRule(':x')).toThrow(/Action:path/);
  });
});
