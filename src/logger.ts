/** The logger ocppkit writes to: the shape of pino (and of most structured loggers). Silent by default. */
export interface Logger {
  /** Every frame sent and received, connection attempts and other detail. */
  debug(obj: object, msg?: string): void;
  /** Connections opened and closed, reconnects scheduled, cluster nodes started and closed. */
  info(obj: object, msg?: string): void;
  /** A peer's mistake, a message dropped or not sent, a limit reached. */
  warn(obj: object, msg?: string): void;
  /** A handler or listener that failed, a response that could not be sent. */
  error(obj: object, msg?: string): void;
  /** When present, each connection logs through `child({ identity })`. */
  child?(bindings: Record<string, unknown>): Logger;
  /** When present, ocppkit asks it once per connection whether to build its per-frame debug records. */
  isLevelEnabled?(level: string): boolean;
}

function noop(): void {}

/** Logs nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
