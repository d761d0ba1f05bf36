/**
 * `openTelemetry()`: ocppkit's traces and metrics on the OpenTelemetry API. Whether each is on is decided once, when
 * it is made: with no SDK registered (and no provider given) it observes nothing and connections run as they do
 * without it. `observe(server)` and `observe(client)` attach it; a `RedisCluster` takes it as its `tracing` option
 * to carry a call's trace to the node that holds the charge point.
 */
import {
  context,
  createNoopMeter,
  type Meter,
  type MeterProvider,
  metrics,
  type ProxyTracerProvider,
  propagation,
  SpanKind,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { ClusterTracing, RemoteCallTrace } from '../cluster-redis/tracing.ts';
import { type DepthSources, Instruments } from './instruments.ts';
import { SCOPE, SPAN } from './names.ts';
import { outcomeOf } from './outcome.ts';
import { ConnectionProbe, endSpan, type ProbedEndpoint } from './probe.ts';

/** Options of `openTelemetry()`. */
export interface OpenTelemetryOptions {
  /** Where spans go. Default: the global tracer provider, when an SDK registered one; else no spans. */
  tracerProvider?: TracerProvider;
  /** Where metric points go. Default: the global meter provider, when an SDK registered one; else no metrics. */
  meterProvider?: MeterProvider;
}

/** What `observe()` takes of an `OcppServer`: its events and its connected charge points. */
export interface ObservableServer {
  /** The charge points connected now. */
  [Symbol.iterator](): Iterator<unknown>;
  /** The server's events. */
  readonly events: {
    /** A charge point connected: its ChargePoint is observed from now on. */
    on(event: 'connect', listener: (event: { chargePoint: unknown }) => void): unknown;
    /** A handshake was turned away with `status`. */
    on(event: 'refused', listener: (event: { status: number }) => void): unknown;
  };
}

/** What `observe()` takes of a charge point `Client`: its events, its endpoint and its offline queue. */
export interface ObservableClient {
  /** The subprotocol the client speaks. */
  readonly protocol: string;
  /** The endpoint of the open connection. */
  readonly endpoint: unknown;
  /** Messages in the offline queue. */
  readonly queueSize: number;
  /** The client's events. */
  readonly events: {
    /** A connection opened: its endpoint is observed from now on. */
    on(event: 'open', listener: () => void): unknown;
  };
}

/** ocppkit's traces and metrics (see `openTelemetry()`). */
export class Telemetry implements ClusterTracing {
  /** The tracer spans are made with; `undefined` when tracing is off. */
  readonly tracer: Tracer | undefined;
  /** The meter metric points are recorded with; `undefined` when metrics are off. */
  readonly meter: Meter | undefined;
  readonly #instruments: Instruments | undefined;
  readonly #probes = new Set<ConnectionProbe>();
  readonly #clients = new Set<ObservableClient>();
  readonly #forget = (probe: ConnectionProbe): void => {
    this.#probes.delete(probe);
  };

  /** Decides now, once, whether spans and metric points are made (see `openTelemetry()`). */
  constructor(options: OpenTelemetryOptions = {}) {
    this.tracer = tracerOf(options.tracerProvider);
    this.meter = meterOf(options.meterProvider);
    const depths: DepthSources = {
      pendingCalls: () => sumBy(this.#probes, (probe) => probe.pendingCalls),
      clientQueues: () => sumBy(this.#clients, (client) => client.queueSize),
    };
    this.#instruments = this.meter === undefined ? undefined : new Instruments(this.meter, depths);
  }

  /** Whether anything is observed: an SDK (or a provider given) for traces, metrics or both. */
  get enabled(): boolean {
    return this.tracer !== undefined || this.meter !== undefined;
  }

  /**
   * Observes every connection of a server (those connected now and those to come) and its refused handshakes, or
   * every connection of a charge point client and its offline queue. Does nothing when `enabled` is false. Observe
   * each server or client once.
   */
  observe(target: ObservableServer | ObservableClient): void {
    if (!this.enabled) return;
    if ('queueSize' in target) {
      const client = target;
      this.#clients.add(client);
      client.events.on('open', () => this.#probe(client.endpoint));
      if (client.endpoint !== undefined) this.#probe(client.endpoint);
      return;
    }
    for (const chargePoint of { [Symbol.iterator]: () => target[Symbol.iterator]() }) this.#probe(chargePoint);
    target.events.on('connect', ({ chargePoint }) => this.#probe(chargePoint));
    target.events.on('refused', ({ status }) => this.#instruments?.refusals.add(1, { status }));
  }

  /** Starts observing one connection's endpoint (a ChargePoint, or a client's Csms). */
  #probe(endpoint: unknown): void {
    const probed = endpoint as Partial<ProbedEndpoint> | undefined;
    if (typeof probed?.instrument !== 'function') return; // not an ocppkit endpoint: nothing to hook
    this.#probes.add(new ConnectionProbe(probed as ProbedEndpoint, this.tracer, this.#instruments, this.#forget));
  }

  /** For `RedisCluster`: a call to a charge point on another node starts (a span, and its context to send). */
  remoteCall(identity: string, action: string): RemoteCallTrace | undefined {
    const tracer = this.tracer;
    if (tracer === undefined) return undefined;
    const span = tracer.startSpan(`ocpp.call ${action}`, {
      kind: SpanKind.CLIENT,
      attributes: { [SPAN.identity]: identity, [SPAN.action]: action, [SPAN.remote]: true },
    });
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    return {
      carrier,
      end: (error: unknown) => endSpan(span, error === undefined ? 'result' : outcomeOf(error)),
    };
  }

  /** For `RedisCluster`: runs `fn` in the trace context a request from another node came with. */
  within<T>(carrier: Readonly<Record<string, string>>, fn: () => T): T {
    return context.with(propagation.extract(context.active(), carrier), fn);
  }
}

/**
 * ocppkit's traces and metrics on the OpenTelemetry API (`@opentelemetry/api`, an optional peer dependency):
 * `openTelemetry().observe(server)`. Register the SDK first: what is on is decided here, once.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Telemetry {
  return new Telemetry(options);
}

/** The tracer of `provider`, or of the SDK's global provider; `undefined` when none is registered. */
function tracerOf(provider: TracerProvider | undefined): Tracer | undefined {
  if (provider !== undefined) return provider.getTracer(SCOPE);
  const global = trace.getTracerProvider() as TracerProvider & Partial<ProxyTracerProvider>;
  // The API's global provider is a proxy: it has a delegate once an SDK registered one.
  if (typeof global.getDelegateTracer === 'function') return global.getDelegateTracer(SCOPE);
  return global.getTracer(SCOPE);
}

/** The meter of `provider`, or of the global provider; `undefined` when that is the API's no-op one. */
function meterOf(provider: MeterProvider | undefined): Meter | undefined {
  const meter = (provider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  return meter === createNoopMeter() ? undefined : meter;
}

function sumBy<T extends { readonly protocol: string }>(
  items: Iterable<T>,
  value: (item: T) => number,
): Map<string, number> {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(item.protocol, (sums.get(item.protocol) ?? 0) + value(item));
  return sums;
}
