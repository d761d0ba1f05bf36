/** What the console needs of a server: its events and its registry. Every `OcppServer` has them. */
import type { Emitter } from '../events.ts';
import type { OcppServerEventMap } from '../server/events.ts';
import type { ChargePointRegistry } from '../server/registry.ts';
import type { ServedChargePoint } from '../server/served.ts';

/**
 * The server a console attaches to: an `OcppServer` (with a cluster adapter or not: the console shows this node).
 * @typeParam CP the server's ChargePoints
 */
export interface ConsoleTarget<CP extends ServedChargePoint = ServedChargePoint> {
  /** The server's events: the console listens to `connect`, `disconnect`, `message:in` and `message:out`. */
  readonly events: Emitter<OcppServerEventMap<CP>>;
  /** The charge points connected to this node. */
  readonly registry: ChargePointRegistry<CP>;
}
