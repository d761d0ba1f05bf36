/**
 * The load generator, as a child process of the harness: `node loadgen.js`. Takes one job over IPC (throughput,
 * idle connections or a connection storm), runs it against a server on 127.0.0.1 and reports. One job per process.
 */
import type WebSocket from 'ws';
import { type ConnectFn, type LoadConnection, Meter } from './clients/meter.ts';
import { openBooted } from './clients/raw.ts';
import type { ClientKind, IdleJob, LoadgenRequest, StormJob, ThroughputJob } from './lib/ipc.ts';
import { toParent } from './lib/ipc.ts';
import { pool, sleep } from './lib/stats.ts';

/** Handshakes pending at once while connections are being opened. */
const CONNECT_CONCURRENCY = 200;
const DRAIN_MS = 3000;

async function driver(kind: ClientKind): Promise<ConnectFn> {
  switch (kind) {
    case 'raw':
      return (await import('./clients/raw.ts')).connect;
    case 'ocpp-rpc':
      return (await import('./clients/ocpp-rpc.ts')).connect;
    case 'ocppkit':
      return (await import('./clients/ocppkit.ts')).connect;
  }
}

let continueWaiter: (() => void) | undefined;
const nextContinue = (): Promise<void> =>
  new Promise((resolve) => {
    continueWaiter = resolve;
  });

async function throughput(job: ThroughputJob): Promise<void> {
  const connect = await driver(job.client);
  const meter = new Meter();
  const connections: LoadConnection[] = new Array(job.connections);
  const t0 = performance.now();
  await pool(job.connections, CONNECT_CONCURRENCY, async (i) => {
    connections[i] = await connect(job.url, `CP${i.toString().padStart(5, '0')}`, meter, job.inflight);
  });
  const connectMs = performance.now() - t0;
  for (const c of connections) c.run(job.inflight);
  await sleep(job.warmupMs);
  toParent({ type: 'phase', phase: 'measure-start' });
  const cpu0 = process.cpuUsage();
  meter.begin();
  await sleep(job.durationMs);
  meter.end();
  const cpu = process.cpuUsage(cpu0);
  toParent({ type: 'phase', phase: 'measure-end' });
  meter.stop();
  await Promise.race([Promise.all(connections.map((c) => c.drained())), sleep(DRAIN_MS)]);
  for (const c of connections) c.close();
  const h = meter.histogram;
  const seconds = meter.seconds;
  toParent({
    type: 'result',
    result: {
      completed: meter.completed,
      errors: meter.errors,
      seconds,
      rps: meter.completed / seconds,
      p50: h.quantile(0.5),
      p90: h.quantile(0.9),
      p99: h.quantile(0.99),
      max: h.max,
      connectMs,
      clientCpu: ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100,
    },
  });
}

async function idle(job: IdleJob): Promise<void> {
  const sockets: WebSocket[] = [];
  // warm the server's connection path so that lazily loaded code is in the baseline, not in the per-connection figure
  await pool(20, 20, async (i) => {
    const ws = await openBooted(job.url, `WARM${i}`);
    ws.close();
  });
  await sleep(300);
  toParent({ type: 'step', count: 0, failed: 0, ms: 0 });
  await nextContinue();
  let failed = 0;
  for (const target of job.steps) {
    const from = sockets.length;
    const t0 = performance.now();
    await pool(target - from, job.concurrency, async (i) => {
      try {
        sockets.push(await openBooted(job.url, `CP${(from + i).toString().padStart(5, '0')}`));
      } catch {
        failed++;
      }
    });
    toParent({ type: 'step', count: sockets.length, failed, ms: performance.now() - t0 });
    await nextContinue();
  }
  for (const ws of sockets) ws.terminate();
}

async function storm(job: StormJob): Promise<void> {
  const sockets: WebSocket[] = [];
  let failed = 0;
  const t0 = performance.now();
  await pool(job.count, job.concurrency, async (i) => {
    try {
      sockets.push(await openBooted(job.url, `CP${i.toString().padStart(5, '0')}`));
    } catch {
      failed++;
    }
  });
  const ms = performance.now() - t0;
  toParent({ type: 'result', result: { ms, booted: sockets.length, failed } });
  for (const ws of sockets) ws.terminate();
}

process.on('message', (message: LoadgenRequest) => {
  switch (message.type) {
    case 'continue':
      continueWaiter?.();
      return;
    case 'stop':
      process.exit(0);
      return;
    case 'job': {
      const job = message.job;
      const run = job.kind === 'throughput' ? throughput(job) : job.kind === 'idle' ? idle(job) : storm(job);
      run.catch((error: unknown) =>
        toParent({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
      );
    }
  }
});
process.on('disconnect', () => process.exit(0));
