/** The metric instruments of one `Telemetry`, made once on its meter, and the gauges it reads when collected. */
import type { Counter, Histogram, Meter, ObservableResult, UpDownCounter } from '@opentelemetry/api';
import { LATENCY_BUCKETS, METRIC } from './names.ts';

/** What a queue-depth gauge reads: each observed connection's calls not yet answered, each client's queue. */
export interface DepthSources {
  /** Outgoing CALLs not answered yet, by protocol, over every observed connection. */
  pendingCalls(): Map<string, number>;
  /** Messages in the offline queue, by protocol, over every observed client. */
  clientQueues(): Map<string, number>;
}

export class Instruments {
  readonly connections: UpDownCounter;
  readonly closes: Counter;
  readonly refusals: Counter;
  readonly calls: Counter;
  readonly handling: Histogram;
  readonly roundTrip: Histogram;
  readonly badFrames: Counter;

  constructor(meter: Meter, depths: DepthSources) {
    this.connections = meter.createUpDownCounter(METRIC.connections, {
      description: 'Open OCPP connections, by protocol',
    });
    this.closes = meter.createCounter(METRIC.closes, {
      description: 'Closed OCPP connections, by protocol and WebSocket close code',
    });
    this.refusals = meter.createCounter(METRIC.refusals, {
      description: 'Handshakes turned away, by HTTP status (101: upgraded, then closed at once)',
    });
    this.calls = meter.createCounter(METRIC.calls, {
      description: 'CALLs handled (direction "in") and sent ("out"), by protocol, action and outcome',
    });
    this.handling = meter.createHistogram(METRIC.handlingDuration, {
      description: 'Time from a CALL received to its answer sent, by protocol, action and outcome',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.roundTrip = meter.createHistogram(METRIC.roundTripDuration, {
      description: 'Time from call() to its answer (queueing included), by protocol, action and outcome',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.badFrames = meter.createCounter(METRIC.badFrames, {
      description: 'Frames that could not be handled, by protocol and kind',
    });
    meter
      .createObservableGauge(METRIC.pendingCalls, {
        description: 'Outgoing CALLs not answered yet (on the wire or queued behind one), by protocol',
      })
      .addCallback((result) => observeBy(result, depths.pendingCalls()));
    meter
      .createObservableGauge(METRIC.clientQueue, {
        description: "Messages in charge point clients' offline queues, by protocol",
      })
      .addCallback((result) => observeBy(result, depths.clientQueues()));
  }
}

function observeBy(result: ObservableResult, byProtocol: Map<string, number>): void {
  for (const [protocol, value] of byProtocol) result.observe(value, { protocol });
}
