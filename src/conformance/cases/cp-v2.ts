import type { Subprotocol } from '../../protocol.ts';
import type { ConformanceCase } from '../types.ts';
export function chargePointV2Cases(_protocol: Exclude<Subprotocol, 'ocpp1.6'>): ConformanceCase[] { return []; }
