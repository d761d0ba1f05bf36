/** The logger ocppkit writes to: the shape of pino (and of most structured loggers). Silent by default. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** When present, each connection logs through `child({ identity })`. */
  child?(bindings: Record<string, unknown>): Logger;
  /** When present, ocppkit asks it once per connection whether to build its per-frame debug records. */
  isLevelEnabled?(level: string): boolean;
}

function noop(): void {}

/** Logs nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
