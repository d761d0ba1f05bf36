/**
 * The guard against transaction-related messages handled twice. A charge point that sends a StartTransaction (or a
 * TransactionEvent), loses its connection or restarts before it learns the answer, sends it again with the same
 * message id. The guard remembers, per identity, the answers to the transaction-related CALLs it recently handled:
 * a CALL that repeats one of their ids gets the remembered answer and never reaches the handler a second time. A
 * repeat that arrives while the first is still being handled waits for its answer.
 */
import { createHash } from 'node:crypto';
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

/** The first CALL of its id being handled: give it back with its answer (`remember`) or without (`release`). */
export interface RepeatTicket {
  /** @internal */
  readonly entry: unknown;
}

/** What a guarded CALL finds. */
export type RepeatVerdict =
  /** A new id (or the id of another message): handle it, then `remember()` its answer or `release()` it. */
  | { readonly kind: 'new'; readonly ticket: RepeatTicket }
  /** A repeat of an answered CALL: send this frame (the CALLRESULT, same id). */
  | { readonly kind: 'answered'; readonly frame: string }
  /** A repeat of a CALL still being handled: the callback was registered and gets its answer, or none. */
  | { readonly kind: 'waiting' };

interface Entry {
  readonly entries: Map<string, Entry>;
  readonly messageId: string;
  /** The subprotocol, action and payload hash: a repeat is the same message, not merely the same id. */
  readonly fingerprint: string;
  /** The CALLRESULT frame; undefined while the first CALL is handled. */
  frame: string | undefined;
  at: number;
  waiters: ((frame: string | undefined) => void)[] | undefined;
}

const WAITING: RepeatVerdict = { kind: 'waiting' };
const MAX_WAITERS = 8;

function fingerprintOf(protocol: Subprotocol, action: string, payload: object): string {
  return `${protocol} ${action} ${createHash('sha256').update(JSON.stringify(payload)).digest('base64')}`;
}

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
   * A guarded CALL arrived. It repeats an earlier one when the identity, the message id, the subprotocol, the
   * action and the payload are all the same: a charger that starts its ids again at 1 on a new connection sends
   * new messages, not repeats. `wait` is called if it repeats one still being handled (with that one's CALLRESULT
   * frame, or `undefined` when that one got no result and this one must be handled itself); `undefined` means
   * "too many waiting already": answer it as a duplicate id.
   */
  check(
    identity: string,
    messageId: string,
    call: { readonly protocol: Subprotocol; readonly action: string; readonly payload: object },
    wait: (frame: string | undefined) => void,
  ): RepeatVerdict | undefined {
    const key = this.#keyOf(identity);
    let entries = this.#byIdentity.get(key);
    const now = Date.now();
    const fingerprint = fingerprintOf(call.protocol, call.action, call.payload);
    const known = entries?.get(messageId);
    if (known !== undefined && known.fingerprint === fingerprint) {
      if (known.frame === undefined) {
        if (known.waiters === undefined) known.waiters = [];
        if (known.waiters.length >= MAX_WAITERS) return undefined;
        known.waiters.push(wait);
        return WAITING;
      }
      if (now - known.at <= this.window) return { kind: 'answered', frame: known.frame };
    }
    if (entries === undefined) {
      entries = new Map();
    } else {
      this.#byIdentity.delete(key); // to the most recently used end
      if (known !== undefined) {
        entries.delete(messageId);
        if (known.frame === undefined) this.#wake(known, undefined);
      }
    }
    this.#byIdentity.set(key, entries);
    const entry: Entry = { entries, messageId, fingerprint, frame: undefined, at: now, waiters: undefined };
    entries.set(messageId, entry);
    this.#trim(entries, now);
    return { kind: 'new', ticket: { entry } };
  }

  /** The first CALL was answered with `frame`: its repeats get it from now on. */
  remember(ticket: RepeatTicket, frame: string): void {
    const entry = ticket.entry as Entry;
    if (entry.frame !== undefined || entry.entries.get(entry.messageId) !== entry) return;
    entry.frame = frame;
    entry.at = Date.now();
    this.#wake(entry, frame);
  }

  /** The first CALL got no result (its handler failed): forgotten; a repeat is handled anew. */
  release(ticket: RepeatTicket): void {
    const entry = ticket.entry as Entry;
    if (entry.frame !== undefined || entry.entries.get(entry.messageId) !== entry) return;
    entry.entries.delete(entry.messageId);
    this.#wake(entry, undefined);
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
