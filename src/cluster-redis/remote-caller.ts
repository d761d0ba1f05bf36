/**
 * Calls of this node to charge points on other nodes. A call takes one of `maxInFlight` slots (or waits for one),
 * then one script finds the owner and publishes the request to its inbox (ROUTE); the answer comes back on this
 * node's inbox. The caller never waits longer than the charge point's timeout plus `deliveryMargin`: a call that
 * could not be routed fails as not delivered, one whose owner is gone fails with `RemoteNodeLostError`.
 *
 * Why pub/sub and not Streams: a CALL must run at most once, and a stream's redelivery would replay a call whose
 * caller has given up. PUBLISH says how many subscribers got the message, so "not delivered" (0) is known and
 * retried; what a dropped connection could lose is sent again after the reconnect and de-duplicated by id on the
 * owning node, whose replies are kept for a while to be sent again. Deadlines are in Redis time, so no node's clock
 * needs to agree with another's.
 */
import type { CallOptions } from '../call-args.ts';
import { CallAbortedError } from '../errors.ts';
import type { Subprotocol } from '../protocol.ts';
import { errorMessage } from '../util.ts';
import type { NodeContext } from './context.ts';
import {
  ChargePointNotConnectedError,
  ClusterBusyError,
  ClusterClosedError,
  ClusterTimeoutError,
  RemoteNodeLostError,
} from './errors.ts';
import type { Presence } from './presence.ts';
import { ROUTE, runScript } from './scripts.ts';
import type { RemoteCallTrace } from './tracing.ts';
import {
  type CancelMessage,
  fromWireError,
  parsePresence,
  type ReplyMessage,
  type RequestMessage,
  type WireError,
} from './wire.ts';

/** A remote call of this node, from `call()` to its answer. */
interface Outgoing {
  readonly id: string;
  readonly identity: string;
  readonly action: string;
  readonly timeout: number;
  /** Local time when the caller stops waiting. */
  readonly deadline: number;
  readonly request: RequestMessage;
  /** The request as sent. */
  readonly text: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  /** 0 routing, 1 sent (the owner got it), 2 settled. */
  state: number;
  nodeId: string;
  incarnation: string;
  timer: NodeJS.Timeout | undefined;
  retry: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  /** Its span, when the call is traced. */
  trace: RemoteCallTrace | undefined;
}

/** A call waiting for a slot. */
interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

const ROUTING = 0;
const SENT = 1;
const SETTLED = 2;

/** The remote calls of one node: their slots, their routing, and the wait for their answers. */
export class RemoteCalls {
  readonly #ctx: NodeContext;
  readonly #presence: Presence;
  readonly #outgoing = new Map<string, Outgoing>();
  readonly #waiters: Waiter[] = [];
  #inFlight = 0;
  #seq = 0;

  /** The remote calls of the node of `ctx`; `presence` watches the nodes they wait for. */
  constructor(ctx: NodeContext, presence: Presence) {
    this.#ctx = ctx;
    this.#presence = presence;
  }

  /** Calls in flight or waiting for a slot. */
  get pending(): number {
    return this.#outgoing.size + this.#waiters.length;
  }

  /** Calls in flight (routing or sent). */
  get active(): number {
    return this.#outgoing.size;
  }

  /**
   * Sends a call to `identity` on the node that holds it and resolves with its answer. `protocol`, when given, is
   * the version the charge point must speak.
   */
  async call(
    identity: string,
    protocol: Subprotocol | undefined,
    action: string,
    payload: object,
    options: CallOptions,
  ): Promise<unknown> {
    const ctx = this.#ctx;
    const { callTimeout, deliveryMargin } = ctx.settings;
    const started = Date.now();
    const timeout = options.timeout !== undefined && options.timeout > 0 ? options.timeout : callTimeout;
    const deadline = started + timeout + deliveryMargin;
    if (options.signal?.aborted) throw new CallAbortedError(action, '', options.signal.reason);
    await this.#acquire(identity, action, deadline);
    const id = `${ctx.incarnation}.${(++this.#seq).toString(36)}`;
    const now = ctx.now();
    const redisDeadline = now + (deadline - Date.now());
    const request: RequestMessage = {
      t: 'req',
      id,
      from: ctx.nodeId,
      identity,
      action,
      payload,
      timeout,
      expires: redisDeadline - deliveryMargin,
      deadline: redisDeadline,
      sentAt: now,
    };
    if (protocol !== undefined) request.protocol = protocol;
    if (options.skipValidation) request.skipValidation = true;
    const trace = ctx.tracing?.remoteCall(identity, action);
    if (trace !== undefined) request.trace = trace.carrier;
    let text: string;
    try {
      text = JSON.stringify(request);
    } catch (error) {
      this.#releaseSlot();
      trace?.end(error);
      throw error;
    }
    return new Promise<unknown>((resolve, reject) => {
      const call: Outgoing = {
        id,
        identity,
        action,
        timeout,
        deadline,
        request,
        text,
        resolve,
        reject,
        signal: options.signal,
        state: ROUTING,
        nodeId: '',
        incarnation: '',
        timer: undefined,
        retry: undefined,
        onAbort: undefined,
        trace,
      };
      this.#outgoing.set(id, call);
      call.timer = setTimeout(() => this.#expire(call), Math.max(0, deadline - Date.now()));
      if (options.signal) {
        const signal = options.signal;
        call.onAbort = () => {
          if (call.state === SENT) this.#cancel(call);
          this.#settle(call, new CallAbortedError(action, id, signal.reason));
        };
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      this.#route(call);
    });
  }

  /** An answer from the owner of a call. */
  onReply(reply: ReplyMessage): void {
    const call = this.#outgoing.get(reply.id);
    if (call === undefined) return;
    if (reply.ok) this.#settle(call, undefined, reply.result);
    else this.#settle(call, this.#errorOf(reply.error, call));
  }

  /** The nodes that hold calls sent and not yet answered: node id → incarnation. */
  awaitedNodes(): Map<string, string> {
    const nodes = new Map<string, string>();
    for (const call of this.#outgoing.values()) if (call.state === SENT) nodes.set(call.nodeId, call.incarnation);
    return nodes;
  }

  /** Fails the calls sent to `nodeId` in that `incarnation` with `RemoteNodeLostError`; whether there were any. */
  failNode(nodeId: string, incarnation: string): boolean {
    let any = false;
    for (const call of [...this.#outgoing.values()]) {
      if (call.state === SENT && call.nodeId === nodeId && call.incarnation === incarnation) {
        any = true;
        this.#settle(call, new RemoteNodeLostError(call.identity, call.action, nodeId));
      }
    }
    return any;
  }

  /** After a reconnect: every call sent again, to the same node (it drops a duplicate or sends its answer again). */
  resendAll(): void {
    for (const call of this.#outgoing.values()) {
      if (call.state === SENT) this.#resend(call);
    }
  }

  /** Closing: the calls waiting for a slot fail with `ClusterClosedError`. */
  refuseWaiting(): void {
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.done) continue;
      waiter.done = true;
      clearTimeout(waiter.timer);
      waiter.reject(new Error('closed'));
    }
  }

  /** Closing: the calls still in flight fail with `ClusterClosedError`. */
  closeAll(): void {
    for (const call of [...this.#outgoing.values()])
      this.#settle(call, new ClusterClosedError(call.identity, call.action));
  }

  /** Waits for a slot among `maxInFlight` (bounded by `maxQueueWait` and the call's deadline). */
  #acquire(identity: string, action: string, deadline: number): Promise<void> | undefined {
    const { maxInFlight, maxQueued, maxQueueWait } = this.#ctx.settings;
    if (this.#inFlight < maxInFlight && this.#waiters.length === 0) {
      this.#inFlight++;
      return undefined;
    }
    if (this.#waiters.length >= maxQueued) {
      return Promise.reject(new ClusterBusyError(identity, action, 'caller', maxInFlight));
    }
    const wait = Math.max(0, Math.min(maxQueueWait, deadline - Date.now()));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        done: false,
        timer: setTimeout(() => {
          waiter.done = true;
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(new ClusterBusyError(identity, action, 'caller', maxInFlight));
        }, wait),
      };
      this.#waiters.push(waiter);
    }).catch((error: unknown) => {
      if (error instanceof ClusterBusyError) throw error;
      throw new ClusterClosedError(identity, action);
    });
  }

  #releaseSlot(): void {
    for (;;) {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) {
        this.#inFlight--;
        return;
      }
      if (waiter.done) continue;
      waiter.done = true;
      clearTimeout(waiter.timer);
      waiter.resolve(); // the slot passes on
      return;
    }
  }

  #settle(call: Outgoing, error: unknown, value?: unknown): void {
    if (call.state === SETTLED) return;
    call.state = SETTLED;
    this.#outgoing.delete(call.id);
    clearTimeout(call.timer);
    clearTimeout(call.retry);
    if (call.onAbort) call.signal?.removeEventListener('abort', call.onAbort);
    this.#releaseSlot();
    call.trace?.end(error);
    if (error === undefined) call.resolve(value);
    else call.reject(error);
  }

  #expire(call: Outgoing): void {
    if (call.state === SENT) this.#cancel(call);
    this.#settle(
      call,
      new ClusterTimeoutError(call.identity, call.action, call.timeout, call.state === SENT, call.nodeId || undefined),
    );
  }

  #retryRoute(call: Outgoing, ms: number): void {
    if (Date.now() + ms >= call.deadline) return; // the deadline timer answers
    clearTimeout(call.retry);
    call.retry = setTimeout(() => this.#route(call), ms);
  }

  /** Finds the owner and publishes the request to it, in one step (ROUTE). */
  #route(call: Outgoing): void {
    if (call.state !== ROUTING) return;
    const ctx = this.#ctx;
    runScript(
      ctx.redis,
      ROUTE,
      [ctx.presenceKey(call.identity)],
      [ctx.nodePrefix, ctx.inboxPrefix, call.request.deadline, call.text],
    ).then(
      (result) => {
        const [status, value, receivers] = result as [number, string?, number?];
        if (call.state !== ROUTING) {
          // settled (aborted, expired) while routing: if it went out anyway, tell the owner
          if (status === 3 && (receivers ?? 0) > 0 && value) {
            const owner = parsePresence(value);
            if (owner) this.#publishCancel(owner.nodeId, call.id);
          }
          return;
        }
        if (status === 3 && (receivers ?? 0) > 0) {
          const owner = parsePresence(value as string);
          call.state = SENT;
          call.nodeId = owner?.nodeId ?? '';
          call.incarnation = owner?.incarnation ?? '';
          this.#presence.watch();
          return;
        }
        if (status === 3) return this.#retryRoute(call, 50); // the owner is (re)subscribing
        if (status === 2) {
          this.#expire(call);
          return;
        }
        if (ctx.recovering()) {
          this.#retryRoute(call, 100);
          return;
        }
        // the owner is gone: its entry is stale
        if (status === 1 && value) this.#presence.forget(call.identity, value);
        this.#settle(call, new ChargePointNotConnectedError(call.identity, call.action));
      },
      (error: unknown) => {
        if (call.state !== ROUTING) return;
        ctx.log.debug({ err: errorMessage(error), identity: call.identity }, 'routing failed; retrying');
        this.#retryRoute(call, 100);
      },
    );
  }

  /** The request again, to the node it was sent to, marked as a resend of that incarnation's call. */
  #resend(call: Outgoing): void {
    const text = `${call.text.slice(0, -1)},"resend":true,"inc":${JSON.stringify(call.incarnation)}}`;
    this.#ctx.redis.publish(this.#ctx.inboxOf(call.nodeId), text).then(
      (receivers) => {
        if (receivers === 0 && call.state === SENT) {
          clearTimeout(call.retry);
          call.retry = setTimeout(() => this.#resend(call), 100);
        }
      },
      () => {
        if (call.state !== SENT) return;
        clearTimeout(call.retry);
        call.retry = setTimeout(() => this.#resend(call), 100);
      },
    );
  }

  #cancel(call: Outgoing): void {
    if (call.nodeId !== '') this.#publishCancel(call.nodeId, call.id);
  }

  #publishCancel(nodeId: string, id: string): void {
    const cancel: CancelMessage = { t: 'cancel', id, from: this.#ctx.nodeId };
    this.#ctx.redis.publish(this.#ctx.inboxOf(nodeId), JSON.stringify(cancel)).catch(() => {});
  }

  #errorOf(wire: WireError, call: Outgoing): Error {
    if (wire.k === 'expired')
      return new ClusterTimeoutError(call.identity, call.action, call.timeout, true, call.nodeId);
    if (wire.k === 'lost') return new RemoteNodeLostError(call.identity, call.action, call.nodeId);
    return fromWireError(wire, call.identity, call.action);
  }
}
