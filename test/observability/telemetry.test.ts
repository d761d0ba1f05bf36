/**
 * OpenTelemetry with the real SDK and its in-memory exporters: the spans of CALLs handled and sent (identity,
 * protocol, action, message id, outcome or error code), a handler running inside its span, and the metric points
 * (open connections, CALLs by action/direction/outcome, both latencies, pending calls, the client's offline queue,
 * bad frames, closes by code, handshake refusals by status). Real sockets on 127.0.0.1.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcppError } from '../../src/errors.ts';
import { METRIC, openTelemetry, SPAN } from '../../src/observability/index.ts';
import { OcppServer } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import { RawClient, until, within } from '../server/helpers.ts';
import { pointsOf, pointWith, type RegisteredSdk, registerSdk } from './otel.ts';

/** The CSMS under test: Heartbeat reports the trace it runs in, Authorize answers SecurityError. */
function createServer(inHeartbeat: (traceId: string | undefined) => void) {
  return new OcppServer({
    host: '127.0.0.1',
    pingInterval: 0,
    authenticate: ({ identity }) => (identity === 'refused' ? { accept: false, status: 401 } : true),
    protocols: {
      'ocpp1.6': (identity, connection, context) =>
        new v16.ChargePoint(identity, connection, {
          ...context,
          handlers: {
            onBootNotification: () => ({ currentTime: new Date().toISOString(), interval: 300, status: 'Accepted' }),
            onHeartbeat: async () => {
              inHeartbeat(trace.getActiveSpan()?.spanContext().traceId);
              return { currentTime: new Date().toISOString() };
            },
            onAuthorize: () => {
              throw new OcppError('SecurityError', 'not here');
            },
            onDataTransfer: async () => {
              await new Promise((resolve) => setTimeout(resolve, 200));
              return { status: 'Accepted' as const };
            },
          },
        }),
    },
  });
}

describe('openTelemetry() with the SDK registered', () => {
  let sdk: RegisteredSdk;
  let server: ReturnType<typeof createServer>;
  let url: string;
  /** The trace id active inside the Heartbeat handler. */
  let traceInHandler: string | undefined;

  beforeAll(async () => {
    sdk = registerSdk();
    server = createServer((traceId) => {
      traceInHandler = traceId;
    });
    const telemetry = openTelemetry();
    expect(telemetry.enabled).toBe(true);
    telemetry.observe(server);
    const { port } = await server.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await server?.close();
    await sdk?.shutdown();
  });

  it('makes a span and metric points for every CALL handled, with its outcome or error code', async () => {
    const cp = await RawClient.open(`${url}/CP-1`, 'ocpp1.6');
    cp.send([2, 'boot-1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }]);
    cp.send([2, 'hb-1', 'Heartbeat', {}]);
    cp.send([2, 'auth-1', 'Authorize', { idTag: 'T' }]);
    cp.send([2, 'nope-1', 'NoSuchAction', {}]);
    await until(() => cp.frames.length === 4, 'four answers');

    const handled = sdk.spans.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
    const byId = new Map(handled.map((span) => [span.attributes[SPAN.messageId], span]));
    const boot = byId.get('boot-1');
    expect(boot?.name).toBe('ocpp.handle BootNotification');
    expect(boot?.attributes).toMatchObject({
      [SPAN.identity]: 'CP-1',
      [SPAN.protocol]: 'ocpp1.6',
      [SPAN.action]: 'BootNotification',
      [SPAN.outcome]: 'result',
    });
    expect(boot?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(byId.get('auth-1')?.attributes).toMatchObject({
      [SPAN.outcome]: 'SecurityError',
      [SPAN.errorCode]: 'SecurityError',
    });
    expect(byId.get('auth-1')?.status.code).toBe(SpanStatusCode.ERROR);
    expect(byId.get('nope-1')?.attributes[SPAN.outcome]).toBe('NotImplemented');
    // the handler ran inside the span of its CALL
    expect(traceInHandler).toBe(byId.get('hb-1')?.spanContext().traceId);

    const collection = await sdk.collect();
    const calls = (action: string, outcome: string) =>
      pointWith(collection, METRIC.calls, { action, direction: 'in', outcome, protocol: 'ocpp1.6' })?.value;
    expect(calls('BootNotification', 'result')).toBe(1);
    expect(calls('Heartbeat', 'result')).toBe(1);
    expect(calls('Authorize', 'SecurityError')).toBe(1);
    expect(calls('NoSuchAction', 'NotImplemented')).toBe(1);
    const latency = pointWith(collection, METRIC.handlingDuration, { action: 'BootNotification', outcome: 'result' });
    expect(latency?.count).toBe(1);
    expect(latency?.value).toBeGreaterThanOrEqual(0);
    expect(pointWith(collection, METRIC.connections, { protocol: 'ocpp1.6' })?.value).toBe(1);
    cp.ws.close(4001, 'done');
    await within(cp.closed, 3000, 'closed');
  });

  it('keeps the record of a CALL when another CALL comes with its id while it is handled', async () => {
    const cp = await RawClient.open(`${url}/CP-D`, 'ocpp1.6');
    cp.send([2, 'dt-1', 'DataTransfer', { vendorId: 'V' }]);
    cp.send([2, 'dt-1', 'DataTransfer', { vendorId: 'V' }]);
    const first = await cp.next();
    const second = await cp.next();
    expect([first[0], second[0]]).toEqual([4, 3]); // the duplicate refused at once, the first answered later
    const spans = sdk.spans.getFinishedSpans().filter((span) => span.attributes[SPAN.identity] === 'CP-D');
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes[SPAN.outcome]).toBe('result');
    const collection = await sdk.collect();
    expect(pointWith(collection, METRIC.calls, { action: 'DataTransfer', outcome: 'result' })?.value).toBe(1);
    cp.ws.close(1000);
    await within(cp.closed, 3000, 'closed');
  });

  it('makes a span and metric points for every CALL sent, and counts the calls pending', async () => {
    const cp = await RawClient.open(`${url}/CP-2`, 'ocpp1.6');
    await until(() => server.get('CP-2') !== undefined, 'CP-2 registered');
    const reset = server.call('CP-2', 'Reset', { type: 'Soft' });
    const resetCall = (await cp.next()) as [number, string, string];
    expect(resetCall[2]).toBe('Reset');

    const pending = pointsOf(await sdk.collect(), METRIC.pendingCalls);
    expect(pending).toContainEqual({ attributes: { protocol: 'ocpp1.6' }, value: 1 });

    cp.send([3, resetCall[1], { status: 'Accepted' }]);
    await expect(reset).resolves.toEqual({ status: 'Accepted' });
    const clear = server.call('CP-2', 'ClearCache', {});
    const clearCall = (await cp.next()) as [number, string, string];
    cp.send([4, clearCall[1], 'NotSupported', 'read-only', {}]);
    await expect(clear).rejects.toMatchObject({ code: 'NotSupported' });

    const sent = sdk.spans.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    const resetSpan = sent.find((span) => span.attributes[SPAN.messageId] === resetCall[1]);
    expect(resetSpan?.name).toBe('ocpp.call Reset');
    expect(resetSpan?.attributes).toMatchObject({
      [SPAN.identity]: 'CP-2',
      [SPAN.protocol]: 'ocpp1.6',
      [SPAN.action]: 'Reset',
      [SPAN.outcome]: 'result',
    });
    const clearSpan = sent.find((span) => span.attributes[SPAN.messageId] === clearCall[1]);
    expect(clearSpan?.attributes[SPAN.errorCode]).toBe('NotSupported');

    const collection = await sdk.collect();
    expect(pointWith(collection, METRIC.calls, { action: 'Reset', direction: 'out', outcome: 'result' })?.value).toBe(
      1,
    );
    expect(
      pointWith(collection, METRIC.calls, { action: 'ClearCache', direction: 'out', outcome: 'NotSupported' })?.value,
    ).toBe(1);
    expect(pointWith(collection, METRIC.roundTripDuration, { action: 'Reset', outcome: 'result' })?.count).toBe(1);
    expect(pointsOf(collection, METRIC.pendingCalls)).toContainEqual({ attributes: { protocol: 'ocpp1.6' }, value: 0 });
    cp.ws.close(1000);
    await within(cp.closed, 3000, 'closed');
  });

  it('counts bad frames, closes by code and handshake refusals by status', async () => {
    const cp = await RawClient.open(`${url}/CP-3`, 'ocpp1.6');
    cp.send('this is not JSON');
    await until(() => cp.frames.length === 1, 'the error answer');
    cp.ws.close(4001, 'done');
    await within(cp.closed, 3000, 'closed');
    await expect(RawClient.open(`${url}/refused`, 'ocpp1.6')).rejects.toThrow('HTTP 401');

    await until(() => server.size === 0, 'every charge point gone');
    const collection = await sdk.collect();
    expect(pointWith(collection, METRIC.badFrames, { protocol: 'ocpp1.6' })?.value).toBe(1);
    expect(pointWith(collection, METRIC.closes, { protocol: 'ocpp1.6', code: 4001 })?.value).toBe(2);
    expect(pointWith(collection, METRIC.closes, { protocol: 'ocpp1.6', code: 1000 })?.value).toBe(2);
    expect(pointWith(collection, METRIC.refusals, { status: 401 })?.value).toBe(1);
    expect(pointWith(collection, METRIC.connections, { protocol: 'ocpp1.6' })?.value).toBe(0);
  });

  it("reports the charge point client's offline queue, and traces its CALLs once connected", async () => {
    const client = new v16.Client({ url, identity: 'CP-Q', reconnect: false });
    openTelemetry().observe(client);
    const queued = client.call('StartTransaction', {
      connectorId: 1,
      idTag: 'T',
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    queued.catch(() => {});
    expect(client.queueSize).toBe(1);
    expect(pointWith(await sdk.collect(), METRIC.clientQueue, { protocol: 'ocpp1.6' })?.value).toBe(1);

    await within(client.connect(), 5000, 'client connected');
    await client.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const sent = sdk.spans
      .getFinishedSpans()
      .find((span) => span.kind === SpanKind.CLIENT && span.attributes[SPAN.identity] === 'CP-Q');
    expect(sent?.name).toBe('ocpp.call BootNotification');
    expect(sent?.attributes).toMatchObject({ [SPAN.outcome]: 'result', [SPAN.protocol]: 'ocpp1.6' });
    expect(typeof sent?.attributes[SPAN.messageId]).toBe('string');
    await client.stop();
  });
});
