/** A small logger for the CLI and examples: one line per record on stderr, with the pino-compatible shape. */
import type { Logger } from './logger.ts';

/** The levels of `createConsoleLogger`, from quietest to most verbose. */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
/** A level of `createConsoleLogger`: `silent`, `error`, `warn`, `info` or `debug`. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whether a string is a `LogLevel` (for a `--log-level` flag). */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * A `Logger` that writes records at `level` and quieter to stderr, one line each:
 * `2026-01-01T00:00:00.000Z INFO  connected identity=CP-1`. An Error shows as its name and message
 * (`err=TypeError: boom`); at level `debug` its stack follows on the next lines.
 * @param bindings Fields added to every record (`child()` adds more).
 * @param write Where each line goes. Default: stderr.
 */
export function createConsoleLogger(
  level: LogLevel = 'info',
  bindings: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const rank = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel) => (obj: object, msg?: string) => {
    if (LOG_LEVELS.indexOf(at) > rank) return;
    const fields = { ...bindings, ...obj } as Record<string, unknown>;
    const stacks: string[] = [];
    const text = Object.entries(fields)
      .map(([key, value]) => {
        if (value instanceof Error && level === 'debug' && value.stack) stacks.push(value.stack);
        return `${key}=${formatValue(value)}`;
      })
      .join(' ');
    const line = `${new Date().toISOString()} ${at.toUpperCase().padEnd(5)} ${msg ?? ''}${text ? ` ${text}` : ''}`;
    write(stacks.length === 0 ? line : [line, ...stacks.map((stack) => indent(stack))].join('\n'));
  };
  return {
    error: emit('error'),
    warn: emit('warn'),
    info: emit('info'),
    debug: emit('debug'),
    child: (more) => createConsoleLogger(level, { ...bindings, ...more }, write),
    isLevelEnabled: (at) => LOG_LEVELS.indexOf(at as LogLevel) <= rank && rank > 0,
  };
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return nameAndMessage(value);
  return JSON.stringify(value, (_key, nested: unknown) => (nested instanceof Error ? nameAndMessage(nested) : nested));
}

/** `TypeError: boom`; an Error's own properties (`code`, …) are not enumerable through JSON. */
function nameAndMessage(error: Error): string {
  return error.message ? `${error.name}: ${error.message}` : error.name;
}

function indent(stack: string): string {
  return stack
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
