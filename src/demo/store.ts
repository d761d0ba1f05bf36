/** The demo CSMS's memory: transactions and meter values, bounded, shared by every connection. */

export interface DemoSettings {
  /** id tags / id tokens answered as `Invalid` (1.6) or `Invalid` (2.x); every other one is accepted. */
  rejectedIdTags: ReadonlySet<string>;
  /** Heartbeat interval the boot response asks for, in seconds. */
  heartbeatInterval: number;
}

export interface StoredMeterValue {
  identity: string;
  transactionId: string | undefined;
  timestamp: string;
  sampledValues: number;
}

/** The newest meter value batches kept, across all charge points. */
export const METER_VALUES_KEPT = 10_000;
/** The newest transactions kept, across all charge points: the oldest started is forgotten first. */
export const TRANSACTIONS_KEPT = 10_000;

/** Where a 2.x transaction is kept: its id is unique per charge point only. */
export function stationTransactionKey(identity: string, transactionId: string): string {
  return `${identity}/${transactionId}`;
}

export class DemoStore {
  readonly settings: DemoSettings;
  readonly transactions = new Map<
    string,
    { identity: string; idTag: string | undefined; started: string; ended?: string }
  >();
  readonly meterValues: StoredMeterValue[] = [];
  /** Samples received in 2.1 periodic event streams. */
  periodicEventSamples = 0;
  #nextTransactionId = 1;

  constructor(settings: Partial<DemoSettings> = {}) {
    this.settings = { rejectedIdTags: new Set(), heartbeatInterval: 300, ...settings };
  }

  isAuthorized(idTag: string): boolean {
    return !this.settings.rejectedIdTags.has(idTag);
  }

  /** Starts a 1.6 transaction and returns its id (1.6 ids are integers assigned by the CSMS). */
  startTransaction(identity: string, idTag: string, timestamp: string): number {
    const id = this.#nextTransactionId++;
    this.#remember(String(id), { identity, idTag, started: timestamp });
    return id;
  }

  /**
   * Records a 2.x transaction event. 2.x ids are assigned by each charge point, so two stations may use the same
   * one: they are kept under `stationTransactionKey(identity, transactionId)`.
   */
  recordTransaction(identity: string, transactionId: string, event: string, timestamp: string, idTag?: string) {
    const key = stationTransactionKey(identity, transactionId);
    const known = this.transactions.get(key);
    if (!known) this.#remember(key, { identity, idTag, started: timestamp });
    else if (event === 'Ended') known.ended = timestamp;
  }

  /** Adds a transaction; beyond `TRANSACTIONS_KEPT`, the oldest one (a Map keeps insertion order) goes. */
  #remember(transactionId: string, transaction: { identity: string; idTag: string | undefined; started: string }) {
    this.transactions.set(transactionId, transaction);
    if (this.transactions.size <= TRANSACTIONS_KEPT) return;
    const oldest = this.transactions.keys().next();
    if (!oldest.done) this.transactions.delete(oldest.value);
  }

  endTransaction(transactionId: string, timestamp: string): void {
    const known = this.transactions.get(transactionId);
    if (known) known.ended = timestamp;
  }

  keepMeterValues(
    identity: string,
    transactionId: string | undefined,
    values: { timestamp: string; sampledValue: unknown[] }[],
  ) {
    for (const value of values) {
      this.meterValues.push({
        identity,
        transactionId,
        timestamp: value.timestamp,
        sampledValues: value.sampledValue.length,
      });
    }
    if (this.meterValues.length > METER_VALUES_KEPT)
      this.meterValues.splice(0, this.meterValues.length - METER_VALUES_KEPT);
  }
}
