/** ocppkit: `OcppServer` with a 1.6 `ChargePoint` subclass; validation on in both directions (the default). */
import { OcppServer } from '../../src/server.ts';
import { type BootNotificationResponse, ChargePoint, type HeartbeatResponse } from '../../src/v16/index.ts';
import { BOOT_RESPONSE, HEARTBEAT_RESPONSE } from '../lib/payloads.ts';
import type { StartServer } from './types.ts';

export class BenchChargePoint extends ChargePoint {
  onBootNotification(): BootNotificationResponse {
    return BOOT_RESPONSE;
  }

  onHeartbeat(): HeartbeatResponse {
    return HEARTBEAT_RESPONSE;
  }
}

export const start: StartServer = async (host) => {
  const server = new OcppServer({ protocols: { 'ocpp1.6': BenchChargePoint }, host, port: 0 });
  const address = await server.listen();
  return { port: address.port, connections: () => server.size };
};
