/**
 * What the console knows of the server it is attached to, kept up to date through the server's events. Listeners
 * put each frame (its row, text, direction and time) in a ring of `batchSize`, which allocates nothing; the frames in
 * it at `flush()` are read for the log. A frame pushed out of the full ring is skimmed: its start tells whether it
 * may carry a status or a transaction, and only then is it read. So under any load the console holds one batch of
 * frames and parses one batch per interval, plus the few status and transaction messages.
 */
import type { Emitter, EndpointEventMap, FrameEvent } from '../events.ts';
import type { ServerConnectEvent } from '../server/events.ts';
import type { ServedChargePoint } from '../server/served.ts';
import { callAction, peekHeader, readFrame, statusOf, type TransactionNews, transactionNews } from './frames.ts';
import { FrameRing } from './ring.ts';
import type { ConsoleTarget } from './target.ts';
import { WaitingCalls } from './waiting.ts';
import type { ChargePointRow, ConsoleUpdate, LogEntry, MeterPoint, TransactionRow } from './wire.ts';

/** What the console uses of a connected charge point: each version's `ChargePoint` has it. */
export interface WatchedChargePoint extends ServedChargePoint {
  readonly protocol: string;
  readonly events: Emitter<EndpointEventMap>;
}

/** Limits of what the recorder keeps. */
export interface RecorderLimits {
  /** Frames kept in the log. */
  readonly logSize: number;
  /** Most frames sent to the page in one update: the newest; the others are skimmed and counted as skipped. */
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
  lastMessageAt: number;
  lastAction: string | undefined;
  status: Record<string, string>;
  /** Whether its last message is newer than what the pages were sent. */
  touched: boolean;
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

function isWatchable(chargePoint: ServedChargePoint): chargePoint is WatchedChargePoint {
  const candidate = chargePoint as Partial<WatchedChargePoint>;
  return typeof candidate.protocol === 'string' && typeof candidate.events?.on === 'function';
}

/** Keeps the console's state: the charge points, a bounded log, the transactions; hands out batches of changes. */
export class ConsoleRecorder<CP extends ServedChargePoint = ServedChargePoint> {
  readonly #limits: RecorderLimits;
  readonly #target: ConsoleTarget<CP>;
  readonly #ring: FrameRing<Row>;
  /** Frames skimmed since the last flush: left out of the log. */
  #skimmed = 0;
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
  readonly #unwatch = new Map<ServedChargePoint, () => void>();

  /**
   * Starts watching `target`: its charge points connected now and those that connect later.
   * @param target The server.
   * @param limits What is kept.
   */
  constructor(target: ConsoleTarget<CP>, limits: RecorderLimits) {
    this.#target = target;
    this.#limits = limits;
    this.#ring = new FrameRing<Row>(limits.batchSize);
    target.events.on('connect', this.#onConnect);
    target.events.on('disconnect', this.#onDisconnect);
    const now = Date.now();
    for (const chargePoint of target.registry.values()) this.#watch(chargePoint, now);
  }

  /** Stops watching: every listener the recorder added is removed. */
  close(): void {
    this.#target.events.off('connect', this.#onConnect);
    this.#target.events.off('disconnect', this.#onDisconnect);
    for (const unwatch of this.#unwatch.values()) unwatch();
    this.#unwatch.clear();
  }

  readonly #onConnect = ({ chargePoint }: ServerConnectEvent<CP>): void => this.#watch(chargePoint, Date.now());

  readonly #onDisconnect = ({ chargePoint, identity }: ServerConnectEvent<CP>): void => {
    this.#unwatch.get(chargePoint)?.();
    this.#unwatch.delete(chargePoint);
    // A newer connection of the same identity may hold the row already.
    if (this.#target.registry.get(identity) !== undefined) return;
    this.#rows.delete(identity);
    this.#changed.delete(identity);
    this.#gone.add(identity);
  };

  #watch(chargePoint: ServedChargePoint, now: number): void {
    if (!isWatchable(chargePoint) || this.#unwatch.has(chargePoint)) return;
    const { identity } = chargePoint;
    const row: Row = {
      identity,
      protocol: chargePoint.protocol,
      connectedAt: now,
      lastMessageAt: now,
      lastAction: undefined,
      status: {},
      touched: false,
    };
    const onIn = (event: FrameEvent): void => this.#enqueue(row, event.data, 'in');
    const onOut = (event: FrameEvent): void => this.#enqueue(row, event.data, 'out');
    chargePoint.events.on('message:in', onIn);
    chargePoint.events.on('message:out', onOut);
    this.#unwatch.set(chargePoint, () => {
      chargePoint.events.off('message:in', onIn);
      chargePoint.events.off('message:out', onOut);
    });
    this.#rows.set(identity, row);
    this.#gone.delete(identity);
    this.#changed.add(identity);
  }

  /** The listeners' work, per frame: note the time, queue the frame, skim the oldest when the queue is full. */
  #enqueue(row: Row, data: string, direction: 'in' | 'out'): void {
    const time = Date.now();
    row.lastMessageAt = time;
    row.touched = true;
    this.#ring.push(row, data, direction === 'in', time, this.#skim);
  }

  /** A frame leaving the full ring: left out of the log, read only if it may tell of a status or a transaction. */
  readonly #skim = (row: Row, data: string, incoming: boolean, time: number): void => {
    this.#skimmed++;
    if (this.#worthReading(row, data, incoming))
      this.#record({ row, time, direction: incoming ? 'in' : 'out', data }, false);
  };

  readonly #logFrame = (row: Row, data: string, incoming: boolean, time: number): void =>
    this.#record({ row, time, direction: incoming ? 'in' : 'out', data }, true);

  /** Reads the frames queued since the last call and returns what changed; `undefined` when nothing did. */
  flush(): ConsoleUpdate | undefined {
    this.#ring.drain(this.#logFrame);
    const skipped = this.#skimmed;
    this.#skimmed = 0;
    const now = Date.now();
    if (now - this.#touchesSentAt >= TOUCH_INTERVAL) {
      for (const row of this.#rows.values()) {
        if (!row.touched) continue;
        row.touched = false;
        this.#changed.add(row.identity);
      }
      this.#touchesSentAt = now;
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
  #record(raw: RawFrame, logged: boolean): void {
    const { row } = raw;
    const frame = readFrame(raw.data);
    if (frame.kind === 'CALL' && raw.direction === 'in') this.#setAction(row, frame.action);
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
   * Whether a frame left out of the log may still tell of a status or a transaction: a request of the charge point
   * (its action read from the frame's start) or the answer to a StartTransaction. Most frames are not read at all.
   */
  #worthReading(row: Row, data: string, incoming: boolean): boolean {
    if (incoming) {
      const action = callAction(data, row.lastAction);
      if (action === undefined) return false;
      this.#setAction(row, action);
      return NEWS_ACTIONS.has(action);
    }
    if (this.#startsWaiting === 0) return false;
    const head = peekHeader(data);
    return head?.type === 3 && this.#waiting.has(waitingKey(row.identity, 'in', head.messageId));
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
