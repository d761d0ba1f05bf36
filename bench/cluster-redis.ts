/**
 * Calls per second from one node to charge points held by another node, through Redis, against the same calls made
 * locally on the node that holds them.
 *
 *   npx tsx bench/cluster-redis.ts [--quick] [--rounds N] [--connections N] [--json]
 *
 * Uses the Redis of OCPPKIT_REDIS_URL when it answers, else starts a private redis-server (no persistence) on a
 * free port; without either it reports `skipped`. Processes, all on 127.0.0.1: Redis; the owner node (OcppServer +
 * RedisCluster) with the charge points' sockets; the caller node (RedisCluster on an OcppServer with no charge
 * points); the charge points (raw `ws`, answering at once). Each measurement is a closed loop: one worker per charge
 * point, one DataTransfer in flight per charge point (OCPP's rule), validated both ways as in production. The local
 * figure runs the same loop on the owner (`cluster.call` takes its local path: no Redis), the remote one on the
 * caller (ROUTE script + PUBLISH to the owner, its call, PUBLISH of the answer). Rounds alternate local, remote.
 *
 * `runClusterRedisBench(options)` is the same for a harness.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

export interface ClusterBenchOptions {
  /** Charge points (and calls in flight). Default 100. */
  connections?: number;
  warmupMs?: number;
  durationMs?: number;
  rounds?: number;
  /** A Redis to use; default OCPPKIT_REDIS_URL if it answers, else a private redis-server. */
  redisUrl?: string;
  log?: (line: string) => void;
}

export interface ClusterBenchSide {
  /** Calls per second, every round. */
  rates: number[];
  median: number;
  p50Ms: number;
  p99Ms: number;
}

export type ClusterBenchResult =
  | { skipped: string }
  | {
      connections: number;
      rounds: number;
      durationMs: number;
      redis: 'private' | 'given';
      local: ClusterBenchSide;
      remote: ClusterBenchSide;
      /** remote median / local median. */
      ratio: number;
    };

interface RunResult {
  calls: number;
  errors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

type Order = { type: 'run'; identities: string[]; warmupMs: number; durationMs: number } | { type: 'exit' };
type Report = { type: 'ready'; port: number } | ({ type: 'result' } & RunResult);

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- roles (child processes)

async function nodeRole(nodeId: string, redisUrl: string): Promise<void> {
  const [{ OcppServer }, { RedisCluster }, v16] = await Promise.all([
    import('../src/server.ts'),
    import('../src/cluster-redis/index.ts'),
    import('../src/v16/index.ts'),
  ]);
  const server = new OcppServer({ protocols: { 'ocpp1.6': v16.ChargePoint }, host: '127.0.0.1', pingInterval: 0 });
  const cluster = new RedisCluster(server, { redis: redisUrl, nodeId, prefix: 'bench', maxInFlight: 10_000 });
  await cluster.start();
  const { port } = await server.listen(0, '127.0.0.1');
  const send = (report: Report) => process.send?.(report);
  process.on('message', async (order: Order) => {
    if (order.type === 'exit') {
      await cluster.close();
      await server.close();
      process.exit(0);
    }
    const result = await closedLoop(order, (identity, data) =>
      cluster.version('ocpp1.6').call(identity, 'DataTransfer', { vendorId: 'bench', data }),
    );
    send({ type: 'result', ...result });
  });
  send({ type: 'ready', port });
}

async function closedLoop(
  order: Extract<Order, { type: 'run' }>,
  call: (identity: string, data: string) => Promise<unknown>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let counting = false;
  let stop = false;
  let calls = 0;
  let errors = 0;
  const worker = async (identity: string) => {
    for (let i = 0; !stop; i++) {
      const started = performance.now();
      try {
        await call(identity, `${i}`);
        if (counting) {
          calls++;
          latencies.push(performance.now() - started);
        }
      } catch {
        if (counting) errors++;
      }
    }
  };
  const workers = order.identities.map(worker);
  await sleep(order.warmupMs);
  counting = true;
  const started = performance.now();
  await sleep(order.durationMs);
  counting = false;
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { calls, errors, seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

async function chargePointsRole(url: string, count: number): Promise<void> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`${url}/bench-${i}`, 'ocpp1.6');
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as [number, string, string, { data?: string }];
      if (frame[0] === 2) ws.send(JSON.stringify([3, frame[1], { status: 'Accepted', data: frame[3].data ?? '' }]));
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    sockets.push(ws);
  }
  process.send?.({ type: 'ready', port: 0 } satisfies Report);
  process.on('message', (order: Order) => {
    if (order.type === 'exit') {
      for (const ws of sockets) ws.close();
      setTimeout(() => process.exit(0), 100);
    }
  });
}

// ---------------------------------------------------------------- orchestration

class Child {
  readonly #queue: Report[] = [];
  #wake: (() => void) | undefined;
  constructor(readonly proc: ChildProcess) {
    proc.on('message', (report: Report) => {
      this.#queue.push(report);
      this.#wake?.();
    });
    proc.on('exit', () => this.#wake?.());
  }

  static start(args: string[]): Child {
    return new Child(fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  async next<T extends Report['type']>(type: T, ms: number): Promise<Extract<Report, { type: T }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.#queue.findIndex((r) => r.type === type);
      if (i >= 0) return this.#queue.splice(i, 1)[0] as Extract<Report, { type: T }>;
      if (this.proc.exitCode !== null || Date.now() > deadline) throw new Error(`no ${type} from child`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  send(order: Order): void {
    if (this.proc.connected) this.proc.send(order);
  }
}

export async function runClusterRedisBench(options: ClusterBenchOptions = {}): Promise<ClusterBenchResult> {
  const log = options.log ?? (() => {});
  const connections = options.connections ?? 100;
  const rounds = options.rounds ?? 3;
  const warmupMs = options.warmupMs ?? 2000;
  const durationMs = options.durationMs ?? 5000;

  let redisUrl = options.redisUrl;
  let redisKind: 'private' | 'given' = 'given';
  let privateRedis: ChildProcess | undefined;
  if (redisUrl === undefined && process.env.OCPPKIT_REDIS_URL && (await answers(process.env.OCPPKIT_REDIS_URL))) {
    redisUrl = process.env.OCPPKIT_REDIS_URL;
  }
  if (redisUrl === undefined) {
    const port = await freePort();
    privateRedis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    const failed = new Promise<boolean>((resolve) => {
      privateRedis?.once('error', () => resolve(true));
      privateRedis?.once('exit', () => resolve(true));
    });
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && !(await answers(url)); i++) {
      if (await Promise.race([failed, sleep(50).then(() => false)])) {
        return { skipped: 'no Redis: redis-server is not installed and OCPPKIT_REDIS_URL does not answer' };
      }
    }
    if (!(await answers(url))) return { skipped: 'redis-server did not start' };
    redisUrl = url;
    redisKind = 'private';
  }

  const children: Child[] = [];
  try {
    const owner = Child.start(['--role', 'node', 'owner', redisUrl]);
    children.push(owner);
    const { port } = await owner.next('ready', 20_000);
    const caller = Child.start(['--role', 'node', 'caller', redisUrl]);
    children.push(caller);
    const chargePoints = Child.start(['--role', 'charge-points', `ws://127.0.0.1:${port}`, String(connections)]);
    children.push(chargePoints);
    await Promise.all([caller.next('ready', 20_000), chargePoints.next('ready', 30_000)]);
    await sleep(500); // presence written
    const identities = Array.from({ length: connections }, (_, i) => `bench-${i}`);
    const local: RunResult[] = [];
    const remote: RunResult[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [side, child, results] of [
        ['local', owner, local],
        ['remote', caller, remote],
      ] as const) {
        child.send({ type: 'run', identities, warmupMs, durationMs });
        const result = await child.next('result', warmupMs + durationMs + 60_000);
        if (result.errors > 0) throw new Error(`${side}: ${result.errors} calls failed`);
        results.push(result);
        log(
          `round ${round + 1} ${side.padEnd(6)} ${Math.round(result.calls / result.seconds)} calls/s` +
            ` p50 ${result.p50Ms.toFixed(2)} ms p99 ${result.p99Ms.toFixed(2)} ms`,
        );
      }
    }
    const side = (results: RunResult[]): ClusterBenchSide => {
      const rates = results.map((r) => r.calls / r.seconds);
      const mid = median(rates);
      return {
        rates,
        median: mid,
        p50Ms: median(results.map((r) => r.p50Ms)),
        p99Ms: median(results.map((r) => r.p99Ms)),
      };
    };
    const l = side(local);
    const r = side(remote);
    return { connections, rounds, durationMs, redis: redisKind, local: l, remote: r, ratio: r.median / l.median };
  } finally {
    for (const child of children) child.send({ type: 'exit' });
    await sleep(300);
    for (const child of children) child.proc.kill('SIGKILL');
    privateRedis?.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------- helpers

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Whether a Redis answers PING at `url` within a second. */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 1000);
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.end();
      resolve(String(data).startsWith('+PONG'));
    });
  });
}

// ---------------------------------------------------------------- entry

const argv = process.argv.slice(2);
if (argv[0] === '--role') {
  if (argv[1] === 'node') await nodeRole(argv[2] as string, argv[3] as string);
  else await chargePointsRole(argv[2] as string, Number(argv[3]));
} else if (process.argv[1] === SELF) {
  const quick = argv.includes('--quick');
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const result = await runClusterRedisBench({
    rounds: Number(value('--rounds') ?? (quick ? 1 : 3)),
    connections: Number(value('--connections') ?? 100),
    warmupMs: quick ? 500 : 2000,
    durationMs: quick ? 2000 : 5000,
    log: (line) => console.log(line),
  });
  if (argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else if ('skipped' in result) console.log(`cluster-redis: skipped (${result.skipped})`);
  else {
    console.log(
      `\n| calls to ${result.connections} charge points | calls/s (median of ${result.rounds}) | p50 ms | p99 ms |\n` +
        `| --- | ---: | ---: | ---: |\n` +
        `| local (the node holding the sockets) | ${Math.round(result.local.median)} | ${result.local.p50Ms.toFixed(2)} | ${result.local.p99Ms.toFixed(2)} |\n` +
        `| remote (another node, through Redis) | ${Math.round(result.remote.median)} | ${result.remote.p50Ms.toFixed(2)} | ${result.remote.p99Ms.toFixed(2)} |\n` +
        `\nremote / local: ${result.ratio.toFixed(2)}`,
    );
  }
}
