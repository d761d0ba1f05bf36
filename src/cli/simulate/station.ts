/**
 * A virtual charge point, whatever its version: what the scenario needs of it (`Station`), a transaction from start
 * to stop, and `stationBase`, the logic every version's station shares (the answer to a BootNotification, the
 * handlers that answer alike in every version, remote starts and stops, triggered messages).
 */
import type { ClientEmitter } from '../../client/events.ts';
import type { Run } from './run.ts';

/** A transaction under way on one connector. */
export interface Transaction {
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

/** The CSMS's answer to a BootNotification, the same in every version. */
export type Registration = 'Accepted' | 'Pending' | 'Rejected';

/** What the scenario needs of a virtual charge point, whatever its version. */
export interface Station {
  readonly identity: string;
  readonly run: Run;
  /** Transactions by connector (1 and 2). */
  readonly connectors: (Transaction | undefined)[];
  /** Work started by the CSMS's calls (a remote start, a triggered message): the station stops after it. */
  readonly tasks: Set<Promise<unknown>>;
  readonly connected: boolean;
  readonly events: ClientEmitter;
  /** The answer to the last BootNotification; `undefined` before one, or while every one failed. */
  readonly registration: Registration | undefined;
  /** While Pending: how long to wait before the next BootNotification, in ms. */
  readonly retryAfter: number;
  /** Whether transactions are made: none of the version's transaction messages is left out. */
  readonly transacts: boolean;
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

export const CONNECTORS = [1, 2];

export const now = () => new Date().toISOString();

/** A transaction from start to stop; its connector is busy meanwhile. */
export async function runTransaction(
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

/** A configuration key (1.6) or a variable (2.x) of a station. */
export interface Setting {
  value: string;
  readonly: boolean;
}

/** What `stationBase` needs of a version's client class. */
interface BaseClient {
  readonly identity: string;
  readonly connected: boolean;
  readonly events: ClientEmitter;
  connect(): Promise<void>;
  stop(): Promise<void>;
  call(action: 'Heartbeat'): Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: TypeScript requires a mixin's base constructor to take any[]
type ClientClass = abstract new (...args: any[]) => BaseClient;

/**
 * The station logic every version shares, on top of a version's client class. A version's station adds the
 * messages it sends (`boot`, `status`, …, `triggeredMeterValues`) and its own handlers (remote start and stop,
 * configuration or variables, and the `@after` hooks, which call `reboot` and `sendTriggered`).
 */
export function stationBase<TBase extends ClientClass>(Base: TBase) {
  abstract class StationBase extends Base implements Station {
    abstract readonly run: Run;
    /** The version's transaction messages: with one of them left out, no transaction is made. */
    abstract readonly transactionActions: readonly string[];
    /** The messages a TriggerMessage may ask for. */
    abstract readonly triggerable: readonly string[];
    readonly connectors: (Transaction | undefined)[] = [];
    readonly tasks = new Set<Promise<unknown>>();
    registration: Registration | undefined;
    retryAfter = 0;

    abstract boot(): Promise<unknown>;
    abstract status(connector: number, busy: boolean): Promise<unknown>;
    abstract authorize(idTag: string): Promise<unknown>;
    abstract newTransactionId(): string;
    abstract startTransaction(transaction: Transaction): Promise<boolean>;
    abstract meterValues(transaction: Transaction): Promise<unknown>;
    abstract stopTransaction(transaction: Transaction): Promise<unknown>;
    abstract dataTransfer(): Promise<unknown>;
    /** What a TriggerMessage for the version's meter values sends. */
    abstract triggeredMeterValues(connector: number | undefined): Promise<unknown>;

    get transacts(): boolean {
      return this.transactionActions.every((action) => !this.run.leftOut(action));
    }

    heartbeat() {
      return this.run.timed('Heartbeat', () => this.call('Heartbeat'));
    }

    /**
     * Note the answer to a BootNotification (`undefined`: the call failed or was not made). While Pending, the next
     * one waits the interval the CSMS asked for, or the meter interval when it asked for none.
     */
    registered<R extends { status: Registration; interval: number }>(response: R | undefined): R | undefined {
      if (response !== undefined) {
        this.registration = response.status;
        this.retryAfter = response.interval > 0 ? response.interval * 1000 : this.run.meterInterval;
      }
      return response;
    }

    /** Keep track of work started by a CSMS call. */
    track(work: Promise<unknown>): void {
      this.tasks.add(work);
      void work.finally(() => this.tasks.delete(work));
    }

    /**
     * The connector a remote start gets: the one asked for, else the first free one. `undefined` when it is not
     * free, or when no transactions are made.
     */
    freeConnector(requested: number | undefined): number | undefined {
      if (!this.transacts) return undefined;
      const connector = requested ?? CONNECTORS.find((c) => this.connectors[c] === undefined);
      if (connector === undefined || !CONNECTORS.includes(connector)) return undefined;
      return this.connectors[connector] === undefined ? connector : undefined;
    }

    /** A remote stop of the transaction `matches` picks. */
    requestStop(matches: (transaction: Transaction) => boolean) {
      const transaction = this.connectors.find((t) => t !== undefined && matches(t));
      if (transaction !== undefined) transaction.stopRequested = true;
      return { status: transaction === undefined ? ('Rejected' as const) : ('Accepted' as const) };
    }

    /** A simulated reboot after a Reset: what runs ends, and the station boots again. */
    reboot(): void {
      for (const transaction of this.connectors) if (transaction !== undefined) transaction.stopRequested = true;
      this.track(this.boot());
    }

    /** Send what an accepted TriggerMessage asked for. */
    async sendTriggered(requested: string, connector: number | undefined): Promise<void> {
      if (requested === 'BootNotification') await this.boot();
      else if (requested === 'Heartbeat') await this.heartbeat();
      else if (requested === 'StatusNotification') {
        for (const c of connector === undefined ? CONNECTORS : [connector]) {
          await this.status(c, this.connectors[c] !== undefined);
        }
      } else await this.triggeredMeterValues(connector);
    }

    // what the CSMS sends, answered alike in every version

    onTriggerMessage({ requestedMessage }: { requestedMessage: string }) {
      this.run.stats.answer('TriggerMessage');
      const supported = this.triggerable.includes(requestedMessage) && !this.run.leftOut(requestedMessage);
      return { status: supported ? ('Accepted' as const) : ('NotImplemented' as const) };
    }

    onReset() {
      this.run.stats.answer('Reset');
      return { status: 'Accepted' as const };
    }

    onSetChargingProfile() {
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
  return StationBase;
}
