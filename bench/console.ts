/**
 * The cost of the console: the demo CSMS's throughput with no console, with the console attached and its page open
 * in headless Chromium, with the console's update stream read by a plain HTTP client instead of a browser, and after
 * a console was attached and detached; and how quickly the page answers meanwhile.
 *
 *   npx tsx bench/console.ts [--quick] [--sets N] [--rounds N] [--window MS] [--connections N] [--no-pin] [--json]
 *
 * Processes, all on 127.0.0.1:
 * - in each set, four fresh servers, each the demo CSMS (ocpp1.6, validation on) in its own process, started
 *   together (in an order that turns from set to set) and kept for the set: `none`; `console`, with `attachConsole`
 *   and its page open in Chromium; `stream`, with `attachConsole` and its update stream (`/api/events`) read by this
 *   process; `detached`, whose console was attached with its page open through the warm-up, then closed;
 * - this process as the charge points: `connections` raw `ws` sockets to each server, each a closed loop of
 *   Heartbeat CALLs, one in flight per charge point (OCPP's rule).
 * The load goes to one server at a time, in windows of `windowMs`, in blocks of none, console, stream, detached,
 * then the same backwards: what drifts on a shared machine meanwhile falls on every server alike, and each block
 * compares windows seconds apart. A block's ratio is (the mode's two windows) / (the two `none` windows), for
 * calls/s and for the server's CPU time per call. A process keeps how it happened to settle (its compiled code, its
 * memory) for its whole life, and two processes of the same code differ by several percent: so the run is `sets`
 * sets of fresh processes, and reports the median over every block with the lowest and highest set median.
 * With two cores or more (and `taskset`), the servers share core 0 and this process and Chromium the others: the
 * page runs where its user's browser would, not on the server's core. During console windows the page is asked for
 * the time every 250 ms: the round trip is how long the page keeps someone waiting. Last, the console server of the
 * last set gets about 1,000 calls/s in all, the load the console is made for.
 *
 * `runConsoleBench(options)` is the same for a harness.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { type ClientRequest, get } from 'node:http';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/console/chromium.ts';
import { type Summary, sleep, summarize } from './lib/stats.ts';

export interface ConsoleBenchOptions {
  /** Charge points connected to each server. Default 1000. */
  connections?: number;
  /** Load on each server before measuring, ms. Default 3000. */
  warmupMs?: number;
  /** One measured window, ms. Default 500. */
  windowMs?: number;
  /** Sets of four fresh servers, measured one after the other. Default 6. */
  sets?: number;
  /** Blocks of eight windows per set (none, console, stream, detached, then backwards). Default 6. */
  rounds?: number;
  /** Servers on core 0, this process and Chromium on the others. Default: when there are two cores or more. */
  pin?: boolean;
  log?: (line: string) => void;
}

const MODES = ['none', 'console', 'stream', 'detached'] as const;
type Mode = (typeof MODES)[number];

export type ConsoleBenchResult =
  | { skipped: string }
  | {
      connections: number;
      sets: number;
      /** Blocks per set. */
      rounds: number;
      windowMs: number;
      /** Whether the servers had a core of their own. */
      pinned: boolean;
      /** Calls answered per second, every window, by server. */
      rates: Record<Mode, Summary>;
      /** The mode's calls/s against `none`'s. */
      ratio: Record<Exclude<Mode, 'none'>, Ratio>;
      /** The server's CPU time per call (µs), median of the windows. */
      cpuPerCall: Record<Mode, number>;
      /** The mode's CPU time per call against `none`'s. */
      cpuRatio: Record<Exclude<Mode, 'none'>, Ratio>;
      /** The page's answer time during console windows (ms): median and worst of every sample. */
      pageMs: { median: number; max: number };
      /** Log rows in the page's DOM after the last console window (the log is virtualised). */
      domRows: number;
      /** Chromium's CPU use during console windows (cores). */
      chromiumCores: number;
      /** At about 1,000 calls/s, in the last set. */
      paced: Paced;
    };

/** A mode against `none`: the median over every block, and the median of each set's blocks. */
export interface Ratio {
  median: number;
  sets: number[];
}

/** At about 1,000 calls/s: the calls answered per second, the page's answer times (ms), frames skipped. */
export interface Paced {
  callsPerSecond: number;
  pageMs: { median: number; max: number };
  skipped: number;
}

const SELF = fileURLToPath(import.meta.url);
type Ready = { type: 'ready'; port: number; consoleUrl: string | undefined };
type Cpu = { type: 'cpu'; micros: number };
type Detached = { type: 'detached' };

/** The next message of `type` from `child`. */
function reply<T extends { type: string }>(child: ChildProcess, type: T['type'], ask?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not answer ${type}`)), 30_000);
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    if (ask !== undefined) child.send(ask);
  });
}

/** CPU time (µs) of the processes of the Chromium this process launched: its descendants but the servers' trees. */
function chromiumCpu(servers: ReadonlySet<number>): number {
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
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (servers.has(p)) break;
      if (parents.get(p) === process.pid) {
        total += time;
        break;
      }
    }
  }
  return total;
}

function pinTo(pid: number, cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

function canPin(): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- the servers (child processes)

async function serverRole(withConsole: boolean): Promise<void> {
  const { createDemoCsms } = await import('../src/demo/index.ts');
  const { server } = createDemoCsms({ host: '127.0.0.1', protocols: ['ocpp1.6'] });
  const { port } = await server.listen(0, '127.0.0.1');
  const { attachConsole } = await import('../src/console/index.ts');
  const attached = withConsole ? await attachConsole(server) : undefined;
  process.send?.({ type: 'ready', port, consoleUrl: attached?.url } satisfies Ready);
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: user + system } satisfies Cpu);
    } else if (message.type === 'detach') {
      await attached?.close();
      process.send?.({ type: 'detached' } satisfies Detached);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

function startServer(withConsole: boolean, pin: boolean): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(SELF, ['--role', 'server', withConsole ? 'console' : 'none'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (pin) pinTo(child.pid!, '0');
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`))),
  );
  return Promise.race([reply<Ready>(child, 'ready').then((ready) => ({ child, ready })), exited]);
}

// ---------------------------------------------------------------- the charge points (this process)

/** A server's charge points: closed loops of Heartbeats that run only while `running`. */
class Fleet {
  readonly sockets: WebSocket[] = [];
  /** Per socket: sends its next Heartbeat if the fleet is running. */
  readonly #next: (() => void)[] = [];
  running = false;
  answered = 0;
  inFlight = 0;

  static async open(port: number, count: number, tag: string): Promise<Fleet> {
    const fleet = new Fleet();
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/BENCH-${tag}-${i + j}`, 'ocpp1.6');
        fleet.sockets.push(ws);
        return new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
      });
      await Promise.all(batch);
    }
    for (const [i, ws] of fleet.sockets.entries()) {
      let n = 0;
      const next = () => {
        if (!fleet.running || ws.readyState !== WebSocket.OPEN) return;
        fleet.inFlight++;
        ws.send(`[2,"${i}-${n++}","Heartbeat",{}]`);
      };
      ws.on('message', () => {
        fleet.inFlight--;
        fleet.answered++;
        next();
      });
      fleet.#next.push(next);
    }
    return fleet;
  }

  start(): void {
    this.running = true;
    for (const next of this.#next) next();
  }

  /** Stops the loops and waits for the calls still in flight. */
  async stop(): Promise<void> {
    this.running = false;
    for (let waited = 0; this.inFlight > 0 && waited < 5000; waited += 10) await sleep(10);
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
  }
}

interface Server {
  readonly mode: Mode;
  readonly child: ChildProcess;
  readonly ready: Ready;
  readonly fleet: Fleet;
  page: Page | undefined;
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.locator('#live.on').waitFor({ timeout: 10_000 });
  return page;
}

/** Asks the page for the time every 250 ms until `until()` is false; the round trips, ms. */
async function samplePage(page: Page, until: () => boolean, into: number[]): Promise<void> {
  while (until()) {
    const asked = performance.now();
    await page.evaluate(() => performance.now());
    into.push(performance.now() - asked);
    await sleep(250);
  }
}

/** Page answer times while `fleet` sends `rate` Heartbeats per second in all (each socket at its own moment). */
async function pacedLoad(
  fleet: Fleet,
  rate: number,
  durationMs: number,
  page: Page,
): Promise<{ answered: number; pageMs: number[] }> {
  const period = (fleet.sockets.length / rate) * 1000;
  const before = fleet.answered;
  const timers = fleet.sockets.map((ws, i) => {
    let n = 0;
    const send = () => ws.readyState === WebSocket.OPEN && ws.send(`[2,"p${i}-${n++}","Heartbeat",{}]`);
    return setTimeout(() => {
      send();
      timers[i] = setInterval(send, period);
    }, Math.random() * period);
  });
  const pageMs: number[] = [];
  const end = performance.now() + durationMs;
  await samplePage(page, () => performance.now() < end, pageMs);
  for (const timer of timers) clearInterval(timer);
  return { answered: fleet.answered - before, pageMs };
}

function median(values: readonly number[]): number {
  return summarize(values).median;
}

/**
 * Each mode against `none`, block by block: the median over every block, and each set's median. Sets are fresh
 * processes: how a server process happens to settle (its code, its memory) lasts its whole life, so the spread of the
 * set medians, not of the blocks, says how far one run can be trusted.
 */
function againstNone(sets: readonly Record<Mode, number>[][]): Record<Exclude<Mode, 'none'>, Ratio> {
  const ratio = (mode: Mode): Ratio => ({
    median: median(sets.flat().map((block) => block[mode] / block.none)),
    sets: sets.map((blocks) => median(blocks.map((block) => block[mode] / block.none))),
  });
  return { console: ratio('console'), stream: ratio('stream'), detached: ratio('detached') };
}

/** Reads the console's update stream and drops what it reads: a reader that costs next to nothing. */
function readStream(consoleUrl: string): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = get(new URL('api/events', consoleUrl), (response) => {
      response.resume();
      resolve(request);
    });
    request.once('error', reject);
  });
}

/** What the windows of every set measured, by mode. */
class Measured {
  readonly rates: Record<Mode, number[]> = { none: [], console: [], stream: [], detached: [] };
  readonly cpuPerCall: Record<Mode, number[]> = { none: [], console: [], stream: [], detached: [] };
  /** Per set, per block: each mode's mean of its two windows. */
  readonly blocks: Record<Mode, number>[][] = [];
  readonly cpuBlocks: Record<Mode, number>[][] = [];
  readonly pageMs: number[] = [];
  chromiumMicros = 0;
  consoleMs = 0;
}

interface SetOptions {
  readonly connections: number;
  readonly rounds: number;
  readonly warmupMs: number;
  readonly windowMs: number;
  readonly pin: boolean;
  readonly log: (line: string) => void;
}

/**
 * One set: four fresh servers, started in an order that turns with `set`, warmed up, then `rounds` blocks of
 * windows. Calls `last` with the console server and its page before the servers are closed.
 */
async function runSet(
  browser: Browser,
  set: number,
  options: SetOptions,
  into: Measured,
  last?: (server: Server) => Promise<void>,
): Promise<void> {
  const { connections, rounds, warmupMs, windowMs, pin, log } = options;
  const servers: Server[] = [];
  const streams: ClientRequest[] = [];
  const blocks: Record<Mode, number>[] = [];
  const cpuBlocks: Record<Mode, number>[] = [];
  into.blocks.push(blocks);
  into.cpuBlocks.push(cpuBlocks);
  try {
    const startOrder = MODES.map((_, i) => MODES[(i + set) % MODES.length]!);
    for (const mode of startOrder) {
      const { child, ready } = await startServer(mode !== 'none', pin);
      const fleet = await Fleet.open(ready.port, connections, mode);
      const page =
        ready.consoleUrl === undefined || mode === 'stream' ? undefined : await openPage(browser, ready.consoleUrl);
      if (mode === 'stream') streams.push(await readStream(ready.consoleUrl!));
      servers.push({ mode, child, ready, fleet, page });
    }
    const serverPids = new Set(servers.map((server) => server.child.pid!));
    for (const server of servers) {
      server.fleet.start();
      await sleep(warmupMs);
      await server.fleet.stop();
      if (server.mode === 'detached') {
        await server.page?.close();
        server.page = undefined;
        await reply<Detached>(server.child, 'detached', { type: 'detach' });
      }
    }
    const byMode = new Map(servers.map((server) => [server.mode, server]));
    const order: Mode[] = [...MODES, ...[...MODES].reverse()];
    for (let round = 0; round < rounds; round++) {
      const block: Record<Mode, number> = { none: 0, console: 0, stream: 0, detached: 0 };
      const cpuBlock: Record<Mode, number> = { none: 0, console: 0, stream: 0, detached: 0 };
      for (const mode of order) {
        const { child, fleet, page } = byMode.get(mode)!;
        fleet.start();
        await sleep(200); // every loop is running
        let sampling = page !== undefined;
        const sampler = page === undefined ? undefined : samplePage(page, () => sampling, into.pageMs);
        const cpuFrom = await reply<Cpu>(child, 'cpu', { type: 'cpu' });
        const chromiumFrom = page === undefined ? 0 : chromiumCpu(serverPids);
        const answeredFrom = fleet.answered;
        const from = performance.now();
        await sleep(windowMs);
        const calls = fleet.answered - answeredFrom;
        const elapsed = performance.now() - from;
        const cpuTo = await reply<Cpu>(child, 'cpu', { type: 'cpu' });
        if (page !== undefined) {
          into.chromiumMicros += chromiumCpu(serverPids) - chromiumFrom;
          into.consoleMs += elapsed;
        }
        sampling = false;
        await sampler;
        await fleet.stop();
        const rate = (calls / elapsed) * 1000;
        const cpu = (cpuTo.micros - cpuFrom.micros) / calls;
        into.rates[mode].push(rate);
        into.cpuPerCall[mode].push(cpu);
        block[mode] += rate / 2;
        cpuBlock[mode] += cpu / 2;
        log(`console bench, set ${set + 1}, round ${round + 1}, ${mode}: ${Math.round(rate)} calls/s`);
      }
      blocks.push(block);
      cpuBlocks.push(cpuBlock);
    }
    await last?.(byMode.get('console')!);
  } finally {
    for (const stream of streams) stream.destroy();
    for (const server of servers) {
      await server.page?.close();
      server.fleet.close();
      server.child.kill('SIGKILL');
    }
  }
}

/** Page answer times and frames skipped at about 1,000 calls/s: the load the console is made for. */
async function pacedRun(server: Server, log: (line: string) => void): Promise<{ domRows: number; paced: Paced }> {
  const page = server.page!;
  const domRows = await page.locator('#log .vrow').count();
  const pacedMs = 5000;
  const skippedSoFar = async () => {
    const count = (await page.locator('#log-count').textContent()) ?? '';
    return { count, skipped: Number(/, (\d+) skipped/.exec(count)?.[1] ?? 0) };
  };
  await sleep(500); // the last batch of the measured windows reaches the page
  const before = await skippedSoFar();
  const run = await pacedLoad(server.fleet, 1000, pacedMs, page);
  await sleep(500);
  const { count, skipped } = await skippedSoFar();
  const sorted = [...run.pageMs].sort((a, b) => a - b);
  log(`console bench, paced: ${Math.round(run.answered / (pacedMs / 1000))} calls/s, page ${count}`);
  return {
    domRows,
    paced: {
      callsPerSecond: run.answered / (pacedMs / 1000),
      pageMs: { median: sorted[sorted.length >> 1] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN },
      skipped: skipped - before.skipped,
    },
  };
}

export async function runConsoleBench(options: ConsoleBenchOptions = {}): Promise<ConsoleBenchResult> {
  if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} is not installed` };
  const sets = options.sets ?? 6;
  const setOptions: SetOptions = {
    connections: options.connections ?? 1000,
    rounds: options.rounds ?? 6,
    warmupMs: options.warmupMs ?? 3000,
    windowMs: options.windowMs ?? 500,
    pin: options.pin ?? canPin(),
    log: options.log ?? (() => {}),
  };
  if (setOptions.pin) pinTo(process.pid, `1-${availableParallelism() - 1}`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const measured = new Measured();
  let pacedResult: { domRows: number; paced: Paced } | undefined;
  try {
    for (let set = 0; set < sets; set++) {
      const last = async (server: Server) => {
        pacedResult = await pacedRun(server, setOptions.log);
      };
      await runSet(browser, set, setOptions, measured, set === sets - 1 ? last : undefined);
    }
  } finally {
    await browser.close();
  }
  const { rates, cpuPerCall, pageMs } = measured;
  const allPage = [...pageMs].sort((a, b) => a - b);
  return {
    connections: setOptions.connections,
    sets,
    rounds: setOptions.rounds,
    windowMs: setOptions.windowMs,
    pinned: setOptions.pin,
    rates: {
      none: summarize(rates.none),
      console: summarize(rates.console),
      stream: summarize(rates.stream),
      detached: summarize(rates.detached),
    },
    ratio: againstNone(measured.blocks),
    cpuPerCall: {
      none: median(cpuPerCall.none),
      console: median(cpuPerCall.console),
      stream: median(cpuPerCall.stream),
      detached: median(cpuPerCall.detached),
    },
    cpuRatio: againstNone(measured.cpuBlocks),
    pageMs: { median: allPage[allPage.length >> 1] ?? Number.NaN, max: allPage.at(-1) ?? Number.NaN },
    domRows: pacedResult!.domRows,
    chromiumCores: measured.chromiumMicros / (measured.consoleMs * 1000),
    paced: pacedResult!.paced,
  };
}

/** The result as a markdown table, for the bench report and docs/benchmarks.md. */
export function consoleSection(result: ConsoleBenchResult | undefined): string {
  if (result === undefined) return '';
  if ('skipped' in result) return `\n## 7. The console's cost\n\nNot measured: ${result.skipped}.\n`;
  const low = (ratio: Ratio) => Math.min(...ratio.sets);
  const high = (ratio: Ratio) => Math.max(...ratio.sets);
  const cell = (ratio: Ratio) => `${ratio.median.toFixed(3)} (${low(ratio).toFixed(3)}–${high(ratio).toFixed(3)})`;
  const percent = (ratio: Ratio) =>
    `${(ratio.median * 100).toFixed(1)}% (sets ${(low(ratio) * 100).toFixed(1)}–${(high(ratio) * 100).toFixed(1)}%)`;
  // The range of n independent set medians holds the median of a set's median with this probability.
  const confidence = (1 - 2 * 0.5 ** result.sets) * 100;
  const row = (name: string, mode: Mode) => {
    const s = result.rates[mode];
    const ratio = mode === 'none' ? '1' : cell(result.ratio[mode]);
    const cpuRatio = mode === 'none' ? '1' : cell(result.cpuRatio[mode]);
    return `| ${name} | ${Math.round(s.median)} | ${Math.round(s.min)}–${Math.round(s.max)} | ${ratio} | ${result.cpuPerCall[mode].toFixed(1)} | ${cpuRatio} |`;
  };
  return [
    '',
    `## 7. The console's cost: ${result.connections} charge points per server, Heartbeats, one in flight each, ` +
      `${result.sets} sets of fresh servers, ${result.rounds} blocks of eight ${result.windowMs / 1000} s windows each` +
      (result.pinned ? ', servers on core 0, load and Chromium on the others' : ', all processes sharing every core'),
    '',
    `Against no console: the median over every block, and in brackets the lowest and highest set median (a ` +
      `${confidence.toFixed(1)}% confidence interval for a set's median).`,
    '',
    '| server | calls/s (median) | min–max | calls/s vs none | server CPU per call (µs) | CPU per call vs none |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('no console', 'none'),
    row('console attached, page open in Chromium', 'console'),
    row('console attached, updates read by a plain HTTP client', 'stream'),
    row('console attached, then detached', 'detached'),
    '',
    `With the console attached and its page open, the server answered ${percent(result.ratio.console)} of the ` +
      `calls/s it answered without, and spent ${percent(result.cpuRatio.console)} of the CPU time per call. ` +
      `The page answered in ${result.pageMs.median.toFixed(1)} ms (median; worst ${result.pageMs.max.toFixed(0)} ms) ` +
      `under that load, with ${result.domRows} log rows in its DOM; Chromium used ${result.chromiumCores.toFixed(2)} cores.`,
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
    sets: Number(value('--sets') ?? (quick ? 2 : 6)),
    rounds: Number(value('--rounds') ?? (quick ? 2 : 6)),
    connections: Number(value('--connections') ?? (quick ? 200 : 1000)),
    warmupMs: quick ? 1000 : 3000,
    windowMs: Number(value('--window') ?? 500),
    ...(argv.includes('--no-pin') ? { pin: false } : {}),
    log: (line) => console.log(line),
  });
  console.log(argv.includes('--json') ? JSON.stringify(result, null, 2) : consoleSection(result));
}
