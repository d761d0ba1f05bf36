import type { ConformanceCase } from '../types.ts';
export const CHARGE_POINT_V16_CASES: readonly ConformanceCase[] = [];
