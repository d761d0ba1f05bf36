/**
 * The guard against transaction-related messages handled twice. A charge point that sends a StartTransaction (or a
 * TransactionEvent), loses its connection or restarts before it learns the answer, sends it again with the same
 * message id. The guard remembers, per identity, the answers to the transaction-related CALLs it recently handled:
 * a CALL that repeats one of their ids gets the remembered answer and never reaches the handler a second time. A
 * repeat that arrives while the first is still being handled waits for its answer.
 */
import type { Subprotocol } from '../protocol.ts';
import { TRANSACTION_RULES } from '../transactions.ts';

/** How long and how much the guard remembers. */
export interface RepeatGuardOptions {
  /** How long an answer is remembered, in ms. Default 15 minutes: a charger's restart fits in it. */
  window?: number;
  /** Answers remembered per identity, the newest kept. Default 16. */
  perIdentity?: number;
  /** Identities remembered, those heard from least recently forgotten first. Default 20,000. */
  identities?: number;
  /** Which CALLs are guarded. Default: the version's transaction-related messages. */
  isGuarded?: (protocol: Subprotocol, action: string, payload: object) => boolean;
}

/** What a guarded CALL finds. */
export type RepeatVerdict =
  /** A new id: handle it, then `remember()` its answer or `release()` it. */
  | { readonly kind: 'new' }
  /** A repeat of an answered CALL: send this frame (the CALLRESULT, same id). */
  | { readonly kind: 'answered'; readonly frame: string }
  /** A repeat of a CALL still being handled: the callback was registered and gets its answer, or none. */
  | { readonly kind: 'waiting' };

interface Entry {
  /** The CALLRESULT frame; undefined while the first CALL is handled. */
  frame: string | undefined;
  at: number;
  waiters: ((frame: string | undefined) => void)[] | undefined;
}

const NEW: RepeatVerdict = { kind: 'new' };
const WAITING: RepeatVerdict = { kind: 'waiting' };
const MAX_WAITERS = 8;

/** The guard a server shares between its connections (`repeatGuard` option, on by default). */
export class RepeatGuard {
  /** How long an answer is remembered, in ms. */
  readonly window: number;
  /** Answers remembered per identity. */
  readonly perIdentity: number;
  /** Identities remembered. */
  readonly identities: number;
  readonly #isGuarded: (protocol: Subprotocol, action: string, payload: object) => boolean;
  /** By identity key, least recently used first; each identity's entries by message id, oldest first. */
  readonly #byIdentity = new Map<string, Map<string, Entry>>();
  readonly #keyOf: (identity: string) => string;

  /**
   * A guard with these bounds.
   * @param options the window, the bounds and which CALLs are guarded
   * @param keyOf the key an identity's answers are kept under (the server passes its `identityKey`)
   */
  constructor(options: RepeatGuardOptions = {}, keyOf: (identity: string) => string = (identity) => identity) {
    this.window = nonNegative('window', options.window ?? 15 * 60_000);
    this.perIdentity = nonNegative('perIdentity', options.perIdentity ?? 16);
    this.identities = nonNegative('identities', options.identities ?? 20_000);
    this.#isGuarded =
      options.isGuarded ??
      ((protocol, action, payload) => TRANSACTION_RULES[protocol].isTransactionRelated(action, payload));
    this.#keyOf = keyOf;
  }

  /** Whether a CALL is one the guard watches. */
  guards(protocol: Subprotocol, action: string, payload: object): boolean {
    return this.#isGuarded(protocol, action, payload);
  }

  /**
   * A guarded CALL arrived. `wait` is called if it repeats one still being handled (with its CALLRESULT frame, or
   * `undefined` when that one got no result and this one must be handled itself); `undefined` means "too many
   * waiting already": answer it as a duplicate id.
   */
  check(identity: string, messageId: string, wait: (frame: string | undefined) => void): RepeatVerdict | undefined {
    const key = this.#keyOf(identity);
    let entries = this.#byIdentity.get(key);
    const now = Date.now();
    const entry = entries?.get(messageId);
    if (entry !== undefined && (entry.frame === undefined || now - entry.at <= this.window)) {
      if (entry.frame !== undefined) return { kind: 'answered', frame: entry.frame };
      if (entry.waiters === undefined) entry.waiters = [];
      if (entry.waiters.length >= MAX_WAITERS) return undefined;
      entry.waiters.push(wait);
      return WAITING;
    }
    if (entries === undefined) {
      entries = new Map();
    } else {
      this.#byIdentity.delete(key); // to the most recently used end
      entries.delete(messageId);
    }
    this.#byIdentity.set(key, entries);
    entries.set(messageId, { frame: undefined, at: now, waiters: undefined });
    this.#trim(entries, now);
    return NEW;
  }

  /** The first CALL with this id was answered with `frame`: repeats get it from now on. */
  remember(identity: string, messageId: string, frame: string): void {
    const entry = this.#byIdentity.get(this.#keyOf(identity))?.get(messageId);
    if (entry === undefined || entry.frame !== undefined) return;
    entry.frame = frame;
    entry.at = Date.now();
    this.#wake(entry, frame);
  }

  /** The first CALL with this id got no result (its handler failed): forget it; a repeat is handled anew. */
  release(identity: string, messageId: string): void {
    const entries = this.#byIdentity.get(this.#keyOf(identity));
    const entry = entries?.get(messageId);
    if (entry === undefined || entry.frame !== undefined) return;
    entries?.delete(messageId);
    this.#wake(entry, undefined);
  }

  /** Answers remembered or pending, over every identity. */
  get size(): number {
    let n = 0;
    for (const entries of this.#byIdentity.values()) n += entries.size;
    return n;
  }

  /** Tells the repeats waiting for an entry its outcome, once the first CALL's own answer has been written. */
  #wake(entry: Entry, frame: string | undefined): void {
    const waiters = entry.waiters;
    entry.waiters = undefined;
    if (waiters === undefined) return;
    queueMicrotask(() => {
      for (const wait of waiters) wait(frame);
    });
  }

  /** Drops, oldest first, answers past the window and entries over `perIdentity`; then identities over `identities`. */
  #trim(entries: Map<string, Entry>, now: number): void {
    for (const [id, entry] of entries) {
      const expired = entry.frame !== undefined && now - entry.at > this.window;
      if (!expired && entries.size <= this.perIdentity) break;
      entries.delete(id);
      if (entry.frame === undefined) this.#wake(entry, undefined);
    }
    while (this.#byIdentity.size > this.identities) {
      const oldest = this.#byIdentity.keys().next().value as string;
      this.#byIdentity.delete(oldest);
    }
  }
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0)) throw new RangeError(`repeatGuard.${name} must be a number >= 0, got ${value}`);
  return value;
}
