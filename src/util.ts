/** Small helpers the runtime uses in several places, each written once. */
import { type Logger, silentLogger } from './logger.ts';

/** A frozen empty object: the payload of a call without arguments, and empty error details. */
export const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

/** Whether `value` is a promise or any other thenable. */
export function isThenable<T = unknown>(value: unknown): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** What a caught value says: an Error's message, anything else as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether `text` holds a C0 control character or DEL. */
export function hasControlCharacter(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return /[\u0000-\u001f\u007f]/.test(text);
}

/**
 * `promise`, or `onTimeout()` once `ms` have passed without it settling (what `onTimeout` throws rejects).
 * The timer is cleared as soon as either happens.
 */
export function withDeadline<T, U>(promise: PromiseLike<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A logger that adds `bindings` to every record: the logger's own `child()` when it has one, a wrapper otherwise.
 * The silent logger stays itself, so that "is anybody logging" stays a cheap identity check.
 */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  if (logger === silentLogger) return logger;
  if (typeof logger.child === 'function') return logger.child(bindings);
  const wrap =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void =>
      logger[level]({ ...bindings, ...obj }, msg);
  return {
    debug: wrap('debug'),
    info: wrap('info'),
    warn: wrap('warn'),
    error: wrap('error'),
    child: (more) => childLogger(logger, { ...bindings, ...more }),
  };
}
