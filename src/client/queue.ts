/**
 * The queue of messages that must not be lost: transaction-related messages (1.6 StartTransaction, StopTransaction,
 * MeterValues with a transactionId; 2.x TransactionEvent). Every such `call()` goes through it, online or not, so
 * they reach the CSMS in the order they were made; it is sent one message at a time, retried after a failure to
 * process, kept across drops and, with a persistent `QueueStore`, across restarts.
 */
import { randomUUID } from 'node:crypto';
import type { CallOptions } from '../call-args.ts';
import { CallAbortedError, CallError, CallTimeoutError, ConnectionClosedError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { isThenable } from '../util.ts';
import type { Timers } from './backoff.ts';
import { ClientStoppedError, QueueOverflowError } from './errors.ts';
import type { ClientEmitter } from './events.ts';

/** One queued message, as a store keeps it. Plain JSON; treat it as read-only. */
export interface QueuedMessage {
  /**
   * Unique key of this entry (a UUID), and the message id of every transmission of it: a message sent again after
   * a reconnect or a restart keeps its id, so the CSMS can tell the copy from a new message (ocppkit's server
   * answers it from its repeat guard).
   */
  readonly id: string;
  /** The message's action. */
  readonly action: string;
  /** The request payload (a JSON copy taken when `call()` queued it). */
  readonly payload: object;
  /** Failed transmissions so far (the CSMS answered CALLERROR or nothing within the call timeout). */
  readonly attempts: number;
  /** When it was queued, ms since the epoch. */
  readonly queuedAt: number;
}

/**
 * Where queued messages are kept. The client keeps its own ordered copy while it runs: the store is read once,
 * when the client is created (`load`), then only written to, in order (each call waits for the previous one when
 * they return promises). A store that persists lets a charger deliver what it queued before a restart.
 */
export interface QueueStore {
  /** Every stored message, oldest first. */
  load(): Iterable<QueuedMessage> | Promise<Iterable<QueuedMessage>>;
  /** A message was queued (it goes last). */
  add(message: QueuedMessage): void | Promise<void>;
  /** A message's `attempts` changed. */
  update(message: QueuedMessage): void | Promise<void>;
  /** A message was delivered or dropped. */
  remove(id: string): void | Promise<void>;
}

/** The default store: nothing outlives the process. Share one instance between clients to hand a queue over. */
export class MemoryQueueStore implements QueueStore {
  readonly #messages = new Map<string, QueuedMessage>();
  load(): QueuedMessage[] {
    return [...this.#messages.values()];
  }
  add(message: QueuedMessage): void {
    this.#messages.set(message.id, message);
  }
  update(message: QueuedMessage): void {
    if (this.#messages.has(message.id)) this.#messages.set(message.id, message);
  }
  remove(id: string): void {
    this.#messages.delete(id);
  }
  /** How many messages the store holds. */
  get size(): number {
    return this.#messages.size;
  }
}

/** Settings of the queue. Times in ms. */
export interface QueueOptions {
  /** Default: a `MemoryQueueStore` of this client. */
  store?: QueueStore;
  /** At most this many messages queued; see the overflow rule in `docs/charge-point-side.md`. Default 1000. */
  maxSize?: number;
  /**
   * Transmissions of one message before it is dropped, when the CSMS fails to process it (1.6
   * TransactionMessageAttempts, 2.x MessageAttemptsTransactionEvent). Default 3.
   */
  attempts?: number;
  /**
   * Wait before a retransmission, multiplied by the number of transmissions so far (1.6
   * TransactionMessageRetryInterval, 2.x MessageAttemptIntervalTransactionEvent, both in seconds there). Default 60 s.
   */
  interval?: number;
  /**
   * Hold queued messages until this client's BootNotification is answered `Accepted` (OCPP: a charge point sends
   * nothing else before that). Only the client's first boot counts: after a reconnect they go out at once.
   * `false`: from the first connection on. Default `true`.
   */
  waitForBoot?: boolean;
  /**
   * Which outgoing CALLs are queued. Default: the version's transaction-related messages. Use it to add, e.g.,
   * SecurityEventNotification (whose delivery OCPP also guarantees).
   */
  isQueued?: (action: string, payload: object) => boolean;
}

/** The defaults of `QueueOptions`: 1000 messages, 3 attempts, 60 s between them. */
export const QUEUE_DEFAULTS = Object.freeze({ maxSize: 1000, attempts: 3, interval: 60_000 });

/** What the queue needs from its client. */
export interface QueueHost {
  readonly identity: string;
  readonly log: Logger;
  readonly events: ClientEmitter;
  readonly timers: Timers;
  /** The open connection's `call`, or `undefined` while offline. */
  connection(): { call(action: string, payload: object, options?: CallOptions): Promise<unknown> } | undefined;
  /**
   * True while queued messages must wait: before the BootNotification is accepted, and while an incoming CALL is
   * unanswered (its answer goes out before the next queued message).
   */
  holding(): boolean;
}

interface Item {
  entry: QueuedMessage;
  readonly options: CallOptions | undefined;
  resolve: ((value: unknown) => void) | undefined;
  reject: ((reason: unknown) => void) | undefined;
  abort: (() => void) | undefined;
}

export class MessageQueue {
  readonly #host: QueueHost;
  readonly #store: QueueStore;
  readonly #maxSize: number;
  readonly #attempts: number;
  readonly #interval: number;
  readonly #droppable: (action: string, payload: object) => boolean;

  readonly #items: Item[] = [];
  #inFlight: Item | undefined = undefined;
  #retryTimer: unknown;
  #draining = false;
  #stopped = false;
  /** Set while the store loads; pushes wait for it. */
  #loading: Promise<void> | undefined = undefined;
  #storeBusy: Promise<void> | undefined = undefined;

  constructor(host: QueueHost, options: QueueOptions, droppable: (action: string, payload: object) => boolean) {
    this.#host = host;
    this.#store = options.store ?? new MemoryQueueStore();
    this.#maxSize = positiveInteger('queue.maxSize', options.maxSize ?? QUEUE_DEFAULTS.maxSize);
    this.#attempts = positiveInteger('queue.attempts', options.attempts ?? QUEUE_DEFAULTS.attempts);
    this.#interval = options.interval ?? QUEUE_DEFAULTS.interval;
    if (!(this.#interval >= 0)) throw new RangeError('queue.interval must be a number >= 0');
    this.#droppable = droppable;
    this.#load();
  }

  /** Messages queued and not yet delivered (the one in flight included). */
  get size(): number {
    return this.#items.length;
  }

  /** Resolves once the store's messages are loaded. */
  get ready(): Promise<void> {
    return this.#loading ?? Promise.resolve();
  }

  /** Queue a message; resolves with the CSMS's response once delivered. */
  enqueue(action: string, payload: object, options: CallOptions | undefined): Promise<unknown> {
    if (this.#stopped) return Promise.reject(new ClientStoppedError(action));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new CallAbortedError(action, '', signal.reason));
    const entry: QueuedMessage = {
      id: randomUUID(),
      action,
      payload: JSON.parse(JSON.stringify(payload)) as object,
      attempts: 0,
      queuedAt: Date.now(),
    };
    return new Promise((resolve, reject) => {
      const item: Item = { entry, options, resolve, reject, abort: undefined };
      if (signal !== undefined) {
        item.abort = () => this.#aborted(item);
        signal.addEventListener('abort', item.abort, { once: true });
      }
      if (this.#loading === undefined) this.#push(item);
      else void this.#loading.then(() => this.#push(item));
    });
  }

  /** Send what can be sent now (after a connection opened, an answer went out, a retry wait ended). */
  kick(): void {
    if (!this.#draining && !this.#stopped) void this.#drain();
  }

  /** Stop for good: waiting `call()`s reject with `ClientStoppedError`; the store keeps the messages. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#retryTimer !== undefined) this.#host.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    for (const item of this.#items) this.#settle(item, undefined, new ClientStoppedError(item.entry.action));
  }

  #load(): void {
    let loaded: Iterable<QueuedMessage> | Promise<Iterable<QueuedMessage>>;
    try {
      loaded = this.#store.load();
    } catch (error) {
      this.#storeFailed('load', error);
      return;
    }
    if (!isThenable(loaded)) {
      this.#adopt(loaded);
      return;
    }
    this.#loading = Promise.resolve(loaded).then(
      (messages) => {
        this.#loading = undefined;
        this.#adopt(messages);
        this.kick();
      },
      (error: unknown) => {
        this.#loading = undefined;
        this.#storeFailed('load', error);
      },
    );
  }

  #adopt(messages: Iterable<QueuedMessage>): void {
    for (const entry of messages) {
      this.#items.push({ entry, options: undefined, resolve: undefined, reject: undefined, abort: undefined });
    }
    if (this.#items.length > 0) this.#host.log.info({ count: this.#items.length }, 'queued messages loaded');
  }

  #push(item: Item): void {
    if (this.#stopped) {
      this.#settle(item, undefined, new ClientStoppedError(item.entry.action));
      return;
    }
    if (this.#items.length >= this.#maxSize) {
      // Overflow: drop the oldest droppable message (not the one in flight), else refuse the new one.
      const start = this.#inFlight === undefined ? 0 : 1;
      let victim = -1;
      for (let i = start; i < this.#items.length; i++) {
        const queued = this.#items[i] as Item;
        if (this.#droppable(queued.entry.action, queued.entry.payload)) {
          victim = i;
          break;
        }
      }
      if (victim < 0) {
        const error = new QueueOverflowError(item.entry.action, this.#maxSize, false);
        this.#dropped(item, 'overflow', error);
        return;
      }
      const [dropped] = this.#items.splice(victim, 1) as [Item];
      this.#persist(() => this.#store.remove(dropped.entry.id), 'remove');
      this.#dropped(dropped, 'overflow', new QueueOverflowError(dropped.entry.action, this.#maxSize, true));
    }
    this.#items.push(item);
    this.#persist(() => this.#store.add(item.entry), 'add');
    this.kick();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (!this.#stopped && this.#retryTimer === undefined && this.#loading === undefined) {
        const item = this.#items[0];
        if (item === undefined) return;
        // write-ahead: a message goes out only once the store holds it (and what was delivered before is removed)
        if (this.#storeBusy !== undefined) {
          await this.#storeBusy;
          continue;
        }
        const connection = this.#host.connection();
        if (connection === undefined || this.#host.holding()) return;
        const { action, payload } = item.entry;
        this.#inFlight = item;
        let response: unknown;
        try {
          response = await connection.call(action, payload, { ...item.options, messageId: item.entry.id });
        } catch (error) {
          this.#inFlight = undefined;
          if (this.#stopped) return;
          if (error instanceof ConnectionClosedError) return; // lost to a drop: sent again after the reconnect
          if (error instanceof CallError || error instanceof CallTimeoutError) {
            if (!this.#failed(item, error)) return; // a retry is scheduled
            continue;
          }
          // aborted, or can never succeed (an invalid request): drop it
          this.#remove(item);
          this.#dropped(
            item,
            error instanceof CallAbortedError ? 'aborted' : 'rejected',
            error instanceof Error ? error : new Error(String(error)),
          );
          continue;
        }
        this.#inFlight = undefined;
        this.#remove(item);
        const events = this.#host.events;
        if (events.has('queue:delivered')) {
          events.emit('queue:delivered', {
            identity: this.#host.identity,
            action,
            payload,
            response,
            attempts: item.entry.attempts + 1,
          });
        }
        this.#settle(item, response, undefined);
      }
    } finally {
      this.#draining = false;
    }
  }

  /** A transmission failed to be processed. False when a retry is scheduled; true when the message was dropped. */
  #failed(item: Item, error: Error): boolean {
    const attempts = item.entry.attempts + 1;
    item.entry = { ...item.entry, attempts };
    if (attempts >= this.#attempts) {
      this.#host.log.warn({ action: item.entry.action, attempts }, 'queued message dropped after its last attempt');
      this.#remove(item);
      this.#dropped(item, 'attempts', error);
      return true;
    }
    const entry = item.entry;
    this.#persist(() => this.#store.update(entry), 'update');
    const delay = this.#interval * attempts;
    this.#host.log.info({ action: entry.action, attempts, delay }, 'queued message failed; retrying');
    const events = this.#host.events;
    if (events.has('queue:retry')) {
      events.emit('queue:retry', { identity: this.#host.identity, action: entry.action, attempts, delay, error });
    }
    this.#retryTimer = this.#host.timers.setTimeout(() => {
      this.#retryTimer = undefined;
      this.kick();
    }, delay);
    return false;
  }

  #aborted(item: Item): void {
    if (item.resolve === undefined || this.#inFlight === item) return; // settled, or the call itself rejects
    const i = this.#items.indexOf(item);
    if (i < 0) return;
    this.#items.splice(i, 1);
    this.#persist(() => this.#store.remove(item.entry.id), 'remove');
    this.#dropped(item, 'aborted', new CallAbortedError(item.entry.action, '', item.options?.signal?.reason));
  }

  #remove(item: Item): void {
    if (this.#items[0] === item) this.#items.shift();
    else {
      const i = this.#items.indexOf(item);
      if (i >= 0) this.#items.splice(i, 1);
    }
    const id = item.entry.id;
    this.#persist(() => this.#store.remove(id), 'remove');
  }

  #dropped(item: Item, reason: 'overflow' | 'attempts' | 'aborted' | 'rejected', error: Error): void {
    const events = this.#host.events;
    if (events.has('queue:dropped')) {
      const { action, payload } = item.entry;
      events.emit('queue:dropped', { identity: this.#host.identity, action, payload, reason, error });
    }
    this.#settle(item, undefined, error);
  }

  #settle(item: Item, value: unknown, error: Error | undefined): void {
    const { resolve, reject, abort } = item;
    item.resolve = undefined;
    item.reject = undefined;
    if (abort !== undefined) item.options?.signal?.removeEventListener('abort', abort);
    if (error === undefined) resolve?.(value);
    else reject?.(error);
  }

  /** Run store writes in order: at once when none is pending, else after the pending one. */
  #persist(op: () => void | Promise<void>, what: string): void {
    const run = (): void | Promise<void> => {
      try {
        const result = op();
        if (isThenable(result))
          return Promise.resolve(result).catch((error: unknown) => this.#storeFailed(what, error));
      } catch (error) {
        this.#storeFailed(what, error);
      }
    };
    if (this.#storeBusy === undefined) {
      const pending = run();
      if (pending !== undefined) this.#track(pending);
    } else {
      this.#track(this.#storeBusy.then(run));
    }
  }

  #track(pending: Promise<void>): void {
    const tracked = pending.then(() => {
      if (this.#storeBusy === tracked) this.#storeBusy = undefined;
    });
    this.#storeBusy = tracked;
  }

  #storeFailed(what: string, error: unknown): void {
    this.#host.log.error({ err: error, op: what }, 'queue store failed');
    const events = this.#host.events;
    if (events.has('queue:error')) events.emit('queue:error', { identity: this.#host.identity, op: what, error });
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1`);
  return value;
}
