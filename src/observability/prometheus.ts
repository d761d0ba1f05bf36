/**
 * The Prometheus endpoint of `ocppkit serve --metrics`: OpenTelemetry's Prometheus exporter (it writes the text
 * format) behind a small HTTP server of ours on 127.0.0.1, so the metrics defined once for OpenTelemetry are also
 * what Prometheus scrapes. The SDK packages are optional peer dependencies, loaded when this starts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MeterProvider } from '@opentelemetry/api';

/** Options of `servePrometheus()`. */
export interface PrometheusOptions {
  /** The port (0: any free one). */
  port: number;
  /** The address to bind. Default `127.0.0.1`: metrics are not for the whole network unless you say so. */
  host?: string;
  /** The path scrapes are answered on. Default `/metrics`. */
  path?: string;
}

/** A Prometheus endpoint serving what its meter provider records. */
export interface PrometheusEndpoint {
  /** Record with this: `openTelemetry({ meterProvider })`. */
  readonly meterProvider: MeterProvider;
  /** The URL to scrape. */
  readonly url: string;
  /** The port bound. */
  readonly port: number;
  /** Stops serving and shuts the meter provider down. */
  close(): Promise<void>;
}

const PACKAGES = '@opentelemetry/api @opentelemetry/sdk-metrics @opentelemetry/exporter-prometheus';

/** Serves metrics in the Prometheus text format at `http://127.0.0.1:<port>/metrics`. */
export async function servePrometheus(options: PrometheusOptions): Promise<PrometheusEndpoint> {
  const { sdk, exporterModule } = await loadPackages();
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/metrics';
  const exporter = new exporterModule.PrometheusExporter({ preventServerStart: true });
  const meterProvider = new sdk.MeterProvider({ readers: [exporter] });
  const http: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === path) {
      exporter.getMetricsRequestHandler(request, response);
      return;
    }
    response.statusCode = 404;
    response.end('Not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    meterProvider,
    port,
    url: `http://${shown}:${port}${path}`,
    async close() {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await meterProvider.shutdown();
    },
  };
}

async function loadPackages() {
  try {
    const [sdk, exporterModule] = await Promise.all([
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/exporter-prometheus'),
    ]);
    return { sdk, exporterModule };
  } catch (error) {
    throw new Error(`Prometheus metrics need ${PACKAGES}: npm install ${PACKAGES}`, { cause: error });
  }
}
