/** The registry of connected charge points: the interface a server keeps them behind, and the in-memory default. */
import { identityKey } from './identity.ts';
import type { ServedChargePoint } from './served.ts';

/** Keeps track of connected charge points. In memory by default; a cluster adapter shares it across nodes. */
export interface ChargePointRegistry<CP extends ServedChargePoint = ServedChargePoint> {
  /** The charge point connected under `identity`, if any. */
  get(identity: string): CP | undefined;
  /** Records `chargePoint` under its identity and returns the one it replaces, if any. */
  set(chargePoint: CP): CP | undefined;
  /** Forgets `chargePoint`, unless another connection has replaced it already. */
  delete(chargePoint: CP): void;
  /** Every charge point recorded. */
  values(): IterableIterator<CP>;
  /** How many charge points are recorded. */
  readonly size: number;
}

/**
 * The default registry: a Map in this process, keyed by `keyOf(identity)` (default `identityKey`: identities that
 * differ only in case or Unicode form are one charge point).
 */
export class MemoryRegistry<CP extends ServedChargePoint> implements ChargePointRegistry<CP> {
  readonly #byIdentity = new Map<string, CP>();
  readonly #keyOf: (identity: string) => string;
  /**
   * An empty registry.
   * @param keyOf the key an identity is recorded and looked up under
   */
  constructor(keyOf: (identity: string) => string = identityKey) {
    this.#keyOf = keyOf;
  }
  /** The charge point connected under `identity` (or an identity with the same key), if any. */
  get(identity: string): CP | undefined {
    return this.#byIdentity.get(this.#keyOf(identity));
  }
  /** Records `chargePoint` under its identity's key and returns the one it replaces, if any. */
  set(chargePoint: CP): CP | undefined {
    const key = this.#keyOf(chargePoint.identity);
    const previous = this.#byIdentity.get(key);
    this.#byIdentity.set(key, chargePoint);
    return previous === chargePoint ? undefined : previous;
  }
  /** Forgets `chargePoint`, unless another connection has replaced it already. */
  delete(chargePoint: CP): void {
    const key = this.#keyOf(chargePoint.identity);
    if (this.#byIdentity.get(key) === chargePoint) this.#byIdentity.delete(key);
  }
  /** Every charge point recorded. */
  values(): IterableIterator<CP> {
    return this.#byIdentity.values();
  }
  /** How many charge points are recorded. */
  get size(): number {
    return this.#byIdentity.size;
  }
}
