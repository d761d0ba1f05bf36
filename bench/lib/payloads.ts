/**
 * The payloads every system sends and answers. The same objects everywhere: the difference between the systems is
 * the stack, not the work done by the handlers. All valid against the OCPP 1.6 schemas (strict servers accept them).
 */

export const PROTOCOL = 'ocpp1.6';

export const BOOT_REQUEST = {
  chargePointVendor: 'ocppkit-bench',
  chargePointModel: 'BenchModel-1',
  chargePointSerialNumber: 'SN-000001',
  firmwareVersion: '1.0.0',
};

export const HEARTBEAT_REQUEST = {};

/** One timestamp per process, so that a handler does no clock work. */
const NOW = new Date().toISOString();

export const BOOT_RESPONSE = { currentTime: NOW, interval: 300, status: 'Accepted' as const };
export const HEARTBEAT_RESPONSE = { currentTime: NOW };

/** The actions of the mixed workload, in the order a connection sends them (half BootNotification, half Heartbeat). */
export const MIX = ['BootNotification', 'Heartbeat'] as const;
export type MixAction = (typeof MIX)[number];

export const REQUESTS: Record<MixAction, object> = {
  BootNotification: BOOT_REQUEST,
  Heartbeat: HEARTBEAT_REQUEST,
};

/** `"Action",{payload}]`: what follows the message id in a pre-serialised CALL frame. */
export const CALL_TAILS: Record<MixAction, string> = {
  BootNotification: `"BootNotification",${JSON.stringify(BOOT_REQUEST)}]`,
  Heartbeat: `"Heartbeat",${JSON.stringify(HEARTBEAT_REQUEST)}]`,
};

/** A pre-serialised CALL frame: only the id is concatenated in. */
export function callFrame(messageId: string, action: MixAction): string {
  return `[2,"${messageId}",${CALL_TAILS[action]}`;
}
