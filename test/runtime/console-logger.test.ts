/** The CLI's console logger: one line per record, and errors shown by name and message (the stack at debug). */
import { describe, expect, test } from 'vitest';
import { createConsoleLogger, type LogLevel } from '../../src/console-logger.ts';
import { ChargePoint } from '../../src/v16/index.ts';
import { rawPair } from './helpers.ts';

function capture(level: LogLevel) {
  const lines: string[] = [];
  return { lines, logger: createConsoleLogger(level, {}, (line) => lines.push(line)) };
}

describe('createConsoleLogger', () => {
  test('an Error field shows its name and message at every level, without the stack', () => {
    for (const level of ['error', 'warn', 'info'] as const) {
      const { lines, logger } = capture(level);
      logger.error({ err: new TypeError('boom'), identity: 'CP-X' }, 'handler failed');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/ERROR handler failed err=TypeError: boom identity=CP-X$/);
      expect(lines[0]).not.toContain('    at ');
    }
  });

  test('at debug the stack follows the line, indented', () => {
    const { lines, logger } = capture('debug');
    const error = new RangeError('out of range');
    logger.warn({ err: error }, 'failed');
    const [record] = lines;
    const [first, ...rest] = (record ?? '').split('\n');
    expect(first).toMatch(/WARN {2}failed err=RangeError: out of range$/);
    expect(rest.length).toBeGreaterThan(1);
    expect(rest[0]).toBe('    RangeError: out of range');
    expect(rest.every((line) => line.startsWith('    '))).toBe(true);
  });

  test('an Error inside an object is shown by name and message too', () => {
    const { lines, logger } = capture('info');
    logger.info({ detail: { cause: new Error('inner') } }, 'nested');
    expect(lines[0]).toContain('detail={"cause":"Error: inner"}');
  });

  test('a handler that throws is logged with its message', async () => {
    const { lines, logger } = capture('info');
    class Csms extends ChargePoint {
      onHeartbeat(): never {
        throw new Error('database unreachable');
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    new Csms('CP-X', connection, { logger });
    expect((await peer.exchange([2, 'h1', 'Heartbeat', {}])).slice(0, 3)).toEqual([4, 'h1', 'InternalError']);
    const failure = lines.find((line) => line.includes('handler failed'));
    expect(failure).toContain('err=Error: database unreachable');
    expect(failure).toContain('identity=CP-X');
  });
});
