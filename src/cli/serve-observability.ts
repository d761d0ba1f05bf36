/**
 * What `serve --metrics <port>` and `serve --record <dir>` add to the demo CSMS: a Prometheus endpoint on 127.0.0.1
 * fed by `openTelemetry()`, and a recording of every frame. The OpenTelemetry packages load only with `--metrics`.
 */
import type { Logger } from '../logger.ts';
import type { OcppServer } from '../server.ts';

export const SERVE_OBSERVABILITY_USAGE = `    --metrics <port>    Prometheus metrics at http://127.0.0.1:<port>/metrics
    --record <dir>      Record every frame as JSON Lines in <dir> (rotated; replay with ocppkit replay)`;

/** The options `serve` takes for them, for `parseArgs`. */
export const SERVE_OBSERVABILITY_OPTIONS = {
  metrics: { type: 'string' },
  record: { type: 'string' },
} as const;

/** Starts what the options ask for; resolves with what stops it all. */
export async function startServeObservability(
  // biome-ignore lint/suspicious/noExplicitAny: any server's protocols
  server: OcppServer<any>,
  values: { metrics?: string | undefined; record?: string | undefined },
  logger: Logger,
): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  if (values.metrics !== undefined) {
    const port = Number(values.metrics);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ServeOptionError(`invalid metrics port ${values.metrics}`);
    }
    // the OpenTelemetry packages are optional: without them, say which to install
    const { servePrometheus, openTelemetry } = await import('../observability/index.ts').catch((error: unknown) => {
      throw new ServeOptionError(`--metrics needs @opentelemetry/api (${(error as Error).message})`);
    });
    const endpoint = await servePrometheus({ port }).catch((error: unknown) => {
      throw new ServeOptionError((error as Error).message);
    });
    openTelemetry({ meterProvider: endpoint.meterProvider }).observe(server);
    logger.info({ url: endpoint.url }, 'Prometheus metrics');
    stops.push(() => endpoint.close());
  }
  if (values.record !== undefined) {
    if (values.record === '') throw new ServeOptionError('--record needs a directory');
    const recording = server.record({ dir: values.record });
    logger.info({ dir: recording.dir }, 'recording every frame');
    stops.push(() => recording.stop());
  }
  return async () => {
    for (const stop of stops) await stop();
  };
}

/** A `--metrics` or `--record` value that cannot be used. */
export class ServeOptionError extends Error {}
