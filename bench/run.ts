/**
 * `npm run bench` (full, ~12 minutes on 2 cores) or `npm run bench -- --quick` (~1 minute smoke check).
 *
 * Builds the bench and ocppkit to JavaScript (bench/results/build, with the repo's own compiler), then runs every
 * server under test and the load generator as separate child processes on 127.0.0.1. Systems are interleaved within
 * each scenario (A B C … A B C …) over several rounds; each measurement gets a fresh server process and a fresh
 * load-generator process. Prints medians, min/max and the ratio to raw `ws`, and writes the same as JSON to
 * bench/results/.
 *
 * Options: --quick, --rounds N, --only synthetic,ocpp,idle,startup,storm,cluster,console, --cells ocppkit,ocppkit-server (throughput
 * rows by id; raw ws always runs; otel-none,otel-sdk,otel-console: the cost of observability), --profile (CPU profiles of ocppkit instead of the comparison), --no-build (reuse
 * the last build).
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterBenchResult, runClusterRedisBench } from './cluster-redis.ts';
import { type ConsoleBenchResult, consoleSection, runConsoleBench } from './console.ts';
import type {
  ClientKind,
  ImportProbeResult,
  Job,
  LoadgenMessage,
  LoadgenRequest,
  MemSample,
  ServerMessage,
  ServerRequest,
  ServerSystem,
  StormResult,
  ThroughputResult,
} from './lib/ipc.ts';
import { busyPercent, machineTicks, waitForQuiet } from './lib/machine.ts';
import { ratio, type Summary, sleep, summarize } from './lib/stats.ts';
import { formatProfile, summarizeProfile } from './profile.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS = join(ROOT, 'bench/results');
const BUILD = join(RESULTS, 'build');
const BUILT_BENCH = join(BUILD, 'bench');

// ---------------------------------------------------------------- configuration

interface ThroughputParams {
  connections: number;
  inflight: number;
  warmupMs: number;
  durationMs: number;
}

interface Config {
  mode: 'full' | 'quick';
  rounds: number;
  startupRounds: number;
  synthetic: ThroughputParams;
  ocpp: ThroughputParams;
  idleSteps: number[];
  idleConcurrency: number;
  storm: { count: number; concurrency: number };
  scenarios: Set<string>;
  /** Throughput rows to run (ids); raw ws always runs, as the base of the ratios. Default: all. */
  cells: Set<string> | undefined;
  profile: boolean;
  build: boolean;
  /** How long to wait for other programs to quieten down before a measurement, and how often to retry a noisy one. */
  quietWaitMs: number;
  /** The most the whole run waits for other programs, in total. */
  quietBudgetMs: number;
  retries: number;
}

/**
 * `cluster` runs only when Redis is available (redis-server installed, or OCPPKIT_REDIS_URL answering); `console`
 * only when Chromium is (/usr/bin/chromium, or OCPPKIT_CHROMIUM).
 */
const SCENARIOS = ['synthetic', 'ocpp', 'idle', 'startup', 'storm', 'cluster', 'console'];

function parseArgs(argv: string[]): Config {
  const quick = argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  };
  const only = value('--only');
  const rounds = value('--rounds');
  return {
    mode: quick ? 'quick' : 'full',
    rounds: rounds !== undefined ? Number(rounds) : quick ? 1 : 3,
    startupRounds: rounds !== undefined ? Number(rounds) : quick ? 1 : 5,
    synthetic: { connections: 50, inflight: 8, warmupMs: quick ? 400 : 2000, durationMs: quick ? 1000 : 10_000 },
    ocpp: { connections: 500, inflight: 1, warmupMs: quick ? 400 : 2000, durationMs: quick ? 1000 : 10_000 },
    idleSteps: quick ? [500, 2000] : [2000, 10_000],
    idleConcurrency: 200,
    storm: { count: quick ? 1000 : 5000, concurrency: 500 },
    scenarios: new Set(only ? only.split(',') : SCENARIOS),
    cells: value('--cells') === undefined ? undefined : new Set(['raw-ws', ...(value('--cells') as string).split(',')]),
    profile: argv.includes('--profile'),
    build: !argv.includes('--no-build'),
    quietWaitMs: quick ? 2000 : 30_000,
    quietBudgetMs: quick ? 10_000 : 300_000,
    retries: quick ? 0 : 2,
  };
}

// ---------------------------------------------------------------- child processes

const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** A child process with an IPC channel: its messages are queued until asked for. */
class Child<In extends { type: string }, Out extends { type: string }> {
  readonly #queue: Out[] = [];
  #waiter: (() => void) | undefined;
  #exited = false;
  readonly exited: Promise<number | null>;
  readonly spawnedAt = performance.now();

  constructor(readonly proc: ChildProcess) {
    children.add(proc);
    proc.on('message', (message: Out) => {
      this.#queue.push(message);
      this.#waiter?.();
    });
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code) => {
        this.#exited = true;
        children.delete(proc);
        this.#waiter?.();
        resolve(code);
      });
    });
  }

  static fork<I extends { type: string }, O extends { type: string }>(
    script: string,
    args: string[],
    execArgv: string[] = [],
  ): Child<I, O> {
    const proc = fork(join(BUILT_BENCH, script), args, {
      execArgv: ['--expose-gc', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      cwd: ROOT,
    });
    return new Child<I, O>(proc);
  }

  send(message: In): void {
    if (this.proc.connected) this.proc.send(message);
  }

  /** The next message of type `type` (earlier ones of other types are dropped), within `timeoutMs`. */
  async next<T extends Out['type']>(type: T, timeoutMs: number): Promise<Extract<Out, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      while (this.#queue.length > 0) {
        const message = this.#queue.shift() as Out;
        if (message.type === type) return message as Extract<Out, { type: T }>;
        if (message.type === 'error') throw new Error(`child reported: ${(message as { message?: string }).message}`);
      }
      if (this.#exited) throw new Error(`child exited while waiting for "${type}"`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for "${type}"`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
  }

  /** Ask it to exit (so that a CPU profile gets written), then make sure it has. */
  async stop(message: In): Promise<void> {
    if (this.#exited) return;
    this.send(message);
    const exited = await Promise.race([this.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!exited) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

type ServerChild = Child<ServerRequest, ServerMessage>;
type LoadgenChild = Child<LoadgenRequest, LoadgenMessage>;

async function startServer(
  system: ServerSystem,
  execArgv: string[] = [],
): Promise<{ child: ServerChild; port: number; readyMs: number; spawnToListenMs: number }> {
  const child: ServerChild = Child.fork('server.js', [system], execArgv);
  const listening = await child.next('listening', 30_000);
  return {
    child,
    port: listening.port,
    readyMs: listening.readyMs,
    spawnToListenMs: performance.now() - child.spawnedAt,
  };
}

async function serverMem(child: ServerChild): Promise<{ mem: MemSample; connections: number }> {
  child.send({ type: 'mem' });
  const reply = await child.next('mem', 60_000);
  return { mem: reply.mem, connections: reply.connections };
}

async function serverCpu(child: ServerChild): Promise<{ us: number; at: number }> {
  child.send({ type: 'cpu' });
  const reply = await child.next('cpu', 30_000);
  return { us: reply.user + reply.system, at: reply.at };
}

function startLoadgen(execArgv: string[] = []): LoadgenChild {
  return Child.fork('loadgen.js', [], execArgv);
}

function urlOf(port: number): string {
  return `ws://127.0.0.1:${port}`;
}

// ---------------------------------------------------------------- scenarios: throughput

interface ThroughputCell {
  id: string;
  label: string;
  server: ServerSystem;
  client: ClientKind;
  /** Only in the synthetic scenario: the same wire concurrency spread over more connections. */
  syntheticOnly?: boolean;
  /** Overrides of the scenario's connections and calls in flight. */
  shape?: { connections: number; inflight: number };
}

interface ThroughputSample extends ThroughputResult {
  serverCpu: number;
  /** CPU taken by other programs during the window, % of one core (server and load generator subtracted). */
  otherCpu: number;
}

/** Above this much CPU (% of one core) taken by other programs during a window, a measurement is noisy. */
const NOISE_LIMIT = 15;
/** Before a measurement, wait until the machine is at most this busy (% of one core). */
const QUIET_LIMIT = 10;

/** What is left of the run's budget for waiting on other programs (each wait takes from it). */
let quietBudgetMs = 0;
let quietWaitMs = 0;

/** Wait until other programs leave the machine alone (bounded); log when that took a while or never happened. */
async function quiet(): Promise<void> {
  const limit = Math.min(quietWaitMs, quietBudgetMs);
  const { waitedMs, busy } = await waitForQuiet(os.availableParallelism(), QUIET_LIMIT, limit, 250);
  quietBudgetMs = Math.max(0, quietBudgetMs - waitedMs);
  if (busy > QUIET_LIMIT) {
    log(`  (machine busy with other programs: ${fmt(busy, 0)}% of a core; waited ${fmt(waitedMs / 1000, 0)} s)`);
  } else if (waitedMs > 2000) {
    log(`  (waited ${fmt(waitedMs / 1000, 0)} s for other programs to finish)`);
  }
}

const THROUGHPUT_CELLS: ThroughputCell[] = [
  { id: 'raw-ws', label: 'raw ws (raw client)', server: 'raw-ws', client: 'raw' },
  { id: 'ocpp-rpc', label: 'ocpp-rpc, both ends', server: 'ocpp-rpc', client: 'ocpp-rpc' },
  { id: 'ocppkit', label: 'ocppkit, both ends', server: 'ocppkit', client: 'ocppkit' },
  { id: 'ocpp-rpc-server', label: 'ocpp-rpc server, raw client', server: 'ocpp-rpc', client: 'raw' },
  { id: 'ocppkit-server', label: 'ocppkit server, raw client', server: 'ocppkit', client: 'raw' },
  // the cost of observability (docs/observability.md): the same server observed with no SDK, the SDK, its console
  { id: 'otel-none', label: 'ocppkit server, observed, no SDK', server: 'ocppkit-otel-none', client: 'raw' },
  { id: 'otel-sdk', label: 'ocppkit server, OpenTelemetry SDK', server: 'ocppkit-otel-sdk', client: 'raw' },
  {
    id: 'otel-console',
    label: 'ocppkit server, OTel console exporter',
    server: 'ocppkit-otel-console',
    client: 'raw',
  },
  {
    id: 'ocppkit-400x1',
    label: 'ocppkit, both ends, 400 × 1',
    server: 'ocppkit',
    client: 'ocppkit',
    syntheticOnly: true,
    shape: { connections: 400, inflight: 1 },
  },
];

let selectedCells: Set<string> | undefined;

function cellsOf(scenario: string): ThroughputCell[] {
  return THROUGHPUT_CELLS.filter(
    (c) => (scenario === 'synthetic' || !c.syntheticOnly) && (selectedCells === undefined || selectedCells.has(c.id)),
  );
}

async function throughputCell(
  cell: ThroughputCell,
  params: ThroughputParams,
  profile?: { serverArgs: string[]; clientArgs: string[] },
): Promise<ThroughputSample> {
  const server = await startServer(cell.server, profile?.serverArgs);
  const loadgen = startLoadgen(profile?.clientArgs);
  try {
    const job: Job = { kind: 'throughput', client: cell.client, url: urlOf(server.port), ...params, ...cell.shape };
    loadgen.send({ type: 'job', job });
    const timeout = params.warmupMs + params.durationMs + 120_000;
    await loadgen.next('phase', timeout);
    const ticks0 = machineTicks();
    const cpu0 = await serverCpu(server.child);
    await loadgen.next('phase', timeout);
    const ticks1 = machineTicks();
    const cpu1 = await serverCpu(server.child);
    const result = (await loadgen.next('result', 30_000)).result as ThroughputResult;
    const cpuPct = ((cpu1.us - cpu0.us) / 1000 / (cpu1.at - cpu0.at)) * 100;
    const machine = busyPercent(ticks0, ticks1, os.availableParallelism());
    return { ...result, serverCpu: cpuPct, otherCpu: Math.max(0, machine - cpuPct - result.clientCpu) };
  } finally {
    await loadgen.stop({ type: 'stop' });
    await server.child.stop({ type: 'stop' });
  }
}

interface ThroughputCellResult {
  id: string;
  label: string;
  server: ServerSystem;
  client: ClientKind;
  rps: Summary;
  p50: Summary;
  p99: Summary;
  serverCpu: Summary;
  clientCpu: Summary;
  otherCpu: Summary;
  /** CPU time per round trip, µs: the cost of the stack, less sensitive to other programs than the rate. */
  serverUs: Summary;
  clientUs: Summary;
  errors: number;
  ratio: number;
  /** (server + client) CPU per round trip, as a ratio to raw ws's. */
  costRatio: number;
  samples: ThroughputSample[];
}

async function throughputScenario(
  name: string,
  params: ThroughputParams,
  rounds: number,
  retries: number,
): Promise<ThroughputCellResult[]> {
  const cells = cellsOf(name);
  const samples = new Map<string, ThroughputSample[]>(cells.map((c) => [c.id, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const cell of cells) {
      let s: ThroughputSample | undefined;
      for (let attempt = 0; attempt <= retries; attempt++) {
        await quiet();
        const t0 = performance.now();
        const sample = await throughputCell(cell, params);
        if (s === undefined || sample.otherCpu < s.otherCpu) s = sample;
        // a repeat takes from the same budget as waiting: a machine that stays busy does not double the run
        if (attempt > 0) quietBudgetMs = Math.max(0, quietBudgetMs - (performance.now() - t0));
        if (!(sample.otherCpu > NOISE_LIMIT) || quietBudgetMs <= 0) break;
        if (attempt < retries) {
          log(`${name} r${round} ${cell.label}: other programs took ${fmt(sample.otherCpu, 0)}% of a core; again`);
        }
      }
      if (s === undefined) continue;
      samples.get(cell.id)?.push(s);
      log(
        `${name} r${round} ${cell.label.padEnd(30)} ${fmt(s.rps, 0).padStart(7)} rt/s  p50 ${fmt(s.p50, 2)} ms  p99 ${fmt(s.p99, 2)} ms  server ${fmt(s.serverCpu, 0)}% (${fmt((s.serverCpu * 10_000) / s.rps, 1)} µs/rt) client ${fmt(s.clientCpu, 0)}% other ${fmt(s.otherCpu, 0)}%${s.otherCpu > NOISE_LIMIT ? ' (NOISY: other programs were busy)' : ''}${s.errors ? `  errors ${s.errors}` : ''}`,
      );
    }
  }
  const results = cells.map((cell) => {
    const list = samples.get(cell.id) ?? [];
    return {
      id: cell.id,
      label: cell.label,
      server: cell.server,
      client: cell.client,
      rps: summarize(list.map((s) => s.rps)),
      p50: summarize(list.map((s) => s.p50)),
      p99: summarize(list.map((s) => s.p99)),
      serverCpu: summarize(list.map((s) => s.serverCpu)),
      clientCpu: summarize(list.map((s) => s.clientCpu)),
      otherCpu: summarize(list.map((s) => s.otherCpu)),
      serverUs: summarize(list.map((s) => (s.serverCpu * 10_000) / s.rps)),
      clientUs: summarize(list.map((s) => (s.clientCpu * 10_000) / s.rps)),
      errors: list.reduce((n, s) => n + s.errors, 0),
      ratio: Number.NaN,
      costRatio: Number.NaN,
      samples: list,
    };
  });
  const base = results[0];
  for (const r of results) {
    r.ratio = ratio(r.rps.median, base?.rps.median ?? Number.NaN);
    const cost = (c: ThroughputCellResult | undefined) => (c ? c.serverUs.median + c.clientUs.median : Number.NaN);
    r.costRatio = ratio(cost(r), cost(base));
  }
  return results;
}

// ---------------------------------------------------------------- scenarios: idle memory

const SYSTEMS: ServerSystem[] = ['raw-ws', 'ocpp-rpc', 'ocppkit'];

interface IdleSample {
  baseline: MemSample;
  steps: { count: number; connections: number; failed: number; connectMs: number; mem: MemSample }[];
}

interface IdleResult {
  system: ServerSystem;
  /** Per connection at each step, KB: (step − baseline) / count. */
  perConnection: { count: number; rssKB: Summary; heapKB: Summary; ratioRss: number; ratioHeap: number }[];
  samples: IdleSample[];
}

async function idleCell(system: ServerSystem, steps: number[], concurrency: number): Promise<IdleSample> {
  const server = await startServer(system);
  const loadgen = startLoadgen();
  try {
    loadgen.send({ type: 'job', job: { kind: 'idle', url: urlOf(server.port), steps, concurrency } });
    await loadgen.next('step', 60_000);
    await sleep(200);
    const baseline = (await serverMem(server.child)).mem;
    const sample: IdleSample = { baseline, steps: [] };
    for (const _ of steps) {
      loadgen.send({ type: 'continue' });
      const step = await loadgen.next('step', 300_000);
      await sleep(500);
      const { mem, connections } = await serverMem(server.child);
      sample.steps.push({ count: step.count, connections, failed: step.failed, connectMs: step.ms, mem });
    }
    return sample;
  } finally {
    await loadgen.stop({ type: 'stop' });
    await server.child.stop({ type: 'stop' });
  }
}

async function idleScenario(config: Config): Promise<IdleResult[]> {
  const samples = new Map<ServerSystem, IdleSample[]>(SYSTEMS.map((s) => [s, []]));
  for (let round = 1; round <= config.rounds; round++) {
    for (const system of SYSTEMS) {
      await quiet();
      const s = await idleCell(system, config.idleSteps, config.idleConcurrency);
      samples.get(system)?.push(s);
      const parts = s.steps.map(
        (st) =>
          `${st.count} conns (server sees ${st.connections}${st.failed ? `, ${st.failed} failed` : ''}): ${fmt((st.mem.rss - s.baseline.rss) / st.count / 1024, 1)} KB RSS, ${fmt((st.mem.heapUsed - s.baseline.heapUsed) / st.count / 1024, 1)} KB heap per conn`,
      );
      log(`idle r${round} ${system.padEnd(9)} ${parts.join('; ')}`);
    }
  }
  const results: IdleResult[] = SYSTEMS.map((system) => {
    const list = samples.get(system) ?? [];
    return {
      system,
      perConnection: config.idleSteps.map((count, i) => ({
        count,
        rssKB: summarize(list.map((s) => perConn(s, i, 'rss'))),
        heapKB: summarize(list.map((s) => perConn(s, i, 'heapUsed'))),
        ratioRss: Number.NaN,
        ratioHeap: Number.NaN,
      })),
      samples: list,
    };
  });
  const base = results[0];
  for (const r of results) {
    r.perConnection.forEach((p, i) => {
      p.ratioRss = ratio(p.rssKB.median, base?.perConnection[i]?.rssKB.median ?? Number.NaN);
      p.ratioHeap = ratio(p.heapKB.median, base?.perConnection[i]?.heapKB.median ?? Number.NaN);
    });
  }
  return results;
}

function perConn(sample: IdleSample, step: number, key: 'rss' | 'heapUsed'): number {
  const s = sample.steps[step];
  if (s === undefined || s.count === 0) return Number.NaN;
  return (s.mem[key] - sample.baseline[key]) / s.count / 1024;
}

// ---------------------------------------------------------------- scenarios: start-up and imports

interface StartupResult {
  system: ServerSystem;
  spawnToListenMs: Summary;
  readyMs: Summary;
  rssMB: Summary;
  heapMB: Summary;
  ratioRss: number;
  ratioTime: number;
}

interface ImportResult {
  name: string;
  module: string;
  ms: Summary;
  rssMB: Summary;
  heapMB: Summary;
}

async function startupScenario(rounds: number): Promise<StartupResult[]> {
  const systems: ServerSystem[] = ['raw-ws', 'ocpp-rpc', 'ocppkit', 'node-http'];
  const samples = new Map<ServerSystem, { spawn: number; ready: number; rss: number; heap: number }[]>(
    systems.map((s) => [s, []]),
  );
  for (let round = 1; round <= rounds; round++) {
    for (const system of systems) {
      await quiet();
      const server = await startServer(system);
      await sleep(500);
      const { mem } = await serverMem(server.child);
      await server.child.stop({ type: 'stop' });
      samples
        .get(system)
        ?.push({ spawn: server.spawnToListenMs, ready: server.readyMs, rss: mem.rss, heap: mem.heapUsed });
      log(
        `startup r${round} ${system.padEnd(9)} listening after ${fmt(server.spawnToListenMs, 0)} ms (in-process ${fmt(server.readyMs, 0)} ms), idle RSS ${fmt(mem.rss / MB, 1)} MB, heap ${fmt(mem.heapUsed / MB, 1)} MB`,
      );
    }
  }
  const results = systems.map((system) => {
    const list = samples.get(system) ?? [];
    return {
      system,
      spawnToListenMs: summarize(list.map((s) => s.spawn)),
      readyMs: summarize(list.map((s) => s.ready)),
      rssMB: summarize(list.map((s) => s.rss / MB)),
      heapMB: summarize(list.map((s) => s.heap / MB)),
      ratioRss: Number.NaN,
      ratioTime: Number.NaN,
    };
  });
  const base = results[0];
  for (const r of results) {
    r.ratioRss = ratio(r.rssMB.median, base?.rssMB.median ?? Number.NaN);
    r.ratioTime = ratio(r.spawnToListenMs.median, base?.spawnToListenMs.median ?? Number.NaN);
  }
  return results;
}

/** The ocppkit subpaths (from package.json `exports` when it has them) and, for reference, the peers' packages. */
function importTargets(): { name: string; module: string }[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports?: unknown };
  const subpaths = new Map<string, string>([
    ['ocppkit/v16', 'src/v16/index.ts'],
    ['ocppkit/v201', 'src/v201/index.ts'],
    ['ocppkit/v21', 'src/v21/index.ts'],
    ['ocppkit/server', 'src/server.ts'],
    ['ocppkit/testing', 'src/testing.ts'],
  ]);
  if (pkg.exports !== null && typeof pkg.exports === 'object') {
    for (const [key, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
      const source = sourceOf(target);
      if (source === undefined || key.includes('*') || key.endsWith('.json')) continue;
      subpaths.set(key === '.' ? 'ocppkit' : `ocppkit/${key.replace(/^\.\//, '')}`, source);
    }
  }
  const targets: { name: string; module: string }[] = [];
  for (const [name, source] of subpaths) {
    const built = join(BUILD, source.replace(/\.ts$/, '.js'));
    if (existsSync(built)) targets.push({ name, module: built });
  }
  targets.push({ name: 'ws (reference)', module: 'ws' }, { name: 'ocpp-rpc (reference)', module: 'ocpp-rpc' });
  return targets;
}

/** The source file (`src/x.ts`) behind an `exports` entry (`./src/x.ts`, `./dist/esm/src/x.js`, conditions). */
function sourceOf(target: unknown): string | undefined {
  if (typeof target === 'string') {
    if (target.endsWith('.d.ts')) return undefined;
    const match = target.match(/(?:^|\/)(src\/.+)\.(?:ts|m?js|cjs)$/);
    return match ? `${match[1]}.ts` : undefined;
  }
  if (target !== null && typeof target === 'object') {
    const conditions = target as Record<string, unknown>;
    for (const key of ['import', 'default', ...Object.keys(conditions)]) {
      const found = key in conditions ? sourceOf(conditions[key]) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

async function importScenario(rounds: number): Promise<ImportResult[]> {
  const targets = importTargets();
  const samples = new Map<string, ImportProbeResult[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      await quiet();
      const child = Child.fork<{ type: 'none' }, ImportProbeResult>('import-probe.js', [target.module]);
      const result = await child.next('import', 60_000);
      await child.exited;
      samples.get(target.name)?.push(result);
    }
  }
  return targets.map((t) => {
    const list = samples.get(t.name) ?? [];
    const r = {
      name: t.name,
      module: t.module.startsWith(ROOT) ? t.module.slice(ROOT.length) : t.module,
      ms: summarize(list.map((s) => s.ms)),
      rssMB: summarize(list.map((s) => s.rss / MB)),
      heapMB: summarize(list.map((s) => s.heapUsed / MB)),
    };
    log(
      `import ${t.name.padEnd(22)} ${fmt(r.ms.median, 1)} ms, +${fmt(r.rssMB.median, 1)} MB RSS, +${fmt(r.heapMB.median, 1)} MB heap`,
    );
    return r;
  });
}

// ---------------------------------------------------------------- scenarios: connection storm

interface StormSample extends StormResult {
  /** The server's CPU time per connection (handshake, BootNotification), µs. */
  serverUs: number;
}

interface StormSystemResult {
  system: ServerSystem;
  ms: Summary;
  serverUs: Summary;
  failed: number;
  ratio: number;
  costRatio: number;
  samples: StormSample[];
}

async function stormScenario(config: Config): Promise<StormSystemResult[]> {
  const samples = new Map<ServerSystem, StormSample[]>(SYSTEMS.map((s) => [s, []]));
  for (let round = 1; round <= config.rounds; round++) {
    for (const system of SYSTEMS) {
      await quiet();
      const server = await startServer(system);
      const loadgen = startLoadgen();
      try {
        const cpu0 = await serverCpu(server.child);
        loadgen.send({ type: 'job', job: { kind: 'storm', url: urlOf(server.port), ...config.storm } });
        const r = (await loadgen.next('result', 300_000)).result as StormResult;
        const cpu1 = await serverCpu(server.child);
        const sample = { ...r, serverUs: (cpu1.us - cpu0.us) / Math.max(1, r.booted) };
        samples.get(system)?.push(sample);
        log(
          `storm r${round} ${system.padEnd(9)} ${r.booted} booted in ${fmt(r.ms, 0)} ms, server ${fmt(sample.serverUs, 0)} µs CPU per connection${r.failed ? `, ${r.failed} failed` : ''}`,
        );
      } finally {
        await loadgen.stop({ type: 'stop' });
        await server.child.stop({ type: 'stop' });
      }
    }
  }
  const results = SYSTEMS.map((system) => {
    const list = samples.get(system) ?? [];
    return {
      system,
      ms: summarize(list.map((s) => s.ms)),
      serverUs: summarize(list.map((s) => s.serverUs)),
      failed: list.reduce((n, s) => n + s.failed, 0),
      ratio: Number.NaN,
      costRatio: Number.NaN,
      samples: list,
    };
  });
  const base = results[0];
  for (const r of results) {
    r.ratio = ratio(r.ms.median, base?.ms.median ?? Number.NaN);
    r.costRatio = ratio(r.serverUs.median, base?.serverUs.median ?? Number.NaN);
  }
  return results;
}

// ---------------------------------------------------------------- report

const MB = 1024 * 1024;

function fmt(n: number, digits: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

const range = (s: Summary, digits: number): string => `${fmt(s.min, digits)} – ${fmt(s.max, digits)}`;
const times = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');

interface Target {
  name: string;
  value: number;
  limit: number;
  kind: 'at least' | 'at most';
  met: boolean | null;
}

interface Report {
  meta: Record<string, unknown>;
  synthetic?: { params: ThroughputParams; cells: ThroughputCellResult[] };
  ocpp?: { params: ThroughputParams; cells: ThroughputCellResult[] };
  idle?: { steps: number[]; systems: IdleResult[] };
  startup?: { systems: StartupResult[]; imports: ImportResult[] };
  storm?: { count: number; concurrency: number; systems: StormSystemResult[] };
  cluster?: ClusterBenchResult;
  console?: ConsoleBenchResult;
  targets: Target[];
}

/** Section 6: calls node to node through Redis against local calls (ocppkit/cluster-redis). */
function clusterSection(result: ClusterBenchResult | undefined): string {
  if (result === undefined) return '';
  if ('skipped' in result) return `\n## 6. Cluster calls through Redis\n\nNot measured: ${result.skipped}.\n`;
  const row = (name: string, side: { median: number; p50Ms: number; p99Ms: number; rates: number[] }) =>
    `| ${name} | ${Math.round(side.median).toLocaleString('en')} | ${Math.round(Math.min(...side.rates)).toLocaleString('en')} – ${Math.round(Math.max(...side.rates)).toLocaleString('en')} | ${side.p50Ms.toFixed(2)} | ${side.p99Ms.toFixed(2)} |`;
  return [
    '',
    `## 6. Cluster calls through Redis: ${result.connections} charge points, one call in flight each, ${result.durationMs / 1000} s per round, ${result.rounds} rounds`,
    '',
    '| calls | calls/s (median) | min – max | p50 ms | p99 ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('local (the node holds the charge point)', result.local),
    row('remote (another node, through Redis)', result.remote),
    '',
    `Remote / local: ${result.ratio.toFixed(2)}×.`,
    '',
  ].join('\n');
}

function throughputTable(cells: ThroughputCellResult[]): string {
  return table(
    [
      'system',
      'round trips/s (median)',
      'min – max',
      '× raw ws',
      'p50 ms',
      'p99 ms',
      'server CPU',
      'server µs/rt',
      'client CPU',
      'client µs/rt',
      'CPU per rt × raw',
      'other CPU (max)',
    ],
    cells.map((c) => [
      c.label,
      fmt(c.rps.median, 0),
      range(c.rps, 0),
      times(c.ratio),
      fmt(c.p50.median, 2),
      fmt(c.p99.median, 2),
      `${fmt(c.serverCpu.median, 0)}%`,
      fmt(c.serverUs.median, 1),
      `${fmt(c.clientCpu.median, 0)}%${c.errors ? ` (${c.errors} errors)` : ''}`,
      fmt(c.clientUs.median, 1),
      times(c.costRatio),
      `${fmt(c.otherCpu.max, 0)}%`,
    ]),
  );
}

function render(report: Report, config: Config): string {
  const out: string[] = [];
  const m = report.meta;
  out.push(
    `# ocppkit benchmark (${config.mode}, ${config.rounds} round${config.rounds === 1 ? '' : 's'})`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memory} RAM, ${m.os}; Node ${m.node}; ws ${m.ws}, ocpp-rpc ${m.ocppRpc}; ocppkit ${m.commit}.`,
    `ocpp-ws-io: ${m.ocppWsIo}`,
    '',
  );
  const samples = [...(report.synthetic?.cells ?? []), ...(report.ocpp?.cells ?? [])].flatMap((c) => c.samples);
  const noisy = samples.filter((s) => s.otherCpu > NOISE_LIMIT).length;
  if (noisy > 0) {
    out.push(
      `**Warning: ${noisy} of ${samples.length} throughput measurements ran while other programs took more than ${NOISE_LIMIT}% of a core (column "other CPU"); rerun on a quiet machine.**`,
      '',
    );
  }
  if (report.synthetic) {
    const p = report.synthetic.params;
    out.push(
      `## 1. Throughput, synthetic: ${p.connections} connections × ${p.inflight} calls in flight, BootNotification/Heartbeat 1:1, ${p.durationMs / 1000} s per round`,
      '',
      throughputTable(report.synthetic.cells),
      '',
    );
  }
  if (report.ocpp) {
    const p = report.ocpp.params;
    out.push(
      `## 2. Throughput, OCPP-shaped: ${p.connections} connections × ${p.inflight} call in flight, ${p.durationMs / 1000} s per round`,
      '',
      throughputTable(report.ocpp.cells),
      '',
    );
  }
  if (report.idle) {
    const steps = report.idle.steps;
    out.push(`## 3. Idle memory per connection (server, after BootNotification, after GC)`, '');
    const header = ['system'];
    for (const n of steps) header.push(`RSS KB @${fmt(n, 0)}`, `× raw`, `heap KB @${fmt(n, 0)}`, `× raw`);
    out.push(
      table(
        header,
        report.idle.systems.map((s) => {
          const row: string[] = [s.system];
          for (const p of s.perConnection) {
            row.push(
              `${fmt(p.rssKB.median, 1)} (${range(p.rssKB, 1)})`,
              times(p.ratioRss),
              `${fmt(p.heapKB.median, 1)} (${range(p.heapKB, 1)})`,
              times(p.ratioHeap),
            );
          }
          return row;
        }),
      ),
      '',
    );
  }
  if (report.startup) {
    out.push(
      '## 4. Start-up: process start to listening, idle RSS after GC',
      '',
      table(
        [
          'server',
          'spawn → listening ms',
          'min – max',
          'in-process ms',
          'idle RSS MB',
          'min – max',
          '× raw',
          'heap MB',
        ],
        report.startup.systems.map((s) => [
          s.system === 'node-http' ? 'node:http only (reference)' : s.system,
          fmt(s.spawnToListenMs.median, 0),
          range(s.spawnToListenMs, 0),
          fmt(s.readyMs.median, 0),
          fmt(s.rssMB.median, 1),
          range(s.rssMB, 1),
          times(s.ratioRss),
          fmt(s.heapMB.median, 1),
        ]),
      ),
      '',
      'Import of each subpath in a fresh process (after GC):',
      '',
      table(
        ['module', 'import ms', 'min – max', '+RSS MB', '+heap MB'],
        report.startup.imports.map((i) => [
          i.name,
          fmt(i.ms.median, 1),
          range(i.ms, 1),
          fmt(i.rssMB.median, 1),
          fmt(i.heapMB.median, 1),
        ]),
      ),
      '',
    );
  }
  if (report.storm) {
    out.push(
      `## 5. Connection storm: ${fmt(report.storm.count, 0)} charge points connect and get their BootNotification answered (at most ${report.storm.concurrency} handshakes pending)`,
      '',
      table(
        ['server', 'ms (median)', 'min – max', 'connections/s', '× raw ws time', 'server CPU µs/connection', '× raw'],
        report.storm.systems.map((s) => [
          s.system,
          fmt(s.ms.median, 0),
          range(s.ms, 0),
          fmt((report.storm?.count ?? 0) / (s.ms.median / 1000), 0),
          `${times(s.ratio)}${s.failed ? ` (${s.failed} failed)` : ''}`,
          fmt(s.serverUs.median, 0),
          times(s.costRatio),
        ]),
      ),
      '',
    );
  }
  if (report.targets.length > 0) {
    out.push(
      '## Targets',
      '',
      table(
        ['target', 'measured', 'limit', 'met'],
        report.targets.map((t) => [
          t.name,
          times(t.value),
          `${t.kind} ${t.limit}×`,
          t.met === null ? 'n/a' : t.met ? 'yes' : 'no',
        ]),
      ),
      '',
    );
  }
  return out.join('\n');
}

function targets(report: Report): Target[] {
  const list: Target[] = [];
  const add = (name: string, value: number | undefined, kind: Target['kind'], limit: number): void => {
    const v = value ?? Number.NaN;
    list.push({
      name,
      value: v,
      limit,
      kind,
      met: Number.isFinite(v) ? (kind === 'at least' ? v >= limit : v <= limit) : null,
    });
  };
  const cell = (id: string) => report.synthetic?.cells.find((c) => c.id === id);
  if (report.synthetic) {
    add('ocppkit both ends, synthetic, vs raw ws', cell('ocppkit')?.ratio, 'at least', 0.6);
    add('ocppkit server + raw client, synthetic, vs raw ws', cell('ocppkit-server')?.ratio, 'at least', 0.85);
  }
  if (report.idle) {
    const kit = report.idle.systems.find((s) => s.system === 'ocppkit');
    const last = kit?.perConnection[kit.perConnection.length - 1];
    add(`idle RSS per connection @${last?.count ?? '?'}, vs raw ws`, last?.ratioRss, 'at most', 1.2);
  }
  if (report.startup) {
    add(
      'idle RSS after start-up, vs raw ws',
      report.startup.systems.find((s) => s.system === 'ocppkit')?.ratioRss,
      'at most',
      1.15,
    );
  }
  return list;
}

function gitCommit(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'generated'], { cwd: ROOT, encoding: 'utf8' });
  return `${r.stdout.trim() || 'unknown'}${dirty.stdout.trim() ? ' (src modified)' : ''}`;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

function ocppWsIoStatus(): string {
  const version = packageVersion('ocpp-ws-io');
  if (version !== 'not installed') return `installed (${version}) but not driven by this harness yet`;
  return 'not measured: it does not install here (its dependency voltlog-io@^1.0.8 is not in the registry)';
}

function meta(config: Config): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    mode: config.mode,
    rounds: config.rounds,
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    fdLimit: fdLimit().soft,
    ws: packageVersion('ws'),
    ocppRpc: packageVersion('ocpp-rpc'),
    ocppWsIo: ocppWsIoStatus(),
    commit: gitCommit(),
  };
}

// ---------------------------------------------------------------- set-up

function fdLimit(): { soft: number; hard: number } {
  const read = (flag: string): number => {
    const r = spawnSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' });
    const v = r.stdout.trim();
    return v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v);
  };
  return { soft: read('-n'), hard: read('-Hn') };
}

/**
 * Each child holds up to the largest connection count in descriptors. Node raises its own soft open-file limit to
 * the hard one when it starts (so do its children): the hard limit is what counts.
 */
function ensureFdLimit(config: Config): void {
  const needed = Math.max(...config.idleSteps, config.storm.count) + 1024;
  const { soft, hard } = fdLimit();
  if (Math.max(soft, hard) >= needed) return;
  throw new Error(
    `The open-file limit is ${soft} (hard ${hard}); this run needs ${needed}. Raise the hard limit (ulimit -Hn ${needed}, as root) or use --quick.`,
  );
}

function build(): void {
  rmSync(BUILD, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  const t0 = performance.now();
  const r = spawnSync(tsc, ['-p', join(ROOT, 'bench/tsconfig.build.json')], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(join(BUILT_BENCH, 'server.js'))) {
    throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  }
  if (r.status !== 0)
    log(
      `warning: the compiler reported type errors (JavaScript emitted anyway):\n${r.stdout.split('\n').slice(0, 10).join('\n')}`,
    );
  log(`built bench and ocppkit to bench/results/build in ${fmt(performance.now() - t0, 0)} ms`);
}

// ---------------------------------------------------------------- profile mode

function cellById(id: string): ThroughputCell {
  const cell = THROUGHPUT_CELLS.find((c) => c.id === id);
  if (cell === undefined) throw new Error(`no cell ${id}`);
  return cell;
}

async function profileRun(config: Config): Promise<void> {
  const dir = join(RESULTS, 'profiles');
  rmSync(dir, { recursive: true, force: true });
  const runs: { name: string; cell: ThroughputCell; params: ThroughputParams }[] = [
    { name: 'server-synthetic', cell: cellById('ocppkit-server'), params: config.synthetic },
    { name: 'both-synthetic', cell: cellById('ocppkit'), params: config.synthetic },
    { name: 'both-ocpp', cell: cellById('ocppkit'), params: config.ocpp },
  ];
  const text: string[] = [];
  for (const run of runs) {
    const serverDir = join(dir, run.name, 'server');
    const clientDir = join(dir, run.name, 'client');
    mkdirSync(serverDir, { recursive: true });
    mkdirSync(clientDir, { recursive: true });
    const s = await throughputCell(run.cell, run.params, {
      serverArgs: ['--cpu-prof', '--cpu-prof-dir', serverDir],
      clientArgs: run.cell.client === 'ocppkit' ? ['--cpu-prof', '--cpu-prof-dir', clientDir] : [],
    });
    log(`profile ${run.name}: ${fmt(s.rps, 0)} rt/s (profiling on)`);
    for (const [side, d] of [
      ['server', serverDir],
      ['client', clientDir],
    ] as const) {
      for (const file of readdirSync(d).filter((f) => f.endsWith('.cpuprofile'))) {
        const summary = summarizeProfile(JSON.parse(readFileSync(join(d, file), 'utf8')));
        text.push(
          formatProfile(`${run.name}, ${side} (${run.cell.label}, ${fmt(s.rps, 0)} rt/s while profiling)`, summary),
          '',
        );
      }
    }
  }
  // the connection path: a storm against a profiled ocppkit server
  const stormDir = join(dir, 'storm', 'server');
  mkdirSync(stormDir, { recursive: true });
  const server = await startServer('ocppkit', ['--cpu-prof', '--cpu-prof-dir', stormDir]);
  const loadgen = startLoadgen();
  let storm: StormResult | undefined;
  try {
    loadgen.send({ type: 'job', job: { kind: 'storm', url: urlOf(server.port), ...config.storm } });
    storm = (await loadgen.next('result', 300_000)).result as StormResult;
  } finally {
    await loadgen.stop({ type: 'stop' });
    await server.child.stop({ type: 'stop' });
  }
  log(`profile storm: ${storm.booted} booted in ${fmt(storm.ms, 0)} ms (profiling on)`);
  for (const file of readdirSync(stormDir).filter((f) => f.endsWith('.cpuprofile'))) {
    const summary = summarizeProfile(JSON.parse(readFileSync(join(stormDir, file), 'utf8')));
    text.push(formatProfile(`storm, server (${storm.booted} charge points in ${fmt(storm.ms, 0)} ms)`, summary), '');
  }
  const out = text.join('\n');
  writeFileSync(join(dir, 'summary.txt'), out);
  console.log(out);
  log(`profiles in bench/results/profiles/ (open the .cpuprofile files in Chrome DevTools), summary in summary.txt`);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2));
  quietWaitMs = config.quietWaitMs;
  quietBudgetMs = config.quietBudgetMs;
  selectedCells = config.cells;
  ensureFdLimit(config);
  mkdirSync(RESULTS, { recursive: true });
  const started = performance.now();
  if (config.build || !existsSync(join(BUILT_BENCH, 'server.js'))) build();
  if (config.profile) {
    await profileRun(config);
    return;
  }
  const report: Report = { meta: meta(config), targets: [] };
  const has = (s: string): boolean => config.scenarios.has(s);
  if (has('synthetic')) {
    report.synthetic = {
      params: config.synthetic,
      cells: await throughputScenario('synthetic', config.synthetic, config.rounds, config.retries),
    };
  }
  if (has('ocpp')) {
    report.ocpp = {
      params: config.ocpp,
      cells: await throughputScenario('ocpp', config.ocpp, config.rounds, config.retries),
    };
  }
  if (has('idle')) report.idle = { steps: config.idleSteps, systems: await idleScenario(config) };
  if (has('startup')) {
    report.startup = {
      systems: await startupScenario(config.startupRounds),
      imports: await importScenario(config.startupRounds),
    };
  }
  if (has('storm')) report.storm = { ...config.storm, systems: await stormScenario(config) };
  if (has('cluster')) {
    report.cluster = await runClusterRedisBench({
      rounds: config.rounds,
      durationMs: config.mode === 'quick' ? 2000 : 10_000,
      log,
    });
  }
  if (has('console')) {
    report.console = await runConsoleBench({
      sets: config.mode === 'quick' ? 2 : 6,
      rounds: config.mode === 'quick' ? 2 : 6,
      connections: config.mode === 'quick' ? 200 : 1000,
      warmupMs: config.mode === 'quick' ? 1000 : 3000,
      windowMs: 500,
      log,
    });
  }
  report.targets = targets(report);
  report.meta.durationSeconds = Math.round((performance.now() - started) / 1000);
  const text = render(report, config) + clusterSection(report.cluster) + consoleSection(report.console);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(report, null, 2);
  writeFileSync(join(RESULTS, `bench-${config.mode}-${stamp}.json`), json);
  writeFileSync(join(RESULTS, `latest-${config.mode}.json`), json);
  writeFileSync(join(RESULTS, `latest-${config.mode}.md`), text);
  console.log(text);
  log(`took ${report.meta.durationSeconds} s; JSON in bench/results/latest-${config.mode}.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exit(1);
});
