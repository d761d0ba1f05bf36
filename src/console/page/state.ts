/**
 * What the page holds: the charge points, a bounded log (the oldest frames are dropped past `LOG_LIMIT`) and the
 * transactions, updated from the server's batches.
 */
import type { ChargePointRow, ConsoleUpdate, LogEntry, TransactionRow } from '../wire.ts';

/** Frames the page keeps. */
export const LOG_LIMIT = 5000;

/** A log entry as the page keeps it: the link to its CALL or answer may come in a later batch. */
export type PageEntry = { -readonly [K in keyof LogEntry]: LogEntry[K] };

/** The page's state. */
export class ConsoleState {
  readonly chargePoints = new Map<string, ChargePointRow>();
  log: PageEntry[] = [];
  readonly #bySeq = new Map<number, PageEntry>();
  readonly transactions = new Map<string, TransactionRow>();
  /** Frames the server did not send (over a batch's limit) or the page dropped. */
  skipped = 0;
  /** What changed in the last `apply()`. */
  changed = { chargePoints: false, members: false, log: false, transactions: false };

  /** The entry with this `seq`, if the page still holds it. */
  entry(seq: number | undefined): PageEntry | undefined {
    return seq === undefined ? undefined : this.#bySeq.get(seq);
  }

  /** Applies an update from the server. */
  apply(update: ConsoleUpdate): void {
    this.changed = {
      chargePoints: update.snapshot || update.chargePoints.length > 0 || update.gone.length > 0,
      members:
        update.snapshot ||
        update.gone.length > 0 ||
        update.chargePoints.some((r) => !this.chargePoints.has(r.identity)),
      log: update.snapshot || update.log.length > 0 || update.links.length > 0,
      transactions: update.snapshot || update.transactions.length > 0,
    };
    if (update.snapshot) {
      this.chargePoints.clear();
      this.log = [];
      this.#bySeq.clear();
      this.transactions.clear();
    }
    for (const row of update.chargePoints) this.chargePoints.set(row.identity, row);
    for (const identity of update.gone) this.chargePoints.delete(identity);
    for (const entry of update.log) {
      const kept = { ...entry };
      this.log.push(kept);
      this.#bySeq.set(kept.seq, kept);
    }
    for (const [callSeq, answerSeq, latency] of update.links) {
      const call = this.#bySeq.get(callSeq);
      if (call) {
        call.linked = answerSeq;
        call.latency = latency;
      }
    }
    this.skipped += update.skipped;
    if (this.log.length > LOG_LIMIT + 500) {
      const dropped = this.log.splice(0, this.log.length - LOG_LIMIT);
      for (const entry of dropped) this.#bySeq.delete(entry.seq);
    }
    for (const transaction of update.transactions) {
      this.transactions.set(`${transaction.identity}\n${transaction.id}`, transaction);
    }
  }
}
