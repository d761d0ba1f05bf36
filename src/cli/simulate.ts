/**
 * `ocppkit simulate <url>`: N virtual charge points, each on its own `Client`, through a realistic session of its
 * version (boot, status, heartbeat, authorize, transactions with meter values, a data transfer), answering what the
 * CSMS sends (remote start/stop, reset, configuration or variables, trigger message, charging profiles). Live
 * progress on the terminal, a summary table at the end.
 */

import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { ClientOptions } from '../client/client.ts';
import type { ClientEmitter } from '../client/events.ts';
import { CallError } from '../errors.ts';
import type { Subprotocol } from '../protocol.ts';
import * as v16 from '../v16/index.ts';
import * as v21 from '../v21/index.ts';
import * as v201 from '../v201/index.ts';

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

export interface ActionStats {
  action: string;
  calls: number;
  errors: number;
  /** Latency percentiles of the successful calls, in ms. */
  p50: number;
  p95: number;
  p99: number;
}

export interface SimulationSummary {
  protocol: Subprotocol;
  count: number;
  /** Wall time of the whole run, in ms. */
  elapsed: number;
  /** Calls the charge points made, per action. */
  calls: ActionStats[];
  total: ActionStats;
  /** Errors by code: the OCPP error code of a CALLERROR, else the error's name (`CallTimeoutError`, …). */
  errors: Record<string, number>;
  /** Calls of the CSMS the charge points answered, per action. */
  answered: Record<string, number>;
  /** Charge points that connected at least once. */
  connected: number;
  reconnects: number;
  transactions: number;
}

// ---------------------------------------------------------------- statistics

class Stats {
  readonly latencies = new Map<string, number[]>();
  readonly failures = new Map<string, number>();
  readonly errors = new Map<string, number>();
  readonly answered = new Map<string, number>();
  calls = 0;
  errorCount = 0;
  connected = 0;
  online = 0;
  reconnects = 0;
  transactions = 0;

  ok(action: string, ms: number): void {
    this.calls++;
    const list = this.latencies.get(action);
    if (list === undefined) this.latencies.set(action, [ms]);
    else list.push(ms);
  }

  failed(action: string, error: unknown): void {
    this.calls++;
    this.failures.set(action, (this.failures.get(action) ?? 0) + 1);
    this.error(codeOf(error));
  }

  error(code: string): void {
    this.errorCount++;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  answer(action: string): void {
    this.answered.set(action, (this.answered.get(action) ?? 0) + 1);
  }
}

function codeOf(error: unknown): string {
  if (error instanceof CallError) return error.code;
  if (error instanceof Error) return error.name;
  return 'Error';
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

function actionStats(action: string, latencies: number[], errors: number): ActionStats {
  const sorted = latencies.slice().sort((a, b) => a - b);
  return {
    action,
    calls: latencies.length + errors,
    errors,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

// ---------------------------------------------------------------- the run

/** What every virtual charge point shares: statistics, the clock, the settings. */
class Run {
  readonly stats = new Stats();
  readonly deadline: number;
  readonly meterInterval: number;
  readonly meterValuesPerTransaction: number;
  readonly #ended: Promise<void>;
  #end!: () => void;
  #over = false;
  readonly #sleepers = new Set<() => void>();

  constructor(duration: number, meterInterval: number, meterValuesPerTransaction: number, signal?: AbortSignal) {
    this.deadline = Date.now() + duration;
    this.meterInterval = meterInterval;
    this.meterValuesPerTransaction = meterValuesPerTransaction;
    this.#ended = new Promise((resolve) => {
      this.#end = resolve;
    });
    const timer = setTimeout(() => this.end(), duration);
    void this.#ended.then(() => clearTimeout(timer));
    signal?.addEventListener('abort', () => this.end(), { once: true });
  }

  get running(): boolean {
    return !this.#over;
  }

  /** Resolves when the scenario time is over. */
  get ended(): Promise<void> {
    return this.#ended;
  }

  end(): void {
    this.#over = true;
    for (const wake of [...this.#sleepers]) wake();
    this.#end();
  }

  /** Wait `ms`, or less when the run ends first. */
  sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  /** Make one call, timing it; `undefined` when it failed (counted). */
  async timed<T>(action: string, call: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    try {
      const result = await call();
      this.stats.ok(action, performance.now() - started);
      return result;
    } catch (error) {
      this.stats.failed(action, error);
      return undefined;
    }
  }
}

/** A transaction under way on one connector. */
interface Transaction {
  /** 2.x: made by the station; 1.6: the CSMS's transactionId as a string. */
  id: string;
  /** 1.6: the CSMS's transactionId. */
  numericId: number;
  connector: number;
  idTag: string;
  seqNo: number;
  energy: number;
  stopRequested: boolean;
  remote: boolean;
  remoteStartId: number | undefined;
  /** Settles once the start was answered (true: accepted). */
  started: Promise<boolean>;
}

/** What the scenario needs of a virtual charge point, whatever its version. */
interface Station {
  readonly identity: string;
  readonly run: Run;
  /** Transactions by connector (1 and 2). */
  readonly connectors: (Transaction | undefined)[];
  /** Work started by the CSMS's calls (a remote start, a triggered message): the station stops after it. */
  readonly tasks: Set<Promise<unknown>>;
  readonly connected: boolean;
  readonly events: ClientEmitter;
  connect(): Promise<void>;
  stop(): Promise<void>;
  boot(): Promise<unknown>;
  status(connector: number, busy: boolean): Promise<unknown>;
  heartbeat(): Promise<unknown>;
  authorize(idTag: string): Promise<unknown>;
  /** A new transaction's id: 2.x, made by the station; 1.6, `""` until the CSMS assigns it. */
  newTransactionId(): string;
  /** Send the start; 1.6 sets `numericId` and `id` from the CSMS's answer. False when it failed. */
  startTransaction(transaction: Transaction): Promise<boolean>;
  meterValues(transaction: Transaction): Promise<unknown>;
  stopTransaction(transaction: Transaction): Promise<unknown>;
  dataTransfer(): Promise<unknown>;
}

const CONNECTORS = [1, 2];
/** How long transactions under way get to end once the time is up. */
const GRACE_PERIOD = 5000;

/** Keep track of work started by a CSMS call. */
function track(station: Station, work: Promise<unknown>): Promise<unknown> {
  station.tasks.add(work);
  void work.finally(() => station.tasks.delete(work));
  return work;
}

/** A transaction from start to stop; its connector is busy meanwhile. */
async function runTransaction(
  station: Station,
  connector: number,
  idTag: string,
  remote: boolean,
  remoteStartId?: number,
  id?: string,
): Promise<void> {
  const { run } = station;
  const transaction: Transaction = {
    id: id ?? station.newTransactionId(),
    numericId: 0,
    connector,
    idTag,
    seqNo: 0,
    energy: 0,
    stopRequested: false,
    remote,
    remoteStartId,
    started: Promise.resolve(false),
  };
  // busy from now on: a remote stop may come before the answer to the start has been read
  station.connectors[connector] = transaction;
  try {
    transaction.started = station.startTransaction(transaction);
    if (!(await transaction.started)) return;
    run.stats.transactions++;
    await station.status(connector, true);
    for (let i = 0; i < run.meterValuesPerTransaction && !transaction.stopRequested && run.running; i++) {
      await run.sleep(run.meterInterval);
      transaction.energy += 100 + Math.round(Math.random() * 400);
      await station.meterValues(transaction);
    }
    await station.stopTransaction(transaction);
    await station.status(connector, false);
  } finally {
    station.connectors[connector] = undefined;
  }
}

/** Wait for an open connection (or the end of the run). */
async function online(station: Station): Promise<boolean> {
  if (station.connected) return true;
  const opened = new Promise<void>((resolve) => station.events.once('open', () => resolve()));
  await Promise.race([opened, station.run.ended]);
  return station.connected;
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
  for (const connector of CONNECTORS) await station.status(connector, false);
  await station.heartbeat();
  await station.dataTransfer();
  let n = 0;
  while (run.running) {
    if (!(await online(station))) break;
    const idTag = `TAG-${(++n).toString().padStart(4, '0')}`;
    await station.authorize(idTag);
    if (station.connectors[1] === undefined) await runTransaction(station, 1, idTag, false);
    if (!run.running) break;
    await station.heartbeat();
    await station.dataTransfer();
    await run.sleep(run.meterInterval);
  }
  // what the CSMS started (a remote transaction, a triggered message) ends with the run
  while (station.tasks.size > 0) await Promise.allSettled([...station.tasks]);
  await station.stop();
}

const now = () => new Date().toISOString();

// ---------------------------------------------------------------- OCPP 1.6

interface ConfigurationEntry {
  value: string;
  readonly: boolean;
}

function v16Configuration(): Map<string, ConfigurationEntry> {
  return new Map([
    ['HeartbeatInterval', { value: '300', readonly: false }],
    ['MeterValueSampleInterval', { value: '60', readonly: false }],
    ['MeterValuesSampledData', { value: 'Energy.Active.Import.Register', readonly: false }],
    ['NumberOfConnectors', { value: String(CONNECTORS.length), readonly: true }],
    ['AuthorizeRemoteTxRequests', { value: 'false', readonly: false }],
    ['TransactionMessageAttempts', { value: '3', readonly: false }],
    ['TransactionMessageRetryInterval', { value: '60', readonly: false }],
    ['WebSocketPingInterval', { value: '30', readonly: false }],
    ['ChargeProfileMaxStackLevel', { value: '8', readonly: true }],
  ]);
}

class Station16 extends v16.Client implements Station, v16.V16ChargePointHandlers {
  readonly connectors: (Transaction | undefined)[] = [];
  readonly tasks = new Set<Promise<unknown>>();
  readonly configuration = v16Configuration();

  constructor(
    readonly run: Run,
    options: ClientOptions,
  ) {
    super(options);
  }

  boot() {
    return this.run.timed('BootNotification', () =>
      this.call('BootNotification', {
        chargePointVendor: 'ocppkit',
        chargePointModel: 'Simulator',
        chargePointSerialNumber: this.identity,
        firmwareVersion: '1.0.0',
      }),
    );
  }

  status(connector: number, busy: boolean) {
    return this.run.timed('StatusNotification', () =>
      this.call('StatusNotification', {
        connectorId: connector,
        errorCode: 'NoError',
        status: busy ? 'Charging' : 'Available',
        timestamp: now(),
      }),
    );
  }

  heartbeat() {
    return this.run.timed('Heartbeat', () => this.call('Heartbeat'));
  }

  authorize(idTag: string) {
    return this.run.timed('Authorize', () => this.call('Authorize', { idTag }));
  }

  newTransactionId(): string {
    return '';
  }

  async startTransaction(transaction: Transaction): Promise<boolean> {
    const { connector, idTag } = transaction;
    const response = await this.run.timed('StartTransaction', () =>
      this.call('StartTransaction', { connectorId: connector, idTag, meterStart: 0, timestamp: now() }),
    );
    if (response === undefined) return false;
    transaction.numericId = response.transactionId;
    transaction.id = String(response.transactionId);
    return true;
  }

  meterValues(transaction: Transaction) {
    return this.run.timed('MeterValues', () =>
      this.call('MeterValues', {
        connectorId: transaction.connector,
        transactionId: transaction.numericId,
        meterValue: [
          {
            timestamp: now(),
            sampledValue: [
              { value: String(transaction.energy), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            ],
          },
        ],
      }),
    );
  }

  stopTransaction(transaction: Transaction) {
    return this.run.timed('StopTransaction', () =>
      this.call('StopTransaction', {
        transactionId: transaction.numericId,
        idTag: transaction.idTag,
        meterStop: transaction.energy,
        timestamp: now(),
        reason: transaction.stopRequested ? 'Remote' : 'Local',
      }),
    );
  }

  dataTransfer() {
    return this.run.timed('DataTransfer', () =>
      this.call('DataTransfer', { vendorId: 'ocppkit', messageId: 'Simulator', data: 'hello' }),
    );
  }

  // what the CSMS sends

  @v16.on(v16.Action.RemoteStartTransaction)
  remoteStart({ connectorId }: v16.RemoteStartTransactionRequest) {
    this.run.stats.answer('RemoteStartTransaction');
    const free = connectorId ?? CONNECTORS.find((c) => this.connectors[c] === undefined);
    const accepted = free !== undefined && CONNECTORS.includes(free) && this.connectors[free] === undefined;
    return { status: accepted ? ('Accepted' as const) : ('Rejected' as const) };
  }

  @v16.after(v16.Action.RemoteStartTransaction)
  afterRemoteStart(
    { connectorId, idTag }: v16.RemoteStartTransactionRequest,
    context: v16.AfterContext<v16.RemoteStartTransactionResponse>,
  ) {
    if (context.response.status !== 'Accepted') return;
    const connector = connectorId ?? CONNECTORS.find((c) => this.connectors[c] === undefined);
    if (connector !== undefined) track(this, runTransaction(this, connector, idTag, true));
  }

  @v16.on(v16.Action.RemoteStopTransaction)
  async remoteStop({ transactionId }: v16.RemoteStopTransactionRequest) {
    this.run.stats.answer('RemoteStopTransaction');
    // the CSMS may send this right behind its answer to our StartTransaction: let that answer be read first
    await Promise.all(this.connectors.map((t) => t?.started));
    const transaction = this.connectors.find((t) => t?.numericId === transactionId);
    if (transaction !== undefined) transaction.stopRequested = true;
    return { status: transaction === undefined ? ('Rejected' as const) : ('Accepted' as const) };
  }

  onReset(_request: v16.ResetRequest) {
    this.run.stats.answer('Reset');
    return { status: 'Accepted' as const };
  }

  @v16.after(v16.Action.Reset)
  afterReset() {
    // a simulated reboot: end what runs, boot again
    for (const transaction of this.connectors) if (transaction !== undefined) transaction.stopRequested = true;
    track(this, this.boot());
  }

  onChangeConfiguration({ key, value }: v16.ChangeConfigurationRequest) {
    this.run.stats.answer('ChangeConfiguration');
    const entry = this.configuration.get(key);
    if (entry === undefined) return { status: 'NotSupported' as const };
    if (entry.readonly) return { status: 'Rejected' as const };
    entry.value = value;
    return { status: 'Accepted' as const };
  }

  onGetConfiguration({ key }: v16.GetConfigurationRequest) {
    this.run.stats.answer('GetConfiguration');
    const keys = key ?? [...this.configuration.keys()];
    const known = keys.filter((k) => this.configuration.has(k));
    const unknownKey = keys.filter((k) => !this.configuration.has(k));
    return {
      configurationKey: known.map((k) => {
        const entry = this.configuration.get(k) as ConfigurationEntry;
        return { key: k, readonly: entry.readonly, value: entry.value };
      }),
      ...(unknownKey.length > 0 ? { unknownKey } : {}),
    };
  }

  onTriggerMessage({ requestedMessage }: v16.TriggerMessageRequest) {
    this.run.stats.answer('TriggerMessage');
    const supported = ['BootNotification', 'Heartbeat', 'StatusNotification', 'MeterValues'];
    return { status: supported.includes(requestedMessage) ? ('Accepted' as const) : ('NotImplemented' as const) };
  }

  @v16.after(v16.Action.TriggerMessage)
  afterTrigger(request: v16.TriggerMessageRequest) {
    track(this, this.sendTriggered(request));
  }

  async sendTriggered({ requestedMessage, connectorId }: v16.TriggerMessageRequest) {
    if (requestedMessage === 'BootNotification') await this.boot();
    else if (requestedMessage === 'Heartbeat') await this.heartbeat();
    else if (requestedMessage === 'StatusNotification') {
      for (const c of connectorId === undefined ? CONNECTORS : [connectorId]) {
        await this.status(c, this.connectors[c] !== undefined);
      }
    } else if (requestedMessage === 'MeterValues') {
      const transaction = this.connectors.find((t) => t !== undefined);
      await this.run.timed('MeterValues', () =>
        this.call('MeterValues', {
          connectorId: connectorId ?? transaction?.connector ?? 0,
          ...(transaction === undefined ? {} : { transactionId: transaction.numericId }),
          meterValue: [
            {
              timestamp: now(),
              sampledValue: [{ value: String(transaction?.energy ?? 0), context: 'Trigger', unit: 'Wh' }],
            },
          ],
        }),
      );
    }
  }

  onSetChargingProfile(_request: v16.SetChargingProfileRequest) {
    this.run.stats.answer('SetChargingProfile');
    return { status: 'Accepted' as const };
  }

  onClearChargingProfile() {
    this.run.stats.answer('ClearChargingProfile');
    return { status: 'Accepted' as const };
  }

  onChangeAvailability() {
    this.run.stats.answer('ChangeAvailability');
    return { status: 'Accepted' as const };
  }

  onUnlockConnector() {
    this.run.stats.answer('UnlockConnector');
    return { status: 'Unlocked' as const };
  }

  onClearCache() {
    this.run.stats.answer('ClearCache');
    return { status: 'Accepted' as const };
  }

  onDataTransfer() {
    this.run.stats.answer('DataTransfer');
    return { status: 'UnknownVendorId' as const };
  }
}

// ---------------------------------------------------------------- OCPP 2.0.1 and 2.1

interface Variable {
  value: string;
  readonly: boolean;
}

function v2Variables(identity: string): Map<string, Variable> {
  return new Map([
    ['OCPPCommCtrlr/HeartbeatInterval', { value: '300', readonly: false }],
    ['OCPPCommCtrlr/WebSocketPingInterval', { value: '30', readonly: false }],
    ['OCPPCommCtrlr/MessageAttempts', { value: '3', readonly: false }],
    ['OCPPCommCtrlr/MessageAttemptInterval', { value: '60', readonly: false }],
    ['OCPPCommCtrlr/RetryBackOffWaitMinimum', { value: '1', readonly: false }],
    ['OCPPCommCtrlr/RetryBackOffRandomRange', { value: '1', readonly: false }],
    ['OCPPCommCtrlr/RetryBackOffRepeatTimes', { value: '3', readonly: false }],
    ['SampledDataCtrlr/TxUpdatedInterval', { value: '60', readonly: false }],
    ['AuthCtrlr/AuthorizeRemoteStart', { value: 'false', readonly: false }],
    ['ChargingStation/Model', { value: 'Simulator', readonly: true }],
    ['ChargingStation/SerialNumber', { value: identity, readonly: true }],
  ]);
}

/**
 * The 2.x station. The messages it sends and answers have the same shape in 2.0.1 and 2.1, so one class body
 * serves both: typed against 2.0.1, run on each version's own client class (which validates against that
 * version's schemas).
 */
function v2Station(Base: typeof v201.Client) {
  return class Station2 extends Base implements Station, v201.V201ChargePointHandlers {
    readonly connectors: (Transaction | undefined)[] = [];
    readonly tasks = new Set<Promise<unknown>>();
    readonly variables = v2Variables(this.identity);
    #transactions = 0;

    constructor(
      readonly run: Run,
      options: ClientOptions,
    ) {
      super(options);
    }

    boot() {
      return this.run.timed('BootNotification', () =>
        this.call('BootNotification', {
          reason: 'PowerUp',
          chargingStation: {
            vendorName: 'ocppkit',
            model: 'Simulator',
            serialNumber: this.identity,
            firmwareVersion: '1.0.0',
          },
        }),
      );
    }

    status(connector: number, busy: boolean) {
      return this.run.timed('StatusNotification', () =>
        this.call('StatusNotification', {
          timestamp: now(),
          connectorStatus: busy ? 'Occupied' : 'Available',
          evseId: connector,
          connectorId: 1,
        }),
      );
    }

    heartbeat() {
      return this.run.timed('Heartbeat', () => this.call('Heartbeat'));
    }

    authorize(idTag: string) {
      return this.run.timed('Authorize', () =>
        this.call('Authorize', { idToken: { idToken: idTag, type: 'ISO14443' } }),
      );
    }

    #meterValue(
      transaction: Transaction,
      context: 'Transaction.Begin' | 'Sample.Periodic' | 'Transaction.End' | 'Trigger',
    ) {
      return [
        {
          timestamp: now(),
          sampledValue: [
            {
              value: transaction.energy,
              context,
              measurand: 'Energy.Active.Import.Register' as const,
              unitOfMeasure: { unit: 'Wh' },
            },
          ],
        },
      ];
    }

    newTransactionId(): string {
      return `${this.identity}-${++this.#transactions}`;
    }

    async startTransaction(transaction: Transaction): Promise<boolean> {
      const { id, connector, idTag, remote, remoteStartId } = transaction;
      const response = await this.run.timed('TransactionEvent', () =>
        this.call('TransactionEvent', {
          eventType: 'Started',
          timestamp: now(),
          triggerReason: remote ? 'RemoteStart' : 'Authorized',
          seqNo: transaction.seqNo++,
          transactionInfo: {
            transactionId: id,
            chargingState: 'Charging',
            ...(remoteStartId === undefined ? {} : { remoteStartId }),
          },
          evse: { id: connector, connectorId: 1 },
          idToken: { idToken: idTag, type: 'ISO14443' },
          meterValue: this.#meterValue(transaction, 'Transaction.Begin'),
        }),
      );
      return response !== undefined;
    }

    meterValues(transaction: Transaction, trigger = false) {
      return this.run.timed('TransactionEvent', () =>
        this.call('TransactionEvent', {
          eventType: 'Updated',
          timestamp: now(),
          triggerReason: trigger ? 'Trigger' : 'MeterValuePeriodic',
          seqNo: transaction.seqNo++,
          transactionInfo: { transactionId: transaction.id, chargingState: 'Charging' },
          meterValue: this.#meterValue(transaction, trigger ? 'Trigger' : 'Sample.Periodic'),
        }),
      );
    }

    stopTransaction(transaction: Transaction) {
      return this.run.timed('TransactionEvent', () =>
        this.call('TransactionEvent', {
          eventType: 'Ended',
          timestamp: now(),
          triggerReason: transaction.stopRequested ? 'RemoteStop' : 'StopAuthorized',
          seqNo: transaction.seqNo++,
          transactionInfo: {
            transactionId: transaction.id,
            chargingState: 'Idle',
            stoppedReason: transaction.stopRequested ? 'Remote' : 'Local',
          },
          meterValue: this.#meterValue(transaction, 'Transaction.End'),
        }),
      );
    }

    dataTransfer() {
      return this.run.timed('DataTransfer', () =>
        this.call('DataTransfer', { vendorId: 'ocppkit', messageId: 'Simulator', data: { hello: 'world' } }),
      );
    }

    // what the CSMS sends

    @v201.on(v201.Action.RequestStartTransaction)
    requestStart({ evseId }: v201.RequestStartTransactionRequest) {
      this.run.stats.answer('RequestStartTransaction');
      const free = evseId ?? CONNECTORS.find((c) => this.connectors[c] === undefined);
      if (free === undefined || !CONNECTORS.includes(free) || this.connectors[free] !== undefined) {
        return { status: 'Rejected' as const };
      }
      return { status: 'Accepted' as const, transactionId: this.newTransactionId() };
    }

    @v201.after(v201.Action.RequestStartTransaction)
    afterRequestStart(
      { evseId, idToken, remoteStartId }: v201.RequestStartTransactionRequest,
      { response }: v201.AfterContext<v201.RequestStartTransactionResponse>,
    ) {
      const connector = evseId ?? CONNECTORS.find((c) => this.connectors[c] === undefined);
      if (response.status !== 'Accepted' || connector === undefined || response.transactionId === undefined) return;
      track(this, runTransaction(this, connector, idToken.idToken, true, remoteStartId, response.transactionId));
    }

    @v201.on(v201.Action.RequestStopTransaction)
    requestStop({ transactionId }: v201.RequestStopTransactionRequest) {
      this.run.stats.answer('RequestStopTransaction');
      const transaction = this.connectors.find((t) => t?.id === transactionId);
      if (transaction !== undefined) transaction.stopRequested = true;
      return { status: transaction === undefined ? ('Rejected' as const) : ('Accepted' as const) };
    }

    onReset(_request: v201.ResetRequest) {
      this.run.stats.answer('Reset');
      return { status: 'Accepted' as const };
    }

    @v201.after(v201.Action.Reset)
    afterReset() {
      for (const transaction of this.connectors) if (transaction !== undefined) transaction.stopRequested = true;
      track(this, this.boot());
    }

    onSetVariables({ setVariableData }: v201.SetVariablesRequest) {
      this.run.stats.answer('SetVariables');
      return {
        setVariableResult: setVariableData.map(({ component, variable, attributeValue }) => {
          const entry = this.variables.get(`${component.name}/${variable.name}`);
          let attributeStatus: v201.SetVariableStatusEnumType = 'Accepted';
          if (entry === undefined) {
            const componentKnown = [...this.variables.keys()].some((k) => k.startsWith(`${component.name}/`));
            attributeStatus = componentKnown ? 'UnknownVariable' : 'UnknownComponent';
          } else if (entry.readonly) attributeStatus = 'Rejected';
          else entry.value = attributeValue;
          return { attributeStatus, component, variable };
        }),
      };
    }

    onGetVariables({ getVariableData }: v201.GetVariablesRequest) {
      this.run.stats.answer('GetVariables');
      return {
        getVariableResult: getVariableData.map(({ component, variable }) => {
          const entry = this.variables.get(`${component.name}/${variable.name}`);
          if (entry === undefined) {
            const componentKnown = [...this.variables.keys()].some((k) => k.startsWith(`${component.name}/`));
            return {
              attributeStatus: componentKnown ? ('UnknownVariable' as const) : ('UnknownComponent' as const),
              component,
              variable,
            };
          }
          return { attributeStatus: 'Accepted' as const, attributeValue: entry.value, component, variable };
        }),
      };
    }

    onTriggerMessage({ requestedMessage }: v201.TriggerMessageRequest) {
      this.run.stats.answer('TriggerMessage');
      const supported = ['BootNotification', 'Heartbeat', 'StatusNotification', 'TransactionEvent'];
      return { status: supported.includes(requestedMessage) ? ('Accepted' as const) : ('NotImplemented' as const) };
    }

    @v201.after(v201.Action.TriggerMessage)
    afterTrigger(request: v201.TriggerMessageRequest) {
      track(this, this.sendTriggered(request));
    }

    async sendTriggered({ requestedMessage, evse }: v201.TriggerMessageRequest) {
      if (requestedMessage === 'BootNotification') await this.boot();
      else if (requestedMessage === 'Heartbeat') await this.heartbeat();
      else if (requestedMessage === 'StatusNotification') {
        for (const c of evse === undefined ? CONNECTORS : [evse.id])
          await this.status(c, this.connectors[c] !== undefined);
      } else if (requestedMessage === 'TransactionEvent') {
        for (const transaction of this.connectors)
          if (transaction !== undefined) await this.meterValues(transaction, true);
      }
    }

    onSetChargingProfile(_request: v201.SetChargingProfileRequest) {
      this.run.stats.answer('SetChargingProfile');
      return { status: 'Accepted' as const };
    }

    onClearChargingProfile() {
      this.run.stats.answer('ClearChargingProfile');
      return { status: 'Accepted' as const };
    }

    onChangeAvailability() {
      this.run.stats.answer('ChangeAvailability');
      return { status: 'Accepted' as const };
    }

    onUnlockConnector() {
      this.run.stats.answer('UnlockConnector');
      return { status: 'Unlocked' as const };
    }

    onClearCache() {
      this.run.stats.answer('ClearCache');
      return { status: 'Accepted' as const };
    }

    onDataTransfer() {
      this.run.stats.answer('DataTransfer');
      return { status: 'UnknownVendorId' as const };
    }
  };
}

const Station201 = v2Station(v201.Client);
// 2.1: the same class body on the 2.1 client (see v2Station)
const Station21 = v2Station(v21.Client as unknown as typeof v201.Client);

function createStation(protocol: Subprotocol, run: Run, options: ClientOptions): Station {
  switch (protocol) {
    case 'ocpp1.6':
      return new Station16(run, options);
    case 'ocpp2.0.1':
      return new Station201(run, options);
    case 'ocpp2.1':
      return new Station21(run, options);
  }
}

// ---------------------------------------------------------------- output

function progressLine(stats: Stats, count: number, elapsed: number): string {
  const seconds = elapsed / 1000;
  const rate = seconds > 0 ? Math.round(stats.calls / seconds) : 0;
  return (
    `${seconds.toFixed(1).padStart(6)} s  connected ${stats.online}/${count}  calls ${stats.calls} (${rate}/s)` +
    `  errors ${stats.errorCount}  reconnects ${stats.reconnects}  transactions ${stats.transactions}`
  );
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ms = (value: number) => value.toFixed(1);

/** The summary as text: calls per action with latency percentiles, errors by code, answered calls, connections. */
export function formatSummary(summary: SimulationSummary, url: string): string {
  const out: string[] = [];
  out.push(
    `ocppkit simulate: ${summary.count} charge points, ${summary.protocol}, ${(summary.elapsed / 1000).toFixed(1)} s, ${url}`,
    '',
  );
  const row = (s: ActionStats) => [s.action, String(s.calls), String(s.errors), ms(s.p50), ms(s.p95), ms(s.p99)];
  out.push(
    table(['action', 'calls', 'errors', 'p50 ms', 'p95 ms', 'p99 ms'], [...summary.calls.map(row), row(summary.total)]),
    '',
  );
  const errors = Object.entries(summary.errors).sort((a, b) => b[1] - a[1]);
  out.push(
    errors.length === 0
      ? 'errors: none'
      : table(
          ['error', 'count'],
          errors.map(([code, n]) => [code, String(n)]),
        ),
  );
  const answered = Object.entries(summary.answered).sort((a, b) => a[0].localeCompare(b[0]));
  out.push(
    answered.length === 0
      ? 'CSMS calls answered: none'
      : `CSMS calls answered: ${answered.map(([action, n]) => `${action} ${n}`).join(', ')}`,
  );
  out.push(
    `connected: ${summary.connected}/${summary.count}  reconnects: ${summary.reconnects}  transactions: ${summary.transactions}`,
    '',
  );
  return out.join('\n');
}

// ---------------------------------------------------------------- the simulation

/** Run a simulation; resolves with its summary once every charge point has stopped. */
export async function simulate(options: SimulateOptions): Promise<SimulationSummary> {
  const output = options.output ?? process.stdout;
  const tty = options.tty ?? (output as { isTTY?: boolean }).isTTY === true;
  const { count, protocol } = options;
  const prefix = options.prefix ?? 'SIM-';
  const width = Math.max(3, String(count).length);
  const run = new Run(
    options.duration,
    options.meterInterval ?? 1000,
    options.meterValuesPerTransaction ?? 3,
    options.signal,
  );
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
  };
}

// ---------------------------------------------------------------- the command

export const SIMULATE_USAGE = `  simulate <url>        Run virtual charge points against a CSMS, print live progress and a summary
    --protocol <p>      ocpp1.6, ocpp2.0.1 or ocpp2.1 (default ocpp1.6)
    --count <n>         Charge points (default 10), identities <prefix>001, <prefix>002, …
    --duration <s>      Seconds the scenario runs (default 30)
    --prefix <text>     Identity prefix (default SIM-)
    --interval <s>      Seconds between meter values (default 1)
    --password <p>      Basic auth password for every charge point
    --ca <file>         CA certificate (PEM) for a wss:// CSMS
`;

export class SimulateUsageError extends Error {}

/** `ocppkit simulate …`: exit code 0 when every charge point connected and nothing failed, else 1. */
export async function simulateCommand(args: string[], output: Writable = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      protocol: { type: 'string', default: 'ocpp1.6' },
      count: { type: 'string', default: '10' },
      duration: { type: 'string', default: '30' },
      prefix: { type: 'string', default: 'SIM-' },
      interval: { type: 'string', default: '1' },
      password: { type: 'string' },
      ca: { type: 'string' },
    },
  });
  const url = positionals[0];
  if (!url) throw new SimulateUsageError('simulate needs a URL, e.g. ocppkit simulate ws://localhost:9000');
  if (!/^wss?:\/\//.test(url)) throw new SimulateUsageError(`not a ws:// or wss:// URL: ${url}`);
  const protocol = values.protocol;
  if (protocol !== 'ocpp1.6' && protocol !== 'ocpp2.0.1' && protocol !== 'ocpp2.1') {
    throw new SimulateUsageError(`unknown subprotocol ${protocol}`);
  }
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new SimulateUsageError(`invalid count ${values.count}`);
  const duration = Number(values.duration);
  if (!(duration > 0)) throw new SimulateUsageError(`invalid duration ${values.duration}`);
  const interval = Number(values.interval);
  if (!(interval > 0)) throw new SimulateUsageError(`invalid interval ${values.interval}`);
  let ca: Buffer | undefined;
  if (values.ca !== undefined) {
    const { readFileSync } = await import('node:fs');
    ca = readFileSync(values.ca);
  }
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const summary = await simulate({
      url,
      protocol,
      count,
      duration: duration * 1000,
      prefix: values.prefix,
      meterInterval: interval * 1000,
      ...(values.password === undefined ? {} : { password: values.password }),
      ...(ca === undefined ? {} : { client: { tls: { ca } } }),
      output,
      signal: controller.signal,
    });
    output.write(formatSummary(summary, url));
    const failed = summary.total.errors > 0 || Object.keys(summary.errors).length > 0 || summary.connected < count;
    return failed ? 1 : 0;
  } finally {
    process.off('SIGINT', interrupt);
  }
}
