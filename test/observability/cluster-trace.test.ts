/**
 * A call's trace across the Redis cluster, with the OpenTelemetry SDK registered and a real redis-server: the span
 * that `server.call()` starts on one node is the parent of the span of the CALL sent on the node that holds the
 * charge point, and both are in the trace of the caller's own span.
 */
import { SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTelemetry, SPAN } from '../../src/observability/index.ts';
import { SimChargePoint, startNode, type TestNode, until } from '../cluster/fixtures.ts';
import { checkCiRedis, RedisProcess, redisAvailable } from '../cluster/redis.ts';
import { type RegisteredSdk, registerSdk } from './otel.ts';

const enabled = redisAvailable('cluster trace test');

describe.skipIf(!enabled)('trace context across the Redis cluster', () => {
  let sdk: RegisteredSdk;
  let redis: RedisProcess;
  let a: TestNode;
  let b: TestNode;
  let sim: SimChargePoint;

  beforeAll(async () => {
    await checkCiRedis();
    sdk = registerSdk();
    redis = await RedisProcess.start();
    const telemetry = openTelemetry();
    a = await startNode(redis.url, 'trace-a', { tracing: telemetry });
    b = await startNode(redis.url, 'trace-b', { tracing: telemetry });
    telemetry.observe(a.server);
    telemetry.observe(b.server);
    sim = await SimChargePoint.open(b.url, 'CP-T', 'ocpp1.6', 'CP-T@b');
    await until(async () => (await a.cluster.locate('CP-T'))?.nodeId === 'trace-b', 'CP-T located on b');
  });

  afterAll(async () => {
    sim?.close();
    await a?.close();
    await b?.close();
    await redis?.kill();
    await sdk?.shutdown();
  });

  it("continues the caller's span on the node that holds the charge point", async () => {
    const tracer = trace.getTracer('test');
    const result = await tracer.startActiveSpan('operator clicks reset', async (operator) => {
      try {
        return await a.server.call('CP-T', 'Reset', { type: 'Soft' });
      } finally {
        operator.end();
      }
    });
    expect(result).toEqual({ status: 'Accepted' });

    const spans = sdk.spans.getFinishedSpans();
    const operator = spans.find((span) => span.name === 'operator clicks reset');
    const remote = spans.find((span) => span.attributes[SPAN.remote] === true && span.name === 'ocpp.call Reset');
    const sent = spans.find(
      (span) =>
        span.kind === SpanKind.CLIENT && span.name === 'ocpp.call Reset' && span.attributes[SPAN.remote] !== true,
    );
    expect(operator).toBeDefined();
    expect(remote?.attributes).toMatchObject({
      [SPAN.identity]: 'CP-T',
      [SPAN.action]: 'Reset',
      [SPAN.outcome]: 'result',
    });
    expect(sent?.attributes).toMatchObject({
      [SPAN.identity]: 'CP-T',
      [SPAN.protocol]: 'ocpp1.6',
      [SPAN.action]: 'Reset',
      [SPAN.outcome]: 'result',
    });
    expect(typeof sent?.attributes[SPAN.messageId]).toBe('string');
    // one trace: operator → the remote call on node a → the CALL sent on node b
    const traceId = operator?.spanContext().traceId;
    expect(remote?.spanContext().traceId).toBe(traceId);
    expect(sent?.spanContext().traceId).toBe(traceId);
    expect(remote?.parentSpanContext?.spanId).toBe(operator?.spanContext().spanId);
    expect(sent?.parentSpanContext?.spanId).toBe(remote?.spanContext().spanId);
  });

  it('ends the remote span with the error code the charge point answered', async () => {
    await expect(a.server.call('CP-T', 'ClearCache', {})).rejects.toMatchObject({ code: 'NotSupported' });
    const remote = sdk.spans
      .getFinishedSpans()
      .find((span) => span.attributes[SPAN.remote] === true && span.name === 'ocpp.call ClearCache');
    expect(remote?.attributes[SPAN.errorCode]).toBe('NotSupported');
  });
});
