/**
 * The names of every span attribute and metric, written once: the code uses them and docs/observability.md lists
 * them. Metric attributes are short (`action`, `protocol`, …) because the Prometheus labels are these names.
 */

/** The instrumentation scope of every tracer and meter. */
export const SCOPE = 'ocppkit';

/** Span attributes. */
export const SPAN = {
  identity: 'ocpp.identity',
  protocol: 'ocpp.protocol',
  action: 'ocpp.action',
  messageId: 'ocpp.message_id',
  outcome: 'ocpp.outcome',
  errorCode: 'ocpp.error_code',
  remote: 'ocpp.cluster.remote',
} as const;

/** Metric instruments (OpenTelemetry names; Prometheus turns dots into underscores and adds unit and `_total`). */
export const METRIC = {
  connections: 'ocpp.connections',
  closes: 'ocpp.connection.closes',
  refusals: 'ocpp.handshake.refusals',
  calls: 'ocpp.calls',
  handlingDuration: 'ocpp.call.handling.duration',
  roundTripDuration: 'ocpp.call.round_trip.duration',
  pendingCalls: 'ocpp.calls.pending',
  clientQueue: 'ocpp.client.queue.depth',
  badFrames: 'ocpp.frames.bad',
} as const;

/** How a CALL ended, besides the OCPP error code of a CALLERROR (`NotImplemented`, `FormatViolation`, …). */
export const OUTCOME = {
  /** Answered with a CALLRESULT. */
  result: 'result',
  /** A SEND (2.1): never answered. */
  send: 'send',
  /** No answer within the call's timeout. */
  timeout: 'timeout',
  /** The connection closed before the answer. */
  closed: 'closed',
  /** The caller aborted the call. */
  aborted: 'aborted',
  /** The request failed its schema and was never sent. */
  invalidRequest: 'invalid-request',
  /** Anything else that failed the call on this side. */
  failed: 'failed',
} as const;

/** Histogram buckets of both latencies, in seconds: 1 ms to 30 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
