/** What every virtual charge point of a simulation shares: the counters, the clock, the settings. */
import { Stats } from './report.ts';

export interface RunSettings {
  /** How long the scenario runs, in ms. */
  duration: number;
  /** Time between meter values (and between scenario steps), in ms. */
  meterInterval: number;
  meterValuesPerTransaction: number;
  /** Actions never sent. */
  skip: readonly string[];
  /** Ends the run early. */
  signal?: AbortSignal | undefined;
}

export class Run {
  readonly stats = new Stats();
  readonly deadline: number;
  readonly meterInterval: number;
  readonly meterValuesPerTransaction: number;
  readonly skip: ReadonlySet<string>;
  readonly #ended: Promise<void>;
  #end!: () => void;
  #over = false;
  readonly #sleepers = new Set<() => void>();

  constructor({ duration, meterInterval, meterValuesPerTransaction, skip, signal }: RunSettings) {
    this.deadline = Date.now() + duration;
    this.meterInterval = meterInterval;
    this.meterValuesPerTransaction = meterValuesPerTransaction;
    this.skip = new Set(skip);
    this.#ended = new Promise((resolve) => {
      this.#end = resolve;
    });
    const timer = setTimeout(() => this.end(), duration);
    void this.#ended.then(() => clearTimeout(timer));
    signal?.addEventListener('abort', () => this.end(), { once: true });
  }

  get running(): boolean {
    return !this.#over;
  }

  /** Resolves when the scenario time is over. */
  get ended(): Promise<void> {
    return this.#ended;
  }

  end(): void {
    this.#over = true;
    for (const wake of [...this.#sleepers]) wake();
    this.#end();
  }

  /** Wait `ms`, or less when the run ends first. */
  sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  /** Whether `action` is not sent: skipped on request, or the CSMS said it does not support it. */
  leftOut(action: string): boolean {
    return this.skip.has(action) || this.stats.unsupported.has(action);
  }

  /**
   * Make one call, timing it; `undefined` when it failed (counted) or was not made because the action is left out
   * (not counted).
   */
  async timed<T>(action: string, call: () => Promise<T>): Promise<T | undefined> {
    if (this.leftOut(action)) return undefined;
    const started = performance.now();
    try {
      const result = await call();
      this.stats.ok(action, performance.now() - started);
      return result;
    } catch (error) {
      this.stats.failed(action, error);
      return undefined;
    }
  }
}
