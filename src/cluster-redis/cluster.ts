/**
 * The Redis adapter of `OcppServer`: presence (which node holds which charge point), calls to a charge point from
 * any node, and cluster-wide events. It composes on the server's public surface (`server.events` `connect` and
 * `disconnect`, `get()`, iteration, `useRemoteCaller()`, and each ChargePoint's `call()`/`close()`).
 *
 * `RedisCluster` wires the parts of a node and owns its Redis connections, its lifecycle and its events. The parts:
 * `presence.ts` (who is connected where, node liveness), `remote-caller.ts` (this node's calls to charge points on
 * other nodes, and why they go over pub/sub), `responder.ts` (the calls other nodes route to this node's charge
 * points), `events.ts` (the events, in both forms); `context.ts` holds what they share, the layout of the keys and
 * channels included.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import {
  type CallDispatch,
  createServerCaller,
  type ProtocolOf,
  type RemoteCaller,
  type ServerCaller,
} from '../call-types.ts';
import type { Emitter } from '../events.ts';
import { silentLogger } from '../logger.ts';
import type { OcppServer, ProtocolClasses, ServerConnectEvent, ServerDisconnectEvent } from '../server.ts';
import { childLogger, errorMessage, hasControlCharacter, withDeadline } from '../util.ts';
import {
  commandConnection,
  type LocalChargePoint,
  NodeContext,
  noAnswer,
  type RedisClusterOptions,
  settingsOf,
} from './context.ts';
import { ClusterClosedError, ProtocolMismatchError } from './errors.ts';
import { type ClusterEvents, ClusterNotifier, type RedisClusterEventMap } from './events.ts';
import { type Location, Presence } from './presence.ts';
import { RemoteCalls } from './remote-caller.ts';
import { Responder } from './responder.ts';
import { type EventMessage, type FrameMessage, type InboxMessage, parseMessage } from './wire.ts';

/**
 * The cluster adapter: `new RedisCluster(server, { redis: 'redis://…' })`, then `await cluster.start()`.
 * `cluster.call(identity, action, payload)` reaches a charge point on any node; `cluster.version('ocpp1.6')` gives
 * the same typed for one version; `locate`, `list` and `nodes` read the presence; `cluster.events` are cluster-wide.
 *
 * Its `EventEmitter` methods (`cluster.on('connect', …)`, the listener tuples of `ClusterEvents`) are deprecated:
 * use `cluster.events`.
 */
export class RedisCluster<P extends ProtocolClasses = ProtocolClasses>
  extends EventEmitter<ClusterEvents>
  implements ServerCaller<P>, RemoteCaller
{
  /** The server whose connections this node shares. */
  readonly server: OcppServer<P>;
  /** This node's id (`options.nodeId`, or host name and process id). */
  readonly nodeId: string;
  /** Random per process: a node restarted under the same id is another incarnation. */
  readonly incarnation: string;
  /** The command connection (the application may use it too). */
  readonly redis: Redis;
  /**
   * The cluster-wide events, one object each: `cluster.events.on('connect', ({ identity, protocol, nodeId }) => …)`,
   * `disconnect`, `message` and `node:lost` (see `RedisClusterEventMap`). A listener that throws is logged.
   */
  readonly events: Emitter<RedisClusterEventMap>;
  /**
   * Calls the charge point with this identity on whichever node holds it: directly when it is connected here,
   * through Redis otherwise; `cluster.call('CP-1', 'Reset', { type: 'Soft' })` or with a `call.*` message. The owning
   * node runs it with the charge point's own `call()` (one call in flight per charge point, its timeout). Typed over
   * every version the server speaks. Resolves with the response; rejects with what a local call rejects with
   * (`CallError`, `CallTimeoutError`, `ConnectionClosedError`, `CallAbortedError`, `RequestValidationError`) or a
   * `ClusterError` (`ChargePointNotConnectedError`, `RemoteNodeLostError`, `ClusterTimeoutError`,
   * `ClusterBusyError`, `ClusterClosedError`). Never waits longer than the timeout plus `deliveryMargin`.
   */
  readonly call: ServerCaller<P>['call'];
  /** The same calls, typed for one version; a charge point of another version rejects with `ProtocolMismatchError`. */
  readonly version: ServerCaller<P>['version'];

  readonly #sub: Redis;
  readonly #ownsRedis: boolean;
  readonly #ctx: NodeContext;
  readonly #presence: Presence;
  readonly #calls: RemoteCalls;
  readonly #responder: Responder;
  readonly #notify: ClusterNotifier;

  #started = false;
  #closed: Promise<void> | undefined;
  #recovery: Promise<void> | undefined;
  #lost = false;

  /** An adapter for `server`, not yet started: `await cluster.start()` joins the cluster. */
  constructor(server: OcppServer<P>, options: RedisClusterOptions) {
    super();
    this.server = server;
    const nodeId = options.nodeId ?? `${hostname()}-${process.pid}`;
    // control characters would break presence values
    if (nodeId === '' || hasControlCharacter(nodeId)) throw new TypeError(`Invalid nodeId "${nodeId}"`);
    this.nodeId = nodeId;
    this.incarnation = randomBytes(6).toString('hex');
    const log = childLogger(options.logger ?? silentLogger, { nodeId });
    this.#notify = new ClusterNotifier(this, log);
    this.events = this.#notify.events;
    const caller = createServerCaller<P>(this.#dispatch);
    this.call = caller.call;
    this.version = caller.version;
    const settings = settingsOf(options);
    const { redis, owned } = commandConnection(options.redis);
    this.redis = redis;
    this.#ownsRedis = owned;
    const ctx = new NodeContext(this.redis, nodeId, this.incarnation, options.prefix ?? 'ocppkit', settings, log);
    ctx.tracing = options.tracing;
    this.#ctx = ctx;
    this.#presence = new Presence(ctx, server, {
      awaited: () => this.#calls.awaitedNodes(),
      lost: (lostId, incarnation) => this.#nodeLost(lostId, incarnation, 'expired'),
    });
    this.#calls = new RemoteCalls(ctx, this.#presence);
    this.#responder = new Responder(ctx, this.#presence);
    // the subscriber resubscribes itself after a reconnect, then recovers (see #recover)
    this.#sub = this.redis.duplicate({ autoResubscribe: false, enableAutoPipelining: false, lazyConnect: true });
    this.#sub.on('message', this.#onMessage);
    for (const client of [this.redis, this.#sub]) {
      client.on('error', this.#onRedisError);
      client.on('close', this.#onRedisClose);
      client.on('ready', this.#onRedisReady);
    }
  }

  // ------------------------------------------------------------------------------------------------ lifecycle

  /** Connects, subscribes, announces this node and the charge points already connected. Bounded by `commandTimeout`. */
  async start(): Promise<void> {
    const ctx = this.#ctx;
    if (this.#started) return;
    if (ctx.closing) throw new Error('RedisCluster: closed');
    this.#started = true;
    const ms = ctx.settings.commandTimeout;
    const connect = (client: Redis) =>
      client.status === 'wait' || client.status === 'end'
        ? withDeadline(client.connect(), ms, noAnswer('connect', ms))
        : Promise.resolve();
    try {
      await Promise.all([connect(this.redis), connect(this.#sub)]);
      await this.#announce();
    } catch (error) {
      this.#started = false;
      // no reconnecting in the background: start() may be called again
      this.#sub.disconnect();
      if (this.#ownsRedis) this.redis.disconnect();
      throw new Error(`RedisCluster: Redis is not reachable: ${errorMessage(error)}`, { cause: error });
    }
    // server.call() now reaches charge points on every node through this adapter
    this.server.useRemoteCaller(this);
    this.server.events.on('connect', this.#onConnect);
    this.server.events.on('disconnect', this.#onDisconnect);
    await this.#presence.claimAll();
    ctx.every(ctx.settings.heartbeatInterval, () => this.#presence.heartbeat());
    ctx.every(ctx.settings.presenceRefreshInterval, () => this.#presence.refresh());
    ctx.every(1000, () => this.#responder.sweep());
    ctx.log.info({ incarnation: this.incarnation }, 'cluster node started');
  }

  /**
   * Leaves the cluster: stops taking calls, waits (up to `closeTimeout`) for calls in flight both ways, releases
   * this node's presence keys, deletes its liveness key, tells the other nodes, and closes its Redis connections
   * (not a client the application passed in). The OcppServer keeps running: close it before or after.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const ctx = this.#ctx;
    ctx.closing = true;
    // another adapter may have replaced this one: leave it in place
    if (this.server.remoteCaller === this) this.server.useRemoteCaller(undefined);
    this.server.events.off('connect', this.#onConnect);
    this.server.events.off('disconnect', this.#onDisconnect);
    ctx.stopTimers();
    this.#presence.unwatch();
    this.#calls.refuseWaiting();
    if (this.#started) {
      const deadline = Date.now() + ctx.settings.closeTimeout;
      while ((this.#responder.running > 0 || this.#calls.active > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      this.#calls.closeAll();
      this.#responder.abortAll();
      try {
        await this.#presence.leave();
      } catch (error) {
        ctx.log.warn({ err: errorMessage(error) }, 'leaving the cluster: Redis did not answer; keys will expire');
      }
    }
    for (const client of this.#ownsRedis ? [this.#sub, this.redis] : [this.#sub]) {
      try {
        await withDeadline(client.quit(), 1000, noAnswer('QUIT', 1000));
      } catch {
        client.disconnect();
      }
    }
    ctx.log.info({}, 'cluster node closed');
  }

  // ------------------------------------------------------------------------------------------------ Redis connection

  /** Subscribes, measures Redis time and writes the liveness key, each step bounded by `commandTimeout`. */
  async #announce(): Promise<void> {
    const ctx = this.#ctx;
    const ms = ctx.settings.commandTimeout;
    const channels = [ctx.inbox, ctx.eventsChannel];
    if (ctx.settings.shareMessages) channels.push(ctx.messagesChannel);
    await withDeadline(this.#sub.subscribe(...channels), ms, noAnswer('SUBSCRIBE', ms));
    await withDeadline(ctx.syncClock(), ms, noAnswer('TIME', ms));
    await withDeadline(this.#presence.heartbeat(), ms, noAnswer('heartbeat', ms));
  }

  readonly #onRedisError = (error: Error): void => {
    this.#ctx.log.debug({ err: error.message }, 'Redis connection error');
  };

  readonly #onRedisClose = (): void => {
    if (this.#started && !this.#ctx.closing && !this.#lost) {
      this.#lost = true;
      this.#ctx.log.warn({}, 'Redis connection lost; reconnecting');
    }
  };

  readonly #onRedisReady = (): void => {
    if (!this.#lost || this.#ctx.closing) return;
    this.#lost = false;
    this.#ctx.recoveredAt = Date.now();
    this.#recovery ??= this.#recover().finally(() => {
      this.#recovery = undefined;
    });
  };

  /**
   * After a reconnect (a Redis restart loses every key and subscription): subscribe again, write the liveness key
   * and every presence key again, and send again every request in flight (the owner drops a duplicate, or sends
   * its kept answer again).
   */
  async #recover(): Promise<void> {
    const ctx = this.#ctx;
    ctx.log.info({}, 'Redis connection back: re-announcing this node');
    const ms = ctx.settings.commandTimeout;
    for (let attempt = 0; attempt < 3 && !ctx.closing; attempt++) {
      try {
        await this.#announce();
        await withDeadline(this.#presence.refresh(), ms, noAnswer('presence', ms));
        break;
      } catch (error) {
        ctx.log.warn({ err: errorMessage(error), attempt }, 'recovery step failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    ctx.recoveredAt = Date.now();
    this.#calls.resendAll();
  }

  // ------------------------------------------------------------------------------------------------ local connections

  readonly #onConnect = ({ chargePoint }: ServerConnectEvent): void => {
    const local = chargePoint as LocalChargePoint;
    void this.#presence.claim(local);
    if (this.#ctx.settings.shareMessages && local.events) {
      const identity = local.identity;
      local.events.on('message:in', (e) => this.#shareFrame(identity, 'in', e.data));
      local.events.on('message:out', (e) => this.#shareFrame(identity, 'out', e.data));
    }
  };

  readonly #onDisconnect = ({ chargePoint }: ServerDisconnectEvent): void => {
    this.#presence.release(chargePoint);
  };

  #shareFrame(identity: string, direction: 'in' | 'out', data: string): void {
    if (this.redis.status !== 'ready') return; // shed rather than queue frames while Redis is away
    const frame: FrameMessage = { identity, nodeId: this.nodeId, direction, data };
    this.redis.publish(this.#ctx.messagesChannel, JSON.stringify(frame)).catch(() => {});
  }

  // ------------------------------------------------------------------------------------------------ lookups

  /** Where `identity` is connected, if anywhere (a node that is not alive holds nothing). */
  locate(identity: string): Promise<Location | undefined> {
    return this.#presence.locate(identity);
  }

  /** The live nodes: node id → incarnation. */
  nodes(): Promise<Map<string, string>> {
    return this.#presence.nodes();
  }

  /** Every charge point connected to a live node, by identity (a SCAN: for administration, not per call). */
  list(): Promise<Map<string, Location>> {
    return this.#presence.list();
  }

  /** Remote calls of this node in flight or waiting for a slot. */
  get pendingCalls(): number {
    return this.#calls.pending;
  }

  // ------------------------------------------------------------------------------------------------ calls

  /**
   * `call()` for a charge point that must speak `protocol` (else `ProtocolMismatchError`, nothing sent): the
   * `RemoteCaller` side of `server.version(protocol).call()`. Applications use `cluster.version(protocol).call()`.
   */
  readonly callAs: RemoteCaller['callAs'] = (protocol, identity, first, second, third) =>
    (this.version(protocol as ProtocolOf<P>) as unknown as Pick<RemoteCaller, 'call'>).call(
      identity,
      first,
      second,
      third,
    );

  /** Where every form of `call()` ends: the local charge point when this node holds it, else Redis. */
  readonly #dispatch: CallDispatch = (identity, protocol, action, payload, options) => {
    if (!this.#started || this.#ctx.closing) return Promise.reject(new ClusterClosedError(identity, action));
    const local = this.#presence.local(identity);
    if (local !== undefined) {
      if (protocol !== undefined && local.protocol !== protocol) {
        return Promise.reject(new ProtocolMismatchError(identity, action, protocol, local.protocol));
      }
      return local.call(action, payload, options);
    }
    return this.#calls.call(identity, protocol, action, payload, options ?? {});
  };

  // ------------------------------------------------------------------------------------------------ messages

  #nodeLost(nodeId: string, incarnation: string, reason: 'left' | 'expired'): void {
    const any = this.#calls.failNode(nodeId, incarnation);
    if (any || reason === 'left') {
      this.#ctx.log.warn({ lost: nodeId, reason }, 'node lost');
      if (this.#notify.listens('node:lost')) this.#notify.emit('node:lost', { nodeId, reason });
    }
  }

  readonly #onMessage = (channel: string, text: string): void => {
    const ctx = this.#ctx;
    try {
      if (channel === ctx.inbox) {
        const message = parseMessage<InboxMessage>(text);
        if (message === undefined) return;
        if (message.t === 'req') this.#responder.onRequest(message);
        else if (message.t === 'res') this.#calls.onReply(message);
        else if (message.t === 'cancel') this.#responder.onCancel(message);
        else if (message.t === 'claim') this.#presence.onClaim(message);
      } else if (channel === ctx.eventsChannel) {
        const event = parseMessage<EventMessage>(text);
        if (event === undefined) return;
        const notify = this.#notify;
        if (event.t === 'connect') {
          if (!notify.listens('connect')) return;
          notify.emit('connect', { identity: event.identity, protocol: event.protocol, nodeId: event.nodeId });
        } else if (event.t === 'disconnect') {
          if (!notify.listens('disconnect')) return;
          notify.emit('disconnect', { identity: event.identity, nodeId: event.nodeId, superseded: event.superseded });
        } else if (event.t === 'leave' && event.nodeId !== this.nodeId) {
          this.#nodeLost(event.nodeId, event.incarnation, 'left');
        }
      } else if (channel === ctx.messagesChannel) {
        // no listener: not even parsed
        if (this.#notify.listens('message')) this.#notify.emit('message', JSON.parse(text) as FrameMessage);
      }
    } catch (error) {
      ctx.log.error({ err: errorMessage(error), channel }, 'cluster message failed');
    }
  };
}
