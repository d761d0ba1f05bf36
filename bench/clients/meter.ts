/** Counts round trips and their latency inside the measuring window only. */
import { Histogram } from '../lib/histogram.ts';

export class Meter {
  /** Whether drivers should keep issuing calls. */
  running = true;
  #measuring = false;
  completed = 0;
  errors = 0;
  readonly histogram = new Histogram();
  #start = 0;
  #end = 0;

  record(ms: number, ok: boolean): void {
    if (!this.#measuring) return;
    if (ok) {
      this.completed++;
      this.histogram.record(ms);
    } else {
      this.errors++;
    }
  }

  begin(): void {
    this.#measuring = true;
    this.#start = performance.now();
  }

  end(): void {
    this.#measuring = false;
    this.#end = performance.now();
  }

  stop(): void {
    this.running = false;
  }

  get seconds(): number {
    return (this.#end - this.#start) / 1000;
  }
}

/** One connection of a driver under load: `inflight` calls kept outstanding until the meter stops. */
export interface LoadConnection {
  run(inflight: number): void;
  /** Resolves when no call of this connection is outstanding any more. */
  drained(): Promise<void>;
  close(): void;
}

export type ConnectFn = (url: string, identity: string, meter: Meter, inflight: number) => Promise<LoadConnection>;
