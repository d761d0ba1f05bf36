/** The reference charge points: `Client`s that pass every charge-point case of their version. */
import type { ReferenceChargePoint, ReferenceChargePointOptions } from './shared.ts';
import { startReferenceChargePointV2 } from './v2.ts';
import { startReferenceChargePointV16 } from './v16.ts';

export type { ReferenceChargePoint, ReferenceChargePointOptions };

/**
 * Starts a reference charge point of `options.protocol` connecting to `options.url`: a `Client` that does what
 * every charge-point case of the kit asks. Useful to see the kit pass, and as a model for your own.
 */
export function startReferenceChargePoint(options: ReferenceChargePointOptions): Promise<ReferenceChargePoint> {
  return options.protocol === 'ocpp1.6' ? startReferenceChargePointV16(options) : startReferenceChargePointV2(options);
}
