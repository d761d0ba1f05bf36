/**
 * This node answering the calls that other nodes route to its charge points. Each runs with the charge point's own
 * `call()` (its queue, its timeout, bounded by the caller's deadline); the answer goes back to the caller's inbox.
 * A request is run at most once: a duplicate of one that runs is dropped, and answers are kept `replayWindow` ms to
 * be sent again to a caller that asks again after a reconnect.
 */
import type { CallOptions } from '../call-args.ts';
import { errorMessage } from '../util.ts';
import type { NodeContext } from './context.ts';
import type { Presence } from './presence.ts';
import { type CancelMessage, type ReplyMessage, type RequestMessage, toWireError, type WireError } from './wire.ts';

/** A call from another node, while it runs here. */
interface Incoming {
  /** Only for a call that waits behind another: one that is sent already cannot be taken back. */
  readonly controller: AbortController | undefined;
}

/** The calls that other nodes route to this node's charge points. */
export class Responder {
  readonly #ctx: NodeContext;
  readonly #presence: Presence;
  /** Calls running, by `<from>|<id>`. */
  readonly #incoming = new Map<string, Incoming>();
  /** Answers sent, by `<from>|<id>`, kept `replayWindow` ms (insertion order = expiry order). */
  readonly #replies = new Map<string, { text: string; from: string; expires: number }>();

  /** The responder of the node of `ctx`; `presence` tells which charge points are served here. */
  constructor(ctx: NodeContext, presence: Presence) {
    this.#ctx = ctx;
    this.#presence = presence;
  }

  /** Calls from other nodes running here. */
  get running(): number {
    return this.#incoming.size;
  }

  /** A request from another node: runs it, or answers why not (or drops a duplicate, or sends a kept answer again). */
  onRequest(request: RequestMessage): void {
    const ctx = this.#ctx;
    const { replayWindow, maxIncoming } = ctx.settings;
    const key = `${request.from}|${request.id}`;
    if (this.#incoming.has(key)) return; // a duplicate of a call that runs
    const kept = this.#replies.get(key);
    if (kept !== undefined) {
      this.#sendReply(request.from, kept.text, request.deadline);
      return;
    }
    const reply = (error: WireError) => this.#reply(key, request, { t: 'res', id: request.id, ok: false, error });
    if (request.inc !== undefined && request.inc !== ctx.incarnation) {
      reply({ k: 'lost' });
      return;
    }
    const now = ctx.now();
    if (request.resend && now - request.sentAt > replayWindow) {
      // it may have run here and its answer is no longer kept
      reply({ k: 'failed', name: 'OutcomeUnknown', message: 'the answer was lost with a Redis connection' });
      return;
    }
    if (ctx.closing) {
      reply({ k: 'lost' });
      return;
    }
    const remaining = request.expires - now;
    if (remaining <= 0) {
      reply({ k: 'expired' });
      return;
    }
    if (this.#incoming.size >= maxIncoming) {
      reply({ k: 'busy', limit: maxIncoming });
      return;
    }
    const chargePoint = this.#presence.local(request.identity);
    if (chargePoint === undefined) {
      reply({ k: 'not-connected' });
      return;
    }
    if (request.protocol !== undefined && chargePoint.protocol !== request.protocol) {
      reply({ k: 'protocol', expected: request.protocol, actual: chargePoint.protocol });
      return;
    }
    const incoming: Incoming = {
      controller: (chargePoint.pendingCalls ?? 1) > 0 ? new AbortController() : undefined,
    };
    this.#incoming.set(key, incoming);
    const options: CallOptions = { timeout: Math.min(request.timeout, remaining) };
    if (incoming.controller) options.signal = incoming.controller.signal;
    if (request.skipValidation) options.skipValidation = true;
    let running: Promise<unknown>;
    try {
      const { tracing } = ctx;
      running =
        tracing !== undefined && request.trace !== undefined
          ? tracing.within(request.trace, () => chargePoint.call(request.action, request.payload, options))
          : chargePoint.call(request.action, request.payload, options);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (result) => {
        this.#incoming.delete(key);
        this.#reply(key, request, { t: 'res', id: request.id, ok: true, result });
      },
      (error: unknown) => {
        this.#incoming.delete(key);
        reply(toWireError(error));
      },
    );
  }

  /** The caller gave up: a call still waiting behind another on its charge point is taken back. */
  onCancel(cancel: CancelMessage): void {
    this.#incoming.get(`${cancel.from}|${cancel.id}`)?.controller?.abort(new Error('the caller gave up'));
  }

  /** Forgets the kept answers older than `replayWindow`. */
  sweep(): Promise<void> {
    const now = Date.now();
    for (const [key, kept] of this.#replies) {
      if (kept.expires > now) break;
      this.#replies.delete(key);
    }
    return Promise.resolve();
  }

  /** Closing: takes back every call still waiting on its charge point. */
  abortAll(): void {
    for (const incoming of this.#incoming.values()) incoming.controller?.abort(new Error('cluster node closing'));
  }

  #reply(key: string, request: RequestMessage, reply: ReplyMessage): void {
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (error) {
      const failed: ReplyMessage = {
        t: 'res',
        id: request.id,
        ok: false,
        error: { k: 'failed', name: 'TypeError', message: `answer cannot be serialised: ${errorMessage(error)}` },
      };
      text = JSON.stringify(failed);
    }
    this.#replies.set(key, { text, from: request.from, expires: Date.now() + this.#ctx.settings.replayWindow });
    this.#sendReply(request.from, text, request.deadline);
  }

  /** Publishes an answer; while the caller's inbox has no subscriber (reconnecting), tries again until its deadline. */
  #sendReply(to: string, text: string, deadline: number): void {
    const ctx = this.#ctx;
    const again = () => {
      if (ctx.now() + 100 < deadline && ctx.redis.status !== 'end')
        setTimeout(() => this.#sendReply(to, text, deadline), 100);
    };
    ctx.redis.publish(ctx.inboxOf(to), text).then((receivers) => {
      if (receivers === 0) again();
    }, again);
  }
}
