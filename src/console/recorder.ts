/**
 * What the console knows of the server it is attached to, kept up to date through the server's events: `connect`,
 * `disconnect` and the frames of every connection (`message:in`, `message:out`); no connection gets a listener. The
 * first `batchSize` frames after each `flush()` are read and logged as they come. The others are skimmed: counted, and
 * read only when their message type and action (which the event carries) say they may tell of a status or a
 * transaction, or when they belong to a call sent from the page. So under any load the console parses one batch per
 * interval, plus those few messages, and a skimmed frame costs a few comparisons.
 */
import type { FrameEvent } from '../events.ts';
import { MessageType } from '../framing.ts';
import type { ServerConnectEvent } from '../server/events.ts';
import type { ServedChargePoint } from '../server/served.ts';
import { readFrame, statusOf, type TransactionNews, transactionNews } from './frames.ts';
import type { ConsoleTarget } from './target.ts';
import { WaitingCalls } from './waiting.ts';
import type { ChargePointRow, ConsoleUpdate, LogEntry, MeterPoint, TransactionRow } from './wire.ts';

/** Limits of what the recorder keeps. */
export interface RecorderLimits {
  /** Frames kept in the log. */
  readonly logSize: number;
  /** Most frames logged per update (interval): the first ones; the others are skimmed and counted as skipped. */
  readonly batchSize: number;
  /** Transactions kept. */
  readonly transactions: number;
  /** Meter readings kept per transaction. */
  readonly meterPoints: number;
}

interface RawFrame {
  readonly row: Row;
  readonly time: number;
  readonly direction: 'in' | 'out';
  readonly data: string;
}

interface Row {
  identity: string;
  protocol: string;
  connectedAt: number;
  /** When its last frame came in: the time of the `flush()` after it. */
  lastMessageAt: number;
  lastAction: string | undefined;
  status: Record<string, string>;
  /** Whether a frame came in since the last `flush()`. */
  touched: boolean;
  /** Whether `lastMessageAt` is newer than what the pages were sent. */
  unsent: boolean;
}

type Entry = { -readonly [K in keyof LogEntry]: LogEntry[K] };

interface Transaction {
  id: string;
  identity: string;
  startedAt: number;
  endedAt: number | undefined;
  meter: MeterPoint[];
}

/** A CALL waiting for its answer. */
interface Waiting {
  readonly entry: Entry;
  readonly payload: Record<string, unknown> | undefined;
}

/** The requests a charge point sends that tell of its status or a transaction. */
const NEWS_ACTIONS = new Set([
  'StatusNotification',
  'StartTransaction',
  'StopTransaction',
  'MeterValues',
  'TransactionEvent',
]);

/** How often rows whose only change is the time of their last message are sent, ms. */
const TOUCH_INTERVAL = 1000;

/** CALLs waiting for an answer, per generation (see `WaitingCalls`); beyond, the oldest are forgotten. */
const MAX_WAITING = 5000;

/** Keeps the console's state: the charge points, a bounded log, the transactions; hands out batches of changes. */
export class ConsoleRecorder<CP extends ServedChargePoint = ServedChargePoint> {
  readonly #limits: RecorderLimits;
  readonly #target: ConsoleTarget<CP>;
  /** Frames the log still takes before the next flush. */
  #budget: number;
  /** Frames skimmed since the last flush: left out of the log. */
  #skimmed = 0;
  /** Calls sent from the page (`waitingKey` of the CALL): their frames are always logged. */
  readonly #pinned = new Set<string>();
  #seq = 0;
  readonly #rows = new Map<string, Row>();
  /** Rows changed (connected, a new action, a status): sent with the next batch. */
  readonly #changed = new Set<string>();
  /** When rows with only a newer last message (`touched`) were last sent: at most once per `TOUCH_INTERVAL`. */
  #touchesSentAt = 0;
  readonly #gone = new Set<string>();
  readonly #log: Entry[] = [];
  #fresh: Entry[] = [];
  #links: [number, number, number][] = [];
  readonly #waiting = new WaitingCalls<Waiting>(MAX_WAITING, (dropped) => {
    for (const waiting of dropped.values()) if (waiting.entry.action === 'StartTransaction') this.#startsWaiting--;
  });
  /** StartTransaction CALLs among them: their answers carry the transaction's id. */
  #startsWaiting = 0;
  readonly #transactions = new Map<string, Transaction>();
  readonly #changedTransactions = new Set<Transaction>();

  /**
   * Starts watching `target`: its charge points connected now and those that connect later.
   * @param target The server.
   * @param limits What is kept.
   */
  constructor(target: ConsoleTarget<CP>, limits: RecorderLimits) {
    this.#target = target;
    this.#limits = limits;
    this.#budget = limits.batchSize;
    const { events } = target;
    events.on('connect', this.#onConnect);
    events.on('disconnect', this.#onDisconnect);
    events.on('message:in', this.#onFrameIn);
    events.on('message:out', this.#onFrameOut);
    const now = Date.now();
    for (const chargePoint of target.registry.values()) {
      const { protocol } = chargePoint as { protocol?: unknown };
      if (typeof protocol === 'string') this.#addRow(chargePoint.identity, protocol, now);
    }
  }

  /** Stops watching: every listener the recorder added is removed. */
  close(): void {
    const { events } = this.#target;
    events.off('connect', this.#onConnect);
    events.off('disconnect', this.#onDisconnect);
    events.off('message:in', this.#onFrameIn);
    events.off('message:out', this.#onFrameOut);
  }

  readonly #onConnect = ({ identity, protocol }: ServerConnectEvent<CP>): void =>
    this.#addRow(identity, protocol, Date.now());

  readonly #onDisconnect = ({ identity }: ServerConnectEvent<CP>): void => {
    // A newer connection of the same identity holds the row now.
    if (this.#target.registry.get(identity) !== undefined) return;
    this.#rows.delete(identity);
    this.#changed.delete(identity);
    this.#gone.add(identity);
  };

  #addRow(identity: string, protocol: string, now: number): void {
    const row: Row = {
      identity,
      protocol,
      connectedAt: now,
      lastMessageAt: now,
      lastAction: undefined,
      status: {},
      touched: false,
      unsent: false,
    };
    this.#rows.set(identity, row);
    this.#gone.delete(identity);
    this.#changed.add(identity);
  }

  readonly #onFrameIn = (event: FrameEvent): void => {
    const row = this.#rows.get(event.identity);
    if (row !== undefined) this.#onFrame(row, event, 'in');
  };

  readonly #onFrameOut = (event: FrameEvent): void => {
    // Past the budget, a frame sent matters only as a call from the page or the answer to a StartTransaction.
    if (this.#budget === 0 && this.#pinned.size === 0 && this.#startsWaiting === 0) {
      this.#skimmed++;
      return;
    }
    const row = this.#rows.get(event.identity);
    if (row !== undefined) this.#onFrame(row, event, 'out');
  };

  /** The work per frame: log it while the budget lasts, else skim it. */
  #onFrame(row: Row, event: FrameEvent, direction: 'in' | 'out'): void {
    if (direction === 'in') {
      row.touched = true;
      if (event.messageType === MessageType.CALL) this.#setAction(row, event.action);
    }
    if (this.#budget > 0) {
      this.#budget--;
      this.#record(row, event.data, direction, true);
    } else if (this.#pinned.size > 0 && this.#isPinned(row, event, direction)) {
      this.#record(row, event.data, direction, true);
    } else {
      this.#skimmed++;
      if (this.#worthReading(row, event, direction)) this.#record(row, event.data, direction, false);
    }
  }

  /**
   * Logs the frames of a call the page sends, whatever the load: its CALL and the answer to it. Call before
   * sending, and `unpin` once it is settled.
   */
  pin(identity: string, messageId: string): void {
    this.#pinned.add(waitingKey(identity, 'out', messageId));
  }

  /** Ends what `pin` started. */
  unpin(identity: string, messageId: string): void {
    this.#pinned.delete(waitingKey(identity, 'out', messageId));
  }

  #isPinned(row: Row, event: FrameEvent, direction: 'in' | 'out'): boolean {
    if (event.messageId === undefined) return false;
    const isCall = event.messageType === MessageType.CALL;
    // our CALL goes out; its answer comes in
    if (isCall !== (direction === 'out')) return false;
    return this.#pinned.has(waitingKey(row.identity, 'out', event.messageId));
  }

  /** Returns what changed since the last call, `undefined` when nothing did, and renews the log's budget. */
  flush(): ConsoleUpdate | undefined {
    this.#budget = this.#limits.batchSize;
    const skipped = this.#skimmed;
    this.#skimmed = 0;
    const now = Date.now();
    const sendTouches = now - this.#touchesSentAt >= TOUCH_INTERVAL;
    if (sendTouches) this.#touchesSentAt = now;
    for (const row of this.#rows.values()) {
      if (row.touched) {
        row.touched = false;
        row.lastMessageAt = now;
        row.unsent = true;
      }
      if (sendTouches && row.unsent) {
        row.unsent = false;
        this.#changed.add(row.identity);
      }
    }
    if (
      this.#changed.size === 0 &&
      this.#gone.size === 0 &&
      this.#fresh.length === 0 &&
      this.#links.length === 0 &&
      skipped === 0 &&
      this.#changedTransactions.size === 0
    ) {
      return undefined;
    }
    const update: ConsoleUpdate = {
      snapshot: false,
      chargePoints: [...this.#changed].flatMap((identity) => {
        const row = this.#rows.get(identity);
        return row === undefined ? [] : [rowOf(row)];
      }),
      gone: [...this.#gone],
      log: this.#fresh.map(entryOf),
      links: this.#links,
      skipped,
      transactions: [...this.#changedTransactions].map(transactionOf),
    };
    this.#changed.clear();
    this.#gone.clear();
    this.#fresh = [];
    this.#links = [];
    this.#changedTransactions.clear();
    return update;
  }

  /** Everything the console holds now, for a page that just connected. Call `flush()` first. */
  snapshot(): ConsoleUpdate {
    return {
      snapshot: true,
      chargePoints: [...this.#rows.values()].map(rowOf),
      gone: [],
      log: this.#log.map(entryOf),
      links: [],
      skipped: 0,
      transactions: [...this.#transactions.values()].map(transactionOf),
    };
  }

  /**
   * Records a frame. `logged`: it goes into the log; else (skimmed, and worth reading) only what it tells of its
   * charge point's status or a transaction is kept.
   */
  #record(row: Row, data: string, direction: 'in' | 'out', logged: boolean): void {
    const raw: RawFrame = { row, time: Date.now(), direction, data };
    const frame = readFrame(raw.data);
    const entry: Entry = {
      seq: ++this.#seq,
      time: raw.time,
      identity: row.identity,
      direction: raw.direction,
      kind: frame.kind,
      messageId: frame.messageId,
      action: frame.action,
      frame: raw.data,
      linked: undefined,
      latency: undefined,
    };
    if (logged) this.#append(entry);
    if (frame.messageId === undefined) return;
    if (frame.kind === 'CALL') {
      if (logged || frame.action === 'StartTransaction') {
        this.#waiting.set(waitingKey(row.identity, raw.direction, frame.messageId), { entry, payload: frame.payload });
        if (frame.action === 'StartTransaction') this.#startsWaiting++;
      }
      if (raw.direction === 'in' && frame.payload !== undefined) this.#request(raw, frame.action!, frame.payload);
    } else if (frame.kind !== 'SEND' && frame.kind !== 'BAD') {
      const callDirection = raw.direction === 'in' ? 'out' : 'in';
      const key = waitingKey(row.identity, callDirection, frame.messageId);
      const waiting = this.#waiting.get(key);
      if (waiting === undefined) return;
      this.#forget(key);
      const call = waiting.entry;
      if (logged) {
        entry.action = call.action;
        entry.linked = call.seq;
        entry.latency = raw.time - call.time;
        call.linked = entry.seq;
        call.latency = entry.latency;
        this.#links.push([call.seq, entry.seq, entry.latency]);
      }
      if (call.action === 'StartTransaction' && frame.kind === 'CALLRESULT' && waiting.payload !== undefined) {
        const transactionId = frame.payload?.transactionId;
        const news = transactionNews('StartTransaction', waiting.payload, call.time);
        if (transactionId !== undefined && news)
          this.#transaction(row.identity, { ...news, id: String(transactionId) });
      }
    }
  }

  /**
   * Whether a frame left out of the log may still tell of a status or a transaction: such a request of the charge
   * point, or the answer to a StartTransaction. Most frames are not read at all.
   */
  #worthReading(row: Row, event: FrameEvent, direction: 'in' | 'out'): boolean {
    if (direction === 'in') return event.messageType === MessageType.CALL && NEWS_ACTIONS.has(event.action!);
    return (
      this.#startsWaiting > 0 &&
      event.messageType === MessageType.CALLRESULT &&
      this.#waiting.has(waitingKey(row.identity, 'in', event.messageId!))
    );
  }

  #setAction(row: Row, action: string | undefined): void {
    if (row.lastAction === action) return;
    row.lastAction = action;
    this.#changed.add(row.identity);
  }

  #forget(key: string): void {
    if (this.#waiting.get(key)?.entry.action === 'StartTransaction') this.#startsWaiting--;
    this.#waiting.delete(key);
  }

  #append(entry: Entry): void {
    this.#log.push(entry);
    this.#fresh.push(entry);
    // Trimmed in chunks, so that a full log does not shift on every frame.
    if (this.#log.length > this.#limits.logSize + 256) this.#log.splice(0, this.#log.length - this.#limits.logSize);
  }

  /** A request the charge point sent: its status or transaction, if it tells of one. */
  #request(raw: RawFrame, action: string, payload: Record<string, unknown>): void {
    if (action === 'StatusNotification') {
      const status = statusOf(payload);
      const { row } = raw;
      if (status && row.status[status[0]] !== status[1]) {
        row.status = { ...row.status, [status[0]]: status[1] };
        this.#changed.add(row.identity);
      }
      return;
    }
    const news = transactionNews(action, payload, raw.time);
    if (news?.id !== undefined) this.#transaction(raw.row.identity, news);
  }

  #transaction(identity: string, news: TransactionNews): void {
    const key = `${identity}\n${news.id}`;
    let transaction = this.#transactions.get(key);
    if (transaction === undefined) {
      transaction = {
        id: news.id!,
        identity,
        startedAt: news.started ?? news.meter[0]?.time ?? Date.now(),
        endedAt: undefined,
        meter: [],
      };
      this.#transactions.set(key, transaction);
      if (this.#transactions.size > this.#limits.transactions) {
        const oldest = this.#transactions.keys().next().value as string;
        this.#changedTransactions.delete(this.#transactions.get(oldest)!);
        this.#transactions.delete(oldest);
      }
    }
    if (news.ended !== undefined) transaction.endedAt = news.ended;
    for (const point of news.meter) if (Number.isFinite(point.wh)) transaction.meter.push(point);
    if (transaction.meter.length > this.#limits.meterPoints) {
      transaction.meter.splice(0, transaction.meter.length - this.#limits.meterPoints);
    }
    this.#changedTransactions.add(transaction);
  }
}

function waitingKey(identity: string, direction: 'in' | 'out', messageId: string): string {
  return `${direction}\n${identity}\n${messageId}`;
}

function rowOf(row: Row): ChargePointRow {
  const { identity, protocol, connectedAt, lastMessageAt, lastAction, status } = row;
  return { identity, protocol, connectedAt, lastMessageAt, lastAction, status };
}

function entryOf(entry: Entry): LogEntry {
  return { ...entry };
}

function transactionOf(transaction: Transaction): TransactionRow {
  return { ...transaction, meter: transaction.meter.slice() };
}
