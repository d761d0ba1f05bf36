/** The messages between the harness (bench/run.ts) and its children: servers, the load generator, import probes. */

/** A server under test. */
export type ServerSystem =
  | 'raw-ws'
  | 'ocpp-rpc'
  | 'ocppkit'
  | 'node-http'
  /** ocppkit observed by `openTelemetry()`: no SDK registered, the SDK, the SDK's console exporters. */
  | 'ocppkit-otel-none'
  | 'ocppkit-otel-sdk'
  | 'ocppkit-otel-console';
/** A system's own client, or the raw load generator. */
export type ClientKind = 'raw' | 'ocpp-rpc' | 'ocppkit';

export interface MemSample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export type ServerMessage =
  /** `readyMs`: performance.now() in the child when it was listening (ms since the process started). */
  | { type: 'listening'; port: number; readyMs: number }
  | { type: 'mem'; mem: MemSample; connections: number }
  | { type: 'cpu'; user: number; system: number; at: number };

export type ServerRequest = { type: 'mem' } | { type: 'cpu' } | { type: 'stop' };

export interface ThroughputJob {
  kind: 'throughput';
  client: ClientKind;
  url: string;
  connections: number;
  inflight: number;
  warmupMs: number;
  durationMs: number;
}

export interface ThroughputResult {
  completed: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  connectMs: number;
  /** The load generator's CPU use during the window, in % of one core. */
  clientCpu: number;
}

/** Open idle connections (each answers one BootNotification), in steps; the harness measures between steps. */
export interface IdleJob {
  kind: 'idle';
  url: string;
  steps: number[];
  concurrency: number;
}

export interface StormJob {
  kind: 'storm';
  url: string;
  count: number;
  concurrency: number;
}

export interface StormResult {
  ms: number;
  booted: number;
  failed: number;
}

export type Job = ThroughputJob | IdleJob | StormJob;

export type LoadgenRequest = { type: 'job'; job: Job } | { type: 'continue' } | { type: 'stop' };

export type LoadgenMessage =
  | { type: 'phase'; phase: 'measure-start' | 'measure-end' }
  /** Idle job: `count` connections are open and booted (`failed` could not be). */
  | { type: 'step'; count: number; failed: number; ms: number }
  | { type: 'result'; result: ThroughputResult | StormResult }
  | { type: 'error'; message: string };

export interface ImportProbeResult {
  type: 'import';
  ms: number;
  rss: number;
  heapUsed: number;
}

/** Send over the IPC channel (children only). */
export function toParent(message: ServerMessage | LoadgenMessage | ImportProbeResult): void {
  process.send?.(message);
}

/** `gc()` as exposed by `--expose-gc`, a few times so that weak and finalised objects are gone too. */
export async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function memSample(): MemSample {
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
}
