/**
 * ocppkit's server as bench/systems/ocppkit.ts serves it, observed with `openTelemetry()` of
 * `ocppkit/observability`, in three set-ups:
 * - `none`: no SDK registered (the API alone): `observe()` decides nothing is on, and the connections run untouched;
 * - `sdk`: the SDK's tracer provider (batched spans, to an exporter that drops them) and meter provider (collected
 *   every 10 s into memory), registered globally as an application would;
 * - `console`: the same, with the SDK's console exporters (written to /dev/null: the formatting is paid, the
 *   terminal is spared).
 */

import { Console } from 'node:console';
import { createWriteStream } from 'node:fs';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { openTelemetry } from '../../src/observability/index.ts';
import { OcppServer } from '../../src/server.ts';
import { BenchChargePoint } from './ocppkit.ts';
import type { StartServer } from './types.ts';

/** Takes spans and forgets them: the SDK's cost without an exporter's. */
class DroppingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function registerSdk(console: boolean): void {
  if (console) globalThis.console = new Console(createWriteStream('/dev/null'));
  const spanExporter = console ? new ConsoleSpanExporter() : new DroppingExporter();
  new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(spanExporter)] }).register();
  const metricExporter = console
    ? new ConsoleMetricExporter()
    : new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 10_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
}

function starter(setup: 'none' | 'sdk' | 'console'): StartServer {
  return async (host) => {
    if (setup !== 'none') registerSdk(setup === 'console');
    const server = new OcppServer({ protocols: { 'ocpp1.6': BenchChargePoint }, host, port: 0 });
    openTelemetry().observe(server);
    const address = await server.listen();
    return { port: address.port, connections: () => server.size };
  };
}

export const startWithoutSdk = starter('none');
export const startWithSdk = starter('sdk');
export const startWithConsole = starter('console');
