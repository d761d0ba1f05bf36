/** Every case, per version and side. */
import type { Subprotocol } from '../../protocol.ts';
import type { ConformanceCase, SideUnderTest } from '../types.ts';
import { chargePointV2Cases } from './cp-v2.ts';
import { CHARGE_POINT_V16_CASES } from './cp-v16.ts';
import { csmsV2Cases } from './csms-v2.ts';
import { CSMS_V16_CASES } from './csms-v16.ts';

/** The cases that test a CSMS of `protocol` (the kit plays a charge point). */
export function csmsCases(protocol: Subprotocol): readonly ConformanceCase[] {
  return protocol === 'ocpp1.6' ? CSMS_V16_CASES : csmsV2Cases(protocol);
}

/** The cases that test a charge point of `protocol` (the kit plays the CSMS). */
export function chargePointCases(protocol: Subprotocol): readonly ConformanceCase[] {
  return protocol === 'ocpp1.6' ? CHARGE_POINT_V16_CASES : chargePointV2Cases(protocol);
}

/** The cases of one side and version. */
export function conformanceCases(side: SideUnderTest, protocol: Subprotocol): readonly ConformanceCase[] {
  return side === 'csms' ? csmsCases(protocol) : chargePointCases(protocol);
}
