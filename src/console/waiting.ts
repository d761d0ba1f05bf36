/**
 * CALLs waiting for their answers, bounded. Two generations of maps: when the newer one is full, the older one is
 * dropped whole and the newer takes its place. Each CALL costs O(1), where evicting a Map's first key one at a time
 * costs more with every key deleted before it.
 */
export class WaitingCalls<V> {
  #current = new Map<string, V>();
  #previous = new Map<string, V>();
  readonly #limit: number;
  readonly #onDrop: (dropped: ReadonlyMap<string, V>) => void;

  /**
   * @param limit Entries per generation: between `limit` and twice as many are kept.
   * @param onDrop Called with a generation as it is dropped.
   */
  constructor(limit: number, onDrop: (dropped: ReadonlyMap<string, V>) => void) {
    this.#limit = limit;
    this.#onDrop = onDrop;
  }

  /** Records a CALL. */
  set(key: string, value: V): void {
    if (this.#current.size >= this.#limit) {
      this.#onDrop(this.#previous);
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, value);
  }

  /** The CALL recorded under `key`, if it is still kept. */
  get(key: string): V | undefined {
    return this.#current.get(key) ?? this.#previous.get(key);
  }

  /** Whether a CALL is recorded under `key`. */
  has(key: string): boolean {
    return this.#current.has(key) || this.#previous.has(key);
  }

  /** Forgets the CALL recorded under `key`. */
  delete(key: string): void {
    if (!this.#current.delete(key)) this.#previous.delete(key);
  }
}
