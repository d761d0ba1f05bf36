/**
 * The reconnect back-off of OCPP 2.x (Part 4, "Reconnecting"), used for 1.6 too, and the timer surface the client
 * schedules with (injectable for tests).
 */

/** Back-off settings in ms. The 2.x configuration variables are in seconds: multiply by 1000. */
export interface BackOffOptions {
  /** RetryBackOffWaitMinimum: the base of the first wait. Default 3 s. */
  waitMinimum?: number;
  /** RetryBackOffRandomRange: the largest random part added to every wait. Default 10 s. */
  randomRange?: number;
  /** RetryBackOffRepeatTimes: how many times the base doubles; after that the last wait repeats. Default 5. */
  repeatTimes?: number;
}

/** The defaults of `BackOffOptions`: 3 s, 10 s, 5 times. */
export const DEFAULT_BACK_OFF: Readonly<Required<BackOffOptions>> = Object.freeze({
  waitMinimum: 3_000,
  randomRange: 10_000,
  repeatTimes: 5,
});

/** What the client schedules with: `globalThis` by default. */
export interface Timers {
  /** Schedules `callback` after `ms` ms and returns a handle. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels what `setTimeout` scheduled. */
  clearTimeout(handle: unknown): void;
}

/** The global timers. */
export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The waits between reconnection attempts. Wait k (k = 0 after a drop or a first failed attempt, +1 after each
 * failed attempt): `waitMinimum × 2^k + random() × randomRange`, for k up to `repeatTimes`; after that, the wait
 * of k = repeatTimes again, unchanged. `reset()` after a successful connection.
 */
export class BackOff {
  readonly #options: Readonly<Required<BackOffOptions>>;
  readonly #random: () => number;
  #step = 0;
  #last = 0;

  /**
   * Waits by `options` (missing ones from `DEFAULT_BACK_OFF`); throws a RangeError for a negative or non-finite one.
   * @param random The source of the random part, in [0, 1). Default `Math.random`.
   */
  constructor(options: BackOffOptions = {}, random: () => number = Math.random) {
    const merged = { ...DEFAULT_BACK_OFF, ...definedOnly(options) };
    for (const [key, value] of Object.entries(merged)) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`backOff.${key} must be a number >= 0`);
    }
    if (!Number.isInteger(merged.repeatTimes)) throw new RangeError('backOff.repeatTimes must be an integer');
    this.#options = merged;
    this.#random = random;
  }

  /** The next wait in ms. */
  next(): number {
    const { waitMinimum, randomRange, repeatTimes } = this.#options;
    if (this.#step > repeatTimes) return this.#last;
    const wait = Math.round(waitMinimum * 2 ** this.#step + this.#random() * randomRange);
    this.#step++;
    this.#last = wait;
    return wait;
  }

  /** Starts over from the first wait (after a successful connection). */
  reset(): void {
    this.#step = 0;
    this.#last = 0;
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(options))
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}
