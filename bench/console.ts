/**
 * The cost of the console: the demo CSMS's throughput with no console against the same server with the console
 * attached and its page open in headless Chromium, and how quickly that page answers meanwhile.
 *
 *   npx tsx bench/console.ts [--quick] [--rounds N] [--connections N] [--json]
 *
 * Processes, all on 127.0.0.1: the server (the demo CSMS, ocpp1.6, validation on, a fresh process per round, with
 * `attachConsole` or not); Chromium with the console's page (console rounds only); this process as the charge
 * points: raw `ws` sockets, each a closed loop of Heartbeat CALLs, one in flight per charge point (OCPP's rule).
 * Rounds alternate none, console, then console, none. During console rounds the page is asked for the time every
 * 250 ms: the round trip is how long the page keeps someone waiting. A last console round paces the charge points at
 * about 1,000 calls/s in all, the load the console is made for. The server's CPU time per call and Chromium's CPU
 * are read for each measured window.
 *
 * `runConsoleBench(options)` is the same for a harness.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/console/chromium.ts';
import { type Summary, sleep, summarize } from './lib/stats.ts';

export interface ConsoleBenchOptions {
  /** Charge points connected. Default 1000. */
  connections?: number;
  warmupMs?: number;
  durationMs?: number;
  rounds?: number;
  /** Pin the server to core 0 and this process (the charge points) and Chromium to the others. */
  pin?: boolean;
  log?: (line: string) => void;
}

export type ConsoleBenchResult =
  | { skipped: string }
  | {
      connections: number;
      rounds: number;
      durationMs: number;
      /** Calls per second without a console, every round. */
      none: Summary;
      /** Calls per second with the console attached and its page open, every round. */
      console: Summary;
      /** console median / none median. */
      ratio: number;
      /** The page's answer time during console rounds (ms): median and worst of every sample. */
      pageMs: { median: number; max: number };
      /** Log rows in the page's DOM at the end of the last round (the log is virtualised). */
      domRows: number;
      /** The server's CPU time per call (µs), median of the rounds: less noisy than calls/s on a shared machine. */
      cpuPerCall: { none: number; console: number };
      /** Chromium's CPU use while measuring (cores), median of the console rounds. */
      chromiumCores: number;
      /** At about 1,000 calls/s: the calls answered per second, the page's answer times (ms), frames skipped. */
      paced: { callsPerSecond: number; pageMs: { median: number; max: number }; skipped: number };
    };

const SELF = fileURLToPath(import.meta.url);
type Ready = { type: 'ready'; port: number; consoleUrl: string | undefined };
type Cpu = { type: 'cpu'; micros: number };

/** The server process's CPU time so far, µs. */
function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not report its CPU time')), 5000);
    const onMessage = (message: Cpu | Ready) => {
      if (message.type !== 'cpu') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.micros);
    };
    child.on('message', onMessage);
    child.send({ type: 'cpu' });
  });
}

/** CPU time (µs) of the processes of the Chromium this process launched: its descendants but the server's tree. */
function chromiumCpu(server: number | undefined): number {
  const ticks = 1_000_000 / 100; // µs per clock tick (USER_HZ is 100 on Linux)
  let total = 0;
  const parents = new Map<number, number>();
  const times = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(fields[1]));
      times.set(Number(name), (Number(fields[11]) + Number(fields[12])) * ticks);
    } catch {
      // gone meanwhile
    }
  }
  for (const [pid, time] of times) {
    if (pid === server) continue;
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === server) break;
      if (p === process.pid) {
        total += time;
        break;
      }
    }
  }
  return total;
}

// ---------------------------------------------------------------- the server (a child process)

async function serverRole(withConsole: boolean): Promise<void> {
  const { createDemoCsms } = await import('../src/demo/index.ts');
  const { server } = createDemoCsms({ host: '127.0.0.1', protocols: ['ocpp1.6'] });
  const { port } = await server.listen(0, '127.0.0.1');
  let consoleUrl: string | undefined;
  if (withConsole) {
    const { attachConsole } = await import('../src/console/index.ts');
    consoleUrl = (await attachConsole(server)).url;
  }
  process.send?.({ type: 'ready', port, consoleUrl } satisfies Ready);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: user + system } satisfies Cpu);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------- the charge points (this process)

async function openSockets(port: number, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/BENCH-${i + j}`, 'ocpp1.6');
      sockets.push(ws);
      return new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
    });
    await Promise.all(batch);
  }
  return sockets;
}

/** Runs every socket's closed loop of Heartbeats; resolves with the calls answered per second after the warmup. */
async function heartbeats(
  sockets: WebSocket[],
  warmupMs: number,
  durationMs: number,
  mark: () => Promise<void>,
): Promise<{ rate: number; calls: number }> {
  let counting = false;
  let answered = 0;
  let running = true;
  for (const [i, ws] of sockets.entries()) {
    let n = 0;
    const next = () => {
      if (running && ws.readyState === WebSocket.OPEN) ws.send(`[2,"${i}-${n++}","Heartbeat",{}]`);
    };
    ws.on('message', () => {
      if (counting) answered++;
      next();
    });
    next();
  }
  await sleep(warmupMs);
  await mark();
  counting = true;
  const started = performance.now();
  await sleep(durationMs);
  counting = false;
  const seconds = (performance.now() - started) / 1000;
  await mark();
  running = false;
  return { rate: answered / seconds, calls: answered };
}

function pinTo(pid: number, cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

function startServer(withConsole: boolean, pin: boolean): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(SELF, ['--role', 'server', withConsole ? 'console' : 'none'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (pin) pinTo(child.pid!, '0');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start')), 30_000);
    child.once('message', (ready: Ready) => {
      clearTimeout(timer);
      resolve({ child, ready });
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}

/** Page answer times while `sockets` send `rate` Heartbeats per second in all (each at its own moment). */
async function pacedLoad(
  sockets: WebSocket[],
  rate: number,
  durationMs: number,
  page: import('playwright-core').Page,
): Promise<{ answered: number; pageMs: number[] }> {
  let answered = 0;
  const period = (sockets.length / rate) * 1000;
  const timers = sockets.map((ws, i) => {
    ws.on('message', () => answered++);
    let n = 0;
    const send = () => ws.readyState === WebSocket.OPEN && ws.send(`[2,"p${i}-${n++}","Heartbeat",{}]`);
    const start = setTimeout(() => {
      send();
      timers[i] = setInterval(send, period);
    }, Math.random() * period);
    return start;
  });
  const pageMs: number[] = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const asked = performance.now();
    await page.evaluate(() => performance.now());
    pageMs.push(performance.now() - asked);
    await sleep(250);
  }
  for (const timer of timers) clearInterval(timer);
  return { answered, pageMs };
}

export async function runConsoleBench(options: ConsoleBenchOptions = {}): Promise<ConsoleBenchResult> {
  if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} is not installed` };
  const log = options.log ?? (() => {});
  const connections = options.connections ?? 1000;
  const rounds = options.rounds ?? 3;
  const warmupMs = options.warmupMs ?? 2000;
  const durationMs = options.durationMs ?? 10_000;
  const pin = options.pin ?? false;
  if (pin) pinTo(process.pid, `1-${availableParallelism() - 1}`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const rates = { none: [] as number[], console: [] as number[] };
  const pageTimes: number[] = [];
  const cpuPerCall = { none: [] as number[], console: [] as number[] };
  const chromiumCores: number[] = [];
  let domRows = 0;
  let paced = { callsPerSecond: Number.NaN, pageMs: { median: Number.NaN, max: Number.NaN }, skipped: Number.NaN };
  try {
    for (let round = 0; round < rounds; round++) {
      // A B, then B A: neither goes first every time.
      for (const mode of round % 2 === 0 ? (['none', 'console'] as const) : (['console', 'none'] as const)) {
        const { child, ready } = await startServer(mode === 'console', pin);
        const page = ready.consoleUrl === undefined ? undefined : await browser.newPage();
        try {
          if (page) {
            await page.goto(ready.consoleUrl!);
            await page.locator('#live.on').waitFor({ timeout: 10_000 });
          }
          const sockets = await openSockets(ready.port, connections);
          let sampling = page !== undefined;
          const sampler = (async () => {
            while (sampling && page) {
              const asked = performance.now();
              await page.evaluate(() => performance.now());
              pageTimes.push(performance.now() - asked);
              await sleep(250);
            }
          })();
          const marks: { server: number; chromium: number; at: number }[] = [];
          const mark = async () => {
            marks.push({ server: await serverCpu(child), chromium: chromiumCpu(child.pid), at: performance.now() });
          };
          const { rate, calls } = await heartbeats(sockets, warmupMs, durationMs, mark);
          const [from, to] = marks as [(typeof marks)[0], (typeof marks)[0]];
          cpuPerCall[mode].push((to.server - from.server) / calls);
          if (page) chromiumCores.push((to.chromium - from.chromium) / ((to.at - from.at) * 1000));
          sampling = false;
          await sampler;
          if (page) domRows = await page.locator('#log .vrow').count();
          rates[mode].push(rate);
          log(`console bench, round ${round + 1}, ${mode}: ${Math.round(rate)} calls/s`);
          for (const ws of sockets) ws.terminate();
        } finally {
          await page?.close();
          child.kill('SIGKILL');
        }
      }
    }
    // The load the console is made for: about 1,000 calls/s from the charge points, the page open.
    const { child, ready } = await startServer(true, pin);
    const page = await browser.newPage();
    try {
      await page.goto(ready.consoleUrl!);
      await page.locator('#live.on').waitFor({ timeout: 10_000 });
      const sockets = await openSockets(ready.port, connections);
      const run = await pacedLoad(sockets, 1000, Math.max(durationMs / 2, 2000), page);
      const count = (await page.locator('#log-count').textContent()) ?? '';
      const sorted = [...run.pageMs].sort((a, b) => a - b);
      paced = {
        callsPerSecond: run.answered / (Math.max(durationMs / 2, 2000) / 1000),
        pageMs: { median: sorted[sorted.length >> 1] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN },
        skipped: Number(/, (\d+) skipped/.exec(count)?.[1] ?? 0),
      };
      log(`console bench, paced: ${Math.round(paced.callsPerSecond)} calls/s, page ${count}`);
      for (const ws of sockets) ws.terminate();
    } finally {
      await page.close();
      child.kill('SIGKILL');
    }
  } finally {
    await browser.close();
  }
  const none = summarize(rates.none);
  const withConsole = summarize(rates.console);
  const sorted = [...pageTimes].sort((a, b) => a - b);
  return {
    connections,
    rounds,
    durationMs,
    none,
    console: withConsole,
    ratio: withConsole.median / none.median,
    pageMs: { median: sorted[sorted.length >> 1] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN },
    domRows,
    cpuPerCall: { none: summarize(cpuPerCall.none).median, console: summarize(cpuPerCall.console).median },
    chromiumCores: summarize(chromiumCores).median,
    paced,
  };
}

/** The result as a markdown table, for the bench report and docs/benchmarks.md. */
export function consoleSection(result: ConsoleBenchResult | undefined): string {
  if (result === undefined) return '';
  if ('skipped' in result) return `\n## 7. The console's cost\n\nNot measured: ${result.skipped}.\n`;
  const row = (name: string, s: Summary) =>
    `| ${name} | ${Math.round(s.median)} | ${Math.round(s.min)}–${Math.round(s.max)} |`;
  const more = (result.cpuPerCall.console / result.cpuPerCall.none - 1) * 100;
  return [
    '',
    `## 7. The console's cost: ${result.connections} charge points, Heartbeats, one in flight each, ` +
      `${result.durationMs / 1000} s per round, ${result.rounds} rounds`,
    '',
    '| server | calls/s (median) | min–max |',
    '| --- | ---: | ---: |',
    row('no console', result.none),
    row('console attached, page open', result.console),
    '',
    `console / none: ${result.ratio.toFixed(3)} (${((1 - result.ratio) * 100).toFixed(1)}% fewer calls/s). ` +
      `The page answered in ${result.pageMs.median.toFixed(1)} ms (median; worst ${result.pageMs.max.toFixed(0)} ms) ` +
      `under that load, with ${result.domRows} log rows in its DOM.`,
    '',
    `Server CPU per call: ${result.cpuPerCall.none.toFixed(1)} µs without the console, ` +
      `${result.cpuPerCall.console.toFixed(1)} µs with it (${more.toFixed(1)}% more). ` +
      `Chromium used ${result.chromiumCores.toFixed(2)} cores meanwhile.`,
    '',
    `At ${Math.round(result.paced.callsPerSecond)} calls/s (paced), the page answered in ` +
      `${result.paced.pageMs.median.toFixed(1)} ms (median; worst ${result.paced.pageMs.max.toFixed(0)} ms), ` +
      `${result.paced.skipped} frames skipped.`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- entry

const argv = process.argv.slice(2);
if (argv[0] === '--role') {
  await serverRole(argv[2] === 'console');
} else if (process.argv[1] === SELF) {
  const quick = argv.includes('--quick');
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const result = await runConsoleBench({
    rounds: Number(value('--rounds') ?? (quick ? 1 : 3)),
    pin: argv.includes('--pin'),
    connections: Number(value('--connections') ?? (quick ? 200 : 1000)),
    warmupMs: quick ? 500 : 2000,
    durationMs: quick ? 2000 : 10_000,
    log: (line) => console.log(line),
  });
  console.log(argv.includes('--json') ? JSON.stringify(result, null, 2) : consoleSection(result));
}
