/**
 * Without an OpenTelemetry SDK registered: `openTelemetry()` decides once that nothing is on, and a connection of
 * an observed server is left exactly as it is without it (no listener on its events, no hook in its endpoint).
 */
import { describe, expect, it } from 'vitest';
import { openTelemetry } from '../../src/observability/index.ts';
import { OcppServer } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import { RawClient, until, within } from '../server/helpers.ts';

describe('openTelemetry() with no SDK registered', () => {
  it('is off, and an observed server runs its connections untouched', async () => {
    const telemetry = openTelemetry();
    expect(telemetry.enabled).toBe(false);
    expect(telemetry.tracer).toBeUndefined();
    expect(telemetry.meter).toBeUndefined();
    expect(telemetry.remoteCall('CP', 'Reset')).toBeUndefined();

    const server = new OcppServer({ host: '127.0.0.1', pingInterval: 0, protocols: { 'ocpp1.6': v16.ChargePoint } });
    telemetry.observe(server);
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const cp = await RawClient.open(`ws://127.0.0.1:${port}/CP-1`, 'ocpp1.6');
      await until(() => server.get('CP-1') !== undefined, 'CP-1 registered');
      const chargePoint = server.get('CP-1') as v16.ChargePoint;
      for (const event of ['message:in', 'message:out', 'bad-frame', 'close'] as const) {
        expect(chargePoint.events.has(event)).toBe(false);
      }
      cp.ws.close(1000);
      await within(cp.closed, 3000, 'closed');
    } finally {
      await server.close();
    }
  });
});
