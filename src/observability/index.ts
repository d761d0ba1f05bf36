/**
 * `ocppkit/observability`: ocppkit's traces and metrics on OpenTelemetry (`@opentelemetry/api`, an optional peer
 * dependency that only this entry point loads), and the Prometheus endpoint of `ocppkit serve --metrics`.
 * Recording is `server.record()` of `ocppkit/server`; replaying is `replay()` of `ocppkit/testing`.
 */
export { METRIC, OUTCOME, SPAN } from './names.ts';
export { type PrometheusEndpoint, type PrometheusOptions, servePrometheus } from './prometheus.ts';
export {
  type ObservableClient,
  type ObservableServer,
  type OpenTelemetryOptions,
  openTelemetry,
  Telemetry,
} from './telemetry.ts';
