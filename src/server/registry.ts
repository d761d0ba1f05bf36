/** The registry of connected charge points: the interface a server keeps them behind, and the in-memory default. */
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

/** The default registry: a Map by identity, in this process. */
export class MemoryRegistry<CP extends ServedChargePoint> implements ChargePointRegistry<CP> {
  readonly #byIdentity = new Map<string, CP>();
  /** The charge point connected under `identity`, if any. */
  get(identity: string): CP | undefined {
    return this.#byIdentity.get(identity);
  }
  /** Records `chargePoint` under its identity and returns the one it replaces, if any. */
  set(chargePoint: CP): CP | undefined {
    const previous = this.#byIdentity.get(chargePoint.identity);
    this.#byIdentity.set(chargePoint.identity, chargePoint);
    return previous === chargePoint ? undefined : previous;
  }
  /** Forgets `chargePoint`, unless another connection has replaced it already. */
  delete(chargePoint: CP): void {
    if (this.#byIdentity.get(chargePoint.identity) === chargePoint) this.#byIdentity.delete(chargePoint.identity);
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
