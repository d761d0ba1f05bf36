/** A latency histogram with 10 µs buckets up to 5 s (anything longer lands in the last bucket). No allocation per sample. */
const BUCKET_MS = 0.01;
const BUCKETS = 500_000;

export class Histogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #total = 0;
  #max = 0;

  record(ms: number): void {
    let bucket = Math.floor(ms / BUCKET_MS);
    if (bucket >= BUCKETS) bucket = BUCKETS - 1;
    else if (bucket < 0) bucket = 0;
    this.#counts[bucket] = (this.#counts[bucket] as number) + 1;
    this.#total++;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#total;
  }

  get max(): number {
    return this.#max;
  }

  /** The latency (ms, bucket upper bound) at or below which a fraction `q` of the samples lie. */
  quantile(q: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return (i + 1) * BUCKET_MS;
    }
    return this.#max;
  }
}
