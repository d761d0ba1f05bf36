/**
 * The run of a simulation: N virtual charge points, each on its own `Client`, started over the first second, each
 * through the scripted session of its version until the time is up (or the run is aborted), then the summary.
 */
import type { Writable } from 'node:stream';
import type { Subprotocol } from '../../protocol.ts';
import * as v16 from '../../v16/index.ts';
import * as v21 from '../../v21/index.ts';
import * as v201 from '../../v201/index.ts';
import { actionStats, progressLine, type SimulationSummary } from './report.ts';
import { Run } from './run.ts';
import { CONNECTORS, runTransaction, type Station } from './station.ts';
import { createStation2, V2_SENDS } from './station-v2.ts';
import { createStation16, V16_SENDS } from './station-v16.ts';

/** A client's options, the same in every version. */
type ClientOptions = v16.ClientOptions;

/** Options of a simulation. Times in ms. */
export interface SimulateOptions {
  /** The CSMS endpoint (the identity is appended). */
  url: string;
  protocol: Subprotocol;
  /** How many charge points. */
  count: number;
  /** How long the scenario runs; transactions under way are then ended. */
  duration: number;
  /** Identities are the prefix and a number: `SIM-001`, `SIM-002`, … */
  prefix?: string;
  /** Time between meter values (and between scenario steps). Default 1 s. */
  meterInterval?: number;
  /** Meter values per transaction. Default 3. */
  meterValuesPerTransaction?: number;
  /**
   * Actions never sent, for a CSMS that lacks them: any the version's station sends but BootNotification (see
   * `skippableActions`). Leaving out a transaction message (1.6 StartTransaction or StopTransaction, 2.x
   * TransactionEvent) leaves out transactions: none is started, remote starts are rejected.
   */
  skip?: readonly string[];
  /** Basic auth password, the same for every charge point. */
  password?: string;
  /** More client options (TLS, back-off, …). */
  client?: Partial<Omit<ClientOptions, 'url' | 'identity'>>;
  /** Where progress and the summary go. Default stdout. */
  output?: Writable;
  /** A single updating progress line (a terminal) or a line every few seconds. Default: whether output is a TTY. */
  tty?: boolean;
  /** Ends the run early (the summary still comes). */
  signal?: AbortSignal;
}

/** How long transactions under way get to end once the time is up. */
const GRACE_PERIOD = 5000;

/** The actions `skip` may name for `protocol`: what its station sends, but BootNotification. */
export function skippableActions(protocol: Subprotocol): string[] {
  return (protocol === 'ocpp1.6' ? V16_SENDS : V2_SENDS).filter((action) => action !== 'BootNotification');
}

/** Why `skip` does not fit `protocol`, or `undefined` when it does. */
export function skipProblem(protocol: Subprotocol, skip: readonly string[]): string | undefined {
  const actions: object = protocol === 'ocpp1.6' ? v16.Action : protocol === 'ocpp2.0.1' ? v201.Action : v21.Action;
  const skippable = skippableActions(protocol);
  for (const action of skip) {
    if (!Object.hasOwn(actions, action)) {
      return `unknown action ${action}: not an ${protocol} action (it takes ${skippable.join(', ')})`;
    }
    if (action === 'BootNotification') return 'BootNotification cannot be skipped: every session starts with it';
    if (!skippable.includes(action)) {
      return `${action} is never sent by a simulated ${protocol} charge point (it takes ${skippable.join(', ')})`;
    }
  }
  return undefined;
}

function createStation(protocol: Subprotocol, run: Run, options: ClientOptions): Station {
  return protocol === 'ocpp1.6' ? createStation16(run, options) : createStation2(protocol, run, options);
}

/** Wait for an open connection (or the end of the run). */
async function online(station: Station): Promise<boolean> {
  if (station.connected) return true;
  const opened = new Promise<void>((resolve) => station.events.once('open', () => resolve()));
  await Promise.race([opened, station.run.ended]);
  return station.connected;
}

/**
 * Whether the station may go on after its BootNotification. Pending: it waits the interval the CSMS asked for and
 * boots again, until accepted, rejected or the time is up. Rejected: it stops. A BootNotification that failed
 * (an error, no answer) does not hold the station back.
 */
async function registered(station: Station): Promise<boolean> {
  const { run } = station;
  while (station.registration === 'Pending' && run.running) {
    await run.sleep(station.retryAfter);
    // a TriggerMessage may have had it boot meanwhile
    if (station.registration === 'Pending' && run.running) await station.boot();
  }
  return station.registration !== 'Rejected' && station.registration !== 'Pending';
}

/** The scripted session of one charge point. */
async function drive(station: Station, startDelay: number): Promise<void> {
  const { run } = station;
  await run.sleep(startDelay);
  if (!run.running) return;
  void station.connect().catch(() => {});
  if (!(await online(station))) {
    await station.stop();
    return;
  }
  await station.boot();
  if (!(await registered(station))) {
    await station.stop();
    return;
  }
  for (const connector of CONNECTORS) await station.status(connector, false);
  await station.heartbeat();
  await station.dataTransfer();
  let n = 0;
  while (run.running) {
    if (!(await online(station))) break;
    // a Reset has it boot again, and that boot may be answered Pending or Rejected
    if (!(await registered(station))) break;
    const idTag = `TAG-${(++n).toString().padStart(4, '0')}`;
    await station.authorize(idTag);
    if (station.connectors[1] === undefined && station.transacts) await runTransaction(station, 1, idTag, false);
    if (!run.running) break;
    await station.heartbeat();
    await station.dataTransfer();
    await run.sleep(run.meterInterval);
  }
  // what the CSMS started (a remote transaction, a triggered message) ends with the run
  while (station.tasks.size > 0) await Promise.allSettled([...station.tasks]);
  await station.stop();
}

/** Run a simulation; resolves with its summary once every charge point has stopped. */
export async function simulate(options: SimulateOptions): Promise<SimulationSummary> {
  const output = options.output ?? process.stdout;
  const tty = options.tty ?? (output as { isTTY?: boolean }).isTTY === true;
  const { count, protocol } = options;
  const skip = [...new Set(options.skip ?? [])];
  const problem = skipProblem(protocol, skip);
  if (problem !== undefined) throw new RangeError(`skip: ${problem}`);
  const prefix = options.prefix ?? 'SIM-';
  const width = Math.max(3, String(count).length);
  const run = new Run({
    duration: options.duration,
    meterInterval: options.meterInterval ?? 1000,
    meterValuesPerTransaction: options.meterValuesPerTransaction ?? 3,
    skip,
    signal: options.signal,
  });
  const { stats } = run;
  const started = Date.now();

  const stations: Station[] = [];
  for (let i = 1; i <= count; i++) {
    const identity = `${prefix}${String(i).padStart(width, '0')}`;
    const station = createStation(protocol, run, {
      backOff: { waitMinimum: 1000, randomRange: 1000, repeatTimes: 3 },
      ...options.client,
      url: options.url,
      identity,
      ...(options.password === undefined ? {} : { password: options.password }),
    });
    let opened = false;
    station.events.on('open', () => {
      stats.online++;
      if (opened) stats.reconnects++;
      else stats.connected++;
      opened = true;
    });
    station.events.on('close', () => stats.online--);
    station.events.on('connect:error', ({ error }) => {
      const status = (error as { status?: number }).status;
      stats.error(status === undefined ? `connect: ${error.name}` : `connect: HTTP ${status}`);
    });
    station.events.on('error', ({ error }) => stats.error(`fatal: ${error.name}`));
    stations.push(station);
  }

  const refresh = tty ? 200 : 2000;
  const progress = setInterval(() => {
    const line = progressLine(stats, count, Date.now() - started);
    output.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }, refresh);
  // once the time is up, what is not finished within the grace period is stopped (its calls then fail)
  let grace: ReturnType<typeof setTimeout> | undefined;
  let finished = false;
  void run.ended.then(() => {
    if (finished) return;
    grace = setTimeout(() => {
      for (const station of stations) void station.stop();
    }, GRACE_PERIOD);
  });
  // the connections open over the first second, not all at once
  const spread = Math.min(1000, options.duration / 10);
  try {
    await Promise.all(stations.map((station, i) => drive(station, (i * spread) / count)));
  } finally {
    finished = true;
    clearInterval(progress);
    run.end();
    clearTimeout(grace);
  }
  const elapsed = Date.now() - started;
  output.write(
    tty ? `\r\x1b[2K${progressLine(stats, count, elapsed)}\n\n` : `${progressLine(stats, count, elapsed)}\n\n`,
  );

  const actions = new Set([...stats.latencies.keys(), ...stats.failures.keys()]);
  const calls = [...actions]
    .sort()
    .map((action) => actionStats(action, stats.latencies.get(action) ?? [], stats.failures.get(action) ?? 0));
  const all: number[] = [];
  for (const list of stats.latencies.values()) for (const value of list) all.push(value);
  let failures = 0;
  for (const n of stats.failures.values()) failures += n;
  const registrations = (status: string) => stations.filter((station) => station.registration === status).length;
  return {
    protocol,
    count,
    elapsed,
    calls,
    total: actionStats('total', all, failures),
    errors: Object.fromEntries(stats.errors),
    answered: Object.fromEntries(stats.answered),
    connected: stats.connected,
    reconnects: stats.reconnects,
    transactions: stats.transactions,
    accepted: registrations('Accepted'),
    rejected: registrations('Rejected'),
    pending: registrations('Pending'),
    skipped: skip.sort(),
    unsupported: Object.fromEntries(stats.unsupported),
  };
}
