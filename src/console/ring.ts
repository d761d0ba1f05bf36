/**
 * The frames waiting for the next batch: a ring of fixed capacity in parallel arrays, so that queueing a frame
 * allocates nothing and a full ring hands its oldest frame over and reuses the place.
 */

/** What the ring hands over: a frame's owner, text, direction and time. */
export type FrameVisitor<R> = (owner: R, data: string, incoming: boolean, time: number) => void;

/** A ring of frames; `R` is what each frame belongs to (the console's row of its charge point). */
export class FrameRing<R> {
  readonly #owners: (R | undefined)[];
  readonly #data: (string | undefined)[];
  readonly #times: Float64Array;
  readonly #incoming: Uint8Array;
  #head = 0;
  #count = 0;

  /** @param capacity Frames held at most. */
  constructor(capacity: number) {
    this.#owners = new Array<R | undefined>(capacity).fill(undefined);
    this.#data = new Array<string | undefined>(capacity).fill(undefined);
    this.#times = new Float64Array(capacity);
    this.#incoming = new Uint8Array(capacity);
  }

  /** Adds a frame; when the ring is full, its oldest frame goes to `evict` first and its place is reused. */
  push(owner: R, data: string, incoming: boolean, time: number, evict: FrameVisitor<R>): void {
    const capacity = this.#times.length;
    let slot: number;
    if (this.#count === capacity) {
      slot = this.#head;
      evict(this.#owners[slot]!, this.#data[slot]!, this.#incoming[slot] === 1, this.#times[slot]!);
      this.#head = (slot + 1) % capacity;
    } else {
      slot = (this.#head + this.#count) % capacity;
      this.#count++;
    }
    this.#owners[slot] = owner;
    this.#data[slot] = data;
    this.#times[slot] = time;
    this.#incoming[slot] = incoming ? 1 : 0;
  }

  /** Hands every frame to `visit`, oldest first, and empties the ring. */
  drain(visit: FrameVisitor<R>): void {
    const capacity = this.#times.length;
    const count = this.#count;
    const head = this.#head;
    this.#count = 0;
    this.#head = 0;
    for (let i = 0; i < count; i++) {
      const slot = (head + i) % capacity;
      const owner = this.#owners[slot]!;
      const data = this.#data[slot]!;
      this.#owners[slot] = undefined;
      this.#data[slot] = undefined;
      visit(owner, data, this.#incoming[slot] === 1, this.#times[slot]!);
    }
  }
}
