/**
 * How a call's trace crosses the cluster: the calling node sends its trace context with the request, the node that
 * holds the charge point makes the call inside it. `openTelemetry()` of `ocppkit/observability` is such a tracing;
 * the cluster never loads the OpenTelemetry API itself.
 */

/** A remote call being traced: the context sent with it, and the end of its span. */
export interface RemoteCallTrace {
  /** Trace context to send with the request (W3C `traceparent`, … as the registered propagator writes it). */
  readonly carrier: Readonly<Record<string, string>>;
  /** The call settled: `undefined` for an answer, else what it failed with. */
  end(error: unknown): void;
}

/** The `tracing` option of `RedisCluster`: `openTelemetry()` from `ocppkit/observability`. */
export interface ClusterTracing {
  /** A call to a charge point on another node starts; `undefined` when it is not traced. */
  remoteCall(identity: string, action: string): RemoteCallTrace | undefined;
  /** Runs `fn` inside the trace context a request from another node came with. */
  within<T>(carrier: Readonly<Record<string, string>>, fn: () => T): T;
}
