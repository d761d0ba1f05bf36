/**
 * The OpenTelemetry SDK as an application registers it, with in-memory exporters: spans kept as they end, metric
 * points read on demand. Registered globally, as `NodeSDK` would (tracer provider, context manager, W3C propagator).
 */
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';

export interface RegisteredSdk {
  readonly spans: InMemorySpanExporter;
  /** Every metric of the last collection. */
  collect(): Promise<MetricData[]>;
  shutdown(): Promise<void>;
}

export function registerSdk(): RegisteredSdk {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  tracerProvider.register();
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      return exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
      metrics.disable();
    },
  };
}

/** One point of a metric: its attributes and its value (a number, or a histogram's count and sum). */
export interface Point {
  readonly attributes: Record<string, unknown>;
  readonly value: number;
  readonly count?: number;
}

/** The points of the metric `name` in a collection. */
export function pointsOf(collection: readonly MetricData[], name: string): Point[] {
  const metric = collection.find((m) => m.descriptor.name === name);
  if (metric === undefined) return [];
  return metric.dataPoints.map((point) => {
    const value = point.value as number | { count: number; sum: number };
    return typeof value === 'number'
      ? { attributes: point.attributes, value }
      : { attributes: point.attributes, value: value.sum ?? 0, count: value.count };
  });
}

/** The value of the point of `name` whose attributes include `match`; undefined when there is none. */
export function pointWith(
  collection: readonly MetricData[],
  name: string,
  match: Record<string, unknown>,
): Point | undefined {
  return pointsOf(collection, name).find((point) =>
    Object.entries(match).every(([key, value]) => point.attributes[key] === value),
  );
}
