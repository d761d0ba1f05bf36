/**
 * The Redis adapter of `OcppServer`: presence (which node holds which charge point), calls to a charge point from
 * any node, and cluster-wide events. It composes on the server's public surface (its `connect`/`disconnect` events,
 * `get()`, iteration, and each ChargePoint's `call()`/`close()`); the server itself is unchanged.
 *
 * Keys and channels (prefix `ocppkit` by default):
 * - `<prefix>:node:<nodeId>` → the node's incarnation, with a TTL its heartbeat refreshes: the node is alive while
 *   it exists with that value;
 * - `<prefix>:presence:<identity>` → `<nodeId>\t<incarnation>\t<protocol>\t<connection>`, set on connect (the
 *   previous owner is told to close its stale connection), deleted on disconnect if still ours, refreshed and
 *   reconciled periodically, with a TTL as a backstop;
 * - `<prefix>:inbox:<nodeId>` (pub/sub): requests for the node's charge points, replies to its calls, cancels,
 *   claims;
 * - `<prefix>:events`, `<prefix>:messages` (pub/sub): connect/disconnect/leave events, and frames when shared.
 *
 * Why pub/sub and not Streams: a CALL must run at most once, and a stream's redelivery would replay a call whose
 * caller has given up. PUBLISH says how many subscribers got the message, so "not delivered" (0) is known and
 * retried; what a dropped connection could lose is sent again after the reconnect and de-duplicated by id on the
 * owning node, whose replies are kept for a while to be sent again. Deadlines are in Redis time, so no node's clock
 * needs to agree with another's.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { Redis, type RedisOptions } from 'ioredis';
import type {
  AnyCallMap,
  CallMapOf,
  ClusterAction,
  ProtocolOf,
  RequestOf,
  ResponseOf,
  VersionCaller,
} from '../call-types.ts';
import type { CallOptions } from '../endpoint.ts';
import { CallAbortedError } from '../errors.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { Call } from '../messages.ts';
import type { Subprotocol } from '../protocol.ts';
import type { OcppServer, ProtocolClasses, ServedChargePoint } from '../server.ts';
import {
  ChargePointNotConnectedError,
  ClusterBusyError,
  ClusterClosedError,
  ClusterTimeoutError,
  ProtocolMismatchError,
  RemoteNodeLostError,
} from './errors.ts';
import { CLAIM, LOCATE, REFRESH, RELEASE, ROUTE, runScript } from './scripts.ts';
import {
  type CancelMessage,
  type ClaimMessage,
  type EventMessage,
  type FrameMessage,
  formatPresence,
  fromWireError,
  type InboxMessage,
  type Presence,
  parseMessage,
  parsePresence,
  type ReplyMessage,
  type RequestMessage,
  toWireError,
  type WireError,
} from './wire.ts';

/** Options of `RedisCluster`. */
export interface RedisClusterOptions {
  /**
   * The Redis server: a URL (`redis://127.0.0.1:6379`), ioredis options, or an ioredis client (the adapter
   * duplicates it for its subscriber connection and never quits it).
   */
  redis: Redis | string | RedisOptions;
  /** This node's name, unique among the running nodes. Default: `<hostname>-<pid>`. */
  nodeId?: string;
  /** Prefix of every key and channel. Default `ocppkit`. Use a hash tag (`{ocppkit}`) on a Redis Cluster. */
  prefix?: string;
  /** How often this node refreshes its liveness key, in ms. Default 1000. */
  heartbeatInterval?: number;
  /** The liveness key's TTL: a node that stops refreshing it is dead after this long, in ms. Default 3000. */
  nodeTtl?: number;
  /** TTL of a presence key, in ms (a backstop: liveness decides). Default 60 s. */
  presenceTtl?: number;
  /** How often presence keys are refreshed and reconciled, in ms. Default a third of `presenceTtl`. */
  presenceRefreshInterval?: number;
  /** How often the owners of remote calls in flight are checked for liveness, in ms. Default 500. */
  livenessCheckInterval?: number;
  /** The charge point's call timeout for remote calls without one (a remote call always has one), in ms. Default 30 s. */
  callTimeout?: number;
  /** How long past the charge point's timeout the caller waits for the answer to travel back, in ms. Default 2000. */
  deliveryMargin?: number;
  /** Remote calls this node may have in flight; more wait for a slot. Default 1000. */
  maxInFlight?: number;
  /** Calls that may wait for a slot; more are refused with `ClusterBusyError`. Default 10 000. */
  maxQueued?: number;
  /** Longest wait for a slot, in ms (never beyond the call's own bound). Default 5000. */
  maxQueueWait?: number;
  /** Calls from other nodes this node runs at once; more are refused with `ClusterBusyError`. Default 5000. */
  maxIncoming?: number;
  /** How long a node keeps the answer of a remote call, to send it again after a reconnect, in ms. Default 10 s. */
  replayWindow?: number;
  /** Bound of each Redis operation outside a call (heartbeat, presence, lookups), in ms. Default 5000. */
  commandTimeout?: number;
  /**
   * After this node reconnects to Redis, how long a missing presence or liveness key is taken for one that the
   * other nodes have not written again yet (calls retry instead of failing), in ms. Default `max(nodeTtl, 2000)`.
   */
  recoveryWindow?: number;
  /**
   * Publish every frame of every local charge point on `<prefix>:messages`, and emit `message` for the frames of
   * every node that shares them. Default false.
   */
  shareMessages?: boolean;
  /** How long `close()` waits for calls in flight, in ms. Default 5000. */
  closeTimeout?: number;
  /** Where the adapter logs, through `child({ nodeId })` when the logger has it. Default: silent. */
  logger?: Logger;
}

/** Where a charge point is connected. */
export interface Location {
  /** The charge point's identity. */
  identity: string;
  /** The node that holds the connection. */
  nodeId: string;
  /** The version the charge point speaks. */
  protocol: Subprotocol;
  /** Whether this node holds the connection. */
  local: boolean;
}

/** The cluster-wide events of `RedisCluster` (`cluster.on('connect', …)`), as listener argument tuples. */
export interface ClusterEvents {
  /** A charge point connected to some node (this one included). */
  connect: [event: { identity: string; protocol: Subprotocol; nodeId: string }];
  /** A charge point's connection on some node closed; `superseded`: a newer connection holds the identity. */
  disconnect: [event: { identity: string; nodeId: string; superseded: boolean }];
  /** A frame of a charge point on some node (only with `shareMessages` on the node that holds it). */
  message: [event: FrameMessage];
  /** A node left (`close()`) or stopped refreshing its liveness key while this node waited for it. */
  'node:lost': [event: { nodeId: string; reason: 'left' | 'expired' }];
}

/** What the adapter uses of a connected ChargePoint: every version's class fits. */
interface LocalChargePoint extends ServedChargePoint {
  readonly protocol: Subprotocol;
  readonly closed?: boolean;
  /** Calls in flight or queued on this connection. */
  readonly pendingCalls?: number;
  readonly connection?: { terminate?(): void };
  readonly events?: {
    on(event: 'message:in' | 'message:out', listener: (event: { data: string }) => void): unknown;
  };
  call(action: string, payload?: object, options?: CallOptions): Promise<unknown>;
}

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
}

/** A call from another node, while it runs here. */
interface Incoming {
  /** Only for a call that waits behind another: one that is sent already cannot be taken back. */
  readonly controller: AbortController | undefined;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

const ROUTING = 0;
const SENT = 1;
const SETTLED = 2;
const EMPTY = Object.freeze({});
const REFRESH_CHUNK = 200;

/** Rejects when `promise` has not settled within `ms`. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis: ${what} got no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The cluster adapter: `new RedisCluster(server, { redis: 'redis://…' })`, then `await cluster.start()`.
 * `cluster.call(identity, action, payload)` reaches a charge point on any node; `cluster.version('ocpp1.6')` gives
 * the same typed for one version; `locate`, `list` and `nodes` read the presence; events are cluster-wide.
 */
export class RedisCluster<P extends ProtocolClasses = ProtocolClasses> extends EventEmitter<ClusterEvents> {
  /** The server whose connections this node shares. */
  readonly server: OcppServer<P>;
  /** This node's id (`options.nodeId`, or host name and process id). */
  readonly nodeId: string;
  /** Random per process: a node restarted under the same id is another incarnation. */
  readonly incarnation: string;
  /** The command connection (the application may use it too). */
  readonly redis: Redis;

  readonly #sub: Redis;
  readonly #ownsRedis: boolean;
  readonly #log: Logger;
  readonly #prefix: string;
  readonly #inbox: string;
  readonly #eventsChannel: string;
  readonly #messagesChannel: string;
  readonly #o: Required<Omit<RedisClusterOptions, 'redis' | 'nodeId' | 'prefix' | 'logger'>>;

  #started = false;
  #closing = false;
  #closed: Promise<void> | undefined;
  #seq = 0;
  #connections = 0;
  /** Redis time minus local time, in ms. */
  #offset = 0;
  /** Local time of the last reconnect to Redis (0: none since start). */
  #recoveredAt = 0;
  #recovery: Promise<void> | undefined;
  #lost = false;
  readonly #timers: NodeJS.Timeout[] = [];
  #livenessTimer: NodeJS.Timeout | undefined;
  #checking = false;

  readonly #presence = new WeakMap<ServedChargePoint, string>();
  /** Local connections that another node has claimed: never called locally again. */
  readonly #superseded = new WeakSet<ServedChargePoint>();
  readonly #outgoing = new Map<string, Outgoing>();
  #inFlight = 0;
  readonly #waiters: Waiter[] = [];
  readonly #incoming = new Map<string, Incoming>();
  /** Answers sent, by `<from>|<id>`, kept `replayWindow` ms (insertion order = expiry order). */
  readonly #replies = new Map<string, { text: string; from: string; expires: number }>();

  /** An adapter for `server`, not yet started: `await cluster.start()` joins the cluster. */
  constructor(server: OcppServer<P>, options: RedisClusterOptions) {
    super();
    this.server = server;
    const nodeId = options.nodeId ?? `${hostname()}-${process.pid}`;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters would break presence values
    if (nodeId === '' || /[\u0000-\u001f\u007f]/.test(nodeId)) throw new TypeError(`Invalid nodeId "${nodeId}"`);
    this.nodeId = nodeId;
    this.incarnation = randomBytes(6).toString('hex');
    this.#log = options.logger?.child?.({ nodeId }) ?? options.logger ?? silentLogger;
    this.#prefix = options.prefix ?? 'ocppkit';
    this.#inbox = `${this.#prefix}:inbox:${nodeId}`;
    this.#eventsChannel = `${this.#prefix}:events`;
    this.#messagesChannel = `${this.#prefix}:messages`;
    const nodeTtl = options.nodeTtl ?? 3000;
    const presenceTtl = options.presenceTtl ?? 60_000;
    this.#o = {
      heartbeatInterval: options.heartbeatInterval ?? 1000,
      nodeTtl,
      presenceTtl,
      presenceRefreshInterval: options.presenceRefreshInterval ?? Math.round(presenceTtl / 3),
      livenessCheckInterval: options.livenessCheckInterval ?? 500,
      callTimeout: options.callTimeout ?? 30_000,
      deliveryMargin: options.deliveryMargin ?? 2000,
      maxInFlight: options.maxInFlight ?? 1000,
      maxQueued: options.maxQueued ?? 10_000,
      maxQueueWait: options.maxQueueWait ?? 5000,
      maxIncoming: options.maxIncoming ?? 5000,
      replayWindow: options.replayWindow ?? 10_000,
      commandTimeout: options.commandTimeout ?? 5000,
      recoveryWindow: options.recoveryWindow ?? Math.max(nodeTtl, 2000),
      shareMessages: options.shareMessages ?? false,
      closeTimeout: options.closeTimeout ?? 5000,
    };
    if (this.#o.heartbeatInterval >= nodeTtl) throw new RangeError('heartbeatInterval must be shorter than nodeTtl');
    const given = options.redis;
    if (given instanceof Redis) {
      this.redis = given;
      this.#ownsRedis = false;
    } else {
      // replies as strings (the default mapping): what the scripts' results are read as
      const base: Omit<RedisOptions, 'replyMapping'> = { enableAutoPipelining: true, lazyConnect: true };
      if (typeof given === 'string') this.redis = new Redis(given, base);
      else {
        const { replyMapping: _ignored, ...rest } = given;
        this.redis = new Redis({ ...base, ...rest });
      }
      this.#ownsRedis = true;
    }
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
    if (this.#started) return;
    if (this.#closing) throw new Error('RedisCluster: closed');
    this.#started = true;
    const ms = this.#o.commandTimeout;
    const connect = (client: Redis) =>
      client.status === 'wait' || client.status === 'end'
        ? bounded(client.connect(), ms, 'connect')
        : Promise.resolve();
    try {
      await Promise.all([connect(this.redis), connect(this.#sub)]);
      await bounded(this.#subscribe(), ms, 'SUBSCRIBE');
      await bounded(this.#syncClock(), ms, 'TIME');
      await bounded(this.#heartbeat(), ms, 'heartbeat');
    } catch (error) {
      this.#started = false;
      // no reconnecting in the background: start() may be called again
      this.#sub.disconnect();
      if (this.#ownsRedis) this.redis.disconnect();
      throw new Error(`RedisCluster: Redis is not reachable: ${errorText(error)}`, { cause: error });
    }
    // server.call() now reaches charge points on every node through this adapter
    this.server.remote = this;
    this.server.on('connect', this.#onConnect);
    this.server.on('disconnect', this.#onDisconnect);
    const existing: Promise<void>[] = [];
    for (const chargePoint of this.server) existing.push(this.#claim(chargePoint as unknown as LocalChargePoint));
    await Promise.all(existing);
    this.#every(this.#o.heartbeatInterval, () => this.#heartbeat());
    this.#every(this.#o.presenceRefreshInterval, () => this.#refreshPresence());
    this.#every(1000, () => this.#sweepReplies());
    this.#log.info({ incarnation: this.incarnation }, 'cluster node started');
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
    this.#closing = true;
    if (this.server.remote === this) this.server.remote = undefined;
    this.server.off('connect', this.#onConnect);
    this.server.off('disconnect', this.#onDisconnect);
    for (const timer of this.#timers) clearInterval(timer);
    clearTimeout(this.#livenessTimer);
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.done) continue;
      waiter.done = true;
      clearTimeout(waiter.timer);
      waiter.reject(new Error('closed'));
    }
    if (this.#started) {
      const deadline = Date.now() + this.#o.closeTimeout;
      while ((this.#incoming.size > 0 || this.#outgoing.size > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const call of [...this.#outgoing.values()])
        this.#settle(call, new ClusterClosedError(call.identity, call.action));
      for (const incoming of this.#incoming.values()) incoming.controller?.abort(new Error('cluster node closing'));
      const ms = this.#o.commandTimeout;
      try {
        const releases: Promise<unknown>[] = [];
        for (const chargePoint of this.server) {
          const value = this.#presence.get(chargePoint);
          if (value !== undefined) {
            releases.push(runScript(this.redis, RELEASE, [this.#presenceKey(chargePoint.identity)], [value]));
          }
        }
        await bounded(Promise.all(releases), ms, 'release presence');
        await bounded(
          runScript(this.redis, RELEASE, [this.#nodeKey(this.nodeId)], [this.incarnation]),
          ms,
          'delete liveness key',
        );
        const leave: EventMessage = { t: 'leave', nodeId: this.nodeId, incarnation: this.incarnation };
        await bounded(this.redis.publish(this.#eventsChannel, JSON.stringify(leave)), ms, 'PUBLISH leave');
      } catch (error) {
        this.#log.warn({ err: errorText(error) }, 'leaving the cluster: Redis did not answer; keys will expire');
      }
    }
    for (const client of this.#ownsRedis ? [this.#sub, this.redis] : [this.#sub]) {
      try {
        await bounded(client.quit(), 1000, 'QUIT');
      } catch {
        client.disconnect();
      }
    }
    this.#log.info({}, 'cluster node closed');
  }

  #every(ms: number, task: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.#closing) return;
      running = true;
      bounded(task(), this.#o.commandTimeout, 'periodic task')
        .catch((error: unknown) => this.#log.warn({ err: errorText(error) }, 'cluster maintenance failed'))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  // ------------------------------------------------------------------------------------------------ keys

  #presenceKey(identity: string): string {
    return `${this.#prefix}:presence:${identity}`;
  }

  #nodeKey(nodeId: string): string {
    return `${this.#prefix}:node:${nodeId}`;
  }

  #inboxOf(nodeId: string): string {
    return `${this.#prefix}:inbox:${nodeId}`;
  }

  /** Now, in Redis time (ms). */
  #now(): number {
    return Date.now() + this.#offset;
  }

  /** Whether a missing key may still be one that a node has not written again after a Redis restart. */
  #recovering(): boolean {
    return this.#recoveredAt !== 0 && Date.now() - this.#recoveredAt < this.#o.recoveryWindow;
  }

  // ------------------------------------------------------------------------------------------------ Redis connection

  async #subscribe(): Promise<void> {
    const channels = [this.#inbox, this.#eventsChannel];
    if (this.#o.shareMessages) channels.push(this.#messagesChannel);
    await this.#sub.subscribe(...channels);
  }

  async #syncClock(): Promise<void> {
    const before = Date.now();
    const [seconds, micros] = await this.redis.time();
    const after = Date.now();
    this.#offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - Math.round((before + after) / 2);
  }

  async #heartbeat(): Promise<void> {
    const previous = await this.redis.set(this.#nodeKey(this.nodeId), this.incarnation, 'PX', this.#o.nodeTtl, 'GET');
    if (previous !== null && previous !== this.incarnation) {
      this.#log.error({ other: previous }, 'another running process uses this nodeId: node ids must be unique');
    }
  }

  readonly #onRedisError = (error: Error): void => {
    this.#log.debug({ err: error.message }, 'Redis connection error');
  };

  readonly #onRedisClose = (): void => {
    if (this.#started && !this.#closing && !this.#lost) {
      this.#lost = true;
      this.#log.warn({}, 'Redis connection lost; reconnecting');
    }
  };

  readonly #onRedisReady = (): void => {
    if (!this.#lost || this.#closing) return;
    this.#lost = false;
    this.#recoveredAt = Date.now();
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
    this.#log.info({}, 'Redis connection back: re-announcing this node');
    const ms = this.#o.commandTimeout;
    for (let attempt = 0; attempt < 3 && !this.#closing; attempt++) {
      try {
        await bounded(this.#subscribe(), ms, 'SUBSCRIBE');
        await bounded(this.#syncClock(), ms, 'TIME');
        await bounded(this.#heartbeat(), ms, 'heartbeat');
        await bounded(this.#refreshPresence(), ms, 'presence');
        break;
      } catch (error) {
        this.#log.warn({ err: errorText(error), attempt }, 'recovery step failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    this.#recoveredAt = Date.now();
    for (const call of this.#outgoing.values()) {
      if (call.state === SENT) this.#resend(call);
    }
  }

  // ------------------------------------------------------------------------------------------------ presence

  readonly #onConnect = (chargePoint: ServedChargePoint): void => {
    const local = chargePoint as LocalChargePoint;
    void this.#claim(local);
    if (this.#o.shareMessages && local.events) {
      const identity = local.identity;
      local.events.on('message:in', (e) => this.#shareFrame(identity, 'in', e.data));
      local.events.on('message:out', (e) => this.#shareFrame(identity, 'out', e.data));
    }
  };

  readonly #onDisconnect = (chargePoint: ServedChargePoint): void => {
    const value = this.#presence.get(chargePoint);
    if (value === undefined) return;
    const identity = chargePoint.identity;
    bounded(runScript(this.redis, RELEASE, [this.#presenceKey(identity)], [value]), this.#o.commandTimeout, 'release')
      .then((deleted) => {
        const event: EventMessage = { t: 'disconnect', identity, nodeId: this.nodeId, superseded: deleted !== 1 };
        return this.redis.publish(this.#eventsChannel, JSON.stringify(event));
      })
      .catch((error: unknown) => {
        // the key expires or is reconciled; routing checks liveness anyway
        this.#log.warn({ identity, err: errorText(error) }, 'could not release presence');
      });
  };

  async #claim(chargePoint: LocalChargePoint): Promise<void> {
    const identity = chargePoint.identity;
    let value = this.#presence.get(chargePoint);
    if (value === undefined) {
      const presence: Presence = {
        nodeId: this.nodeId,
        incarnation: this.incarnation,
        protocol: chargePoint.protocol,
        connection: (++this.#connections).toString(36),
      };
      value = formatPresence(presence);
      this.#presence.set(chargePoint, value);
    }
    try {
      await bounded(
        runScript(
          this.redis,
          CLAIM,
          [this.#presenceKey(identity)],
          [value, this.#o.presenceTtl, `${this.#prefix}:inbox:`, this.nodeId, identity],
        ),
        this.#o.commandTimeout,
        'claim',
      );
      const event: EventMessage = { t: 'connect', identity, protocol: chargePoint.protocol, nodeId: this.nodeId };
      await this.redis.publish(this.#eventsChannel, JSON.stringify(event));
    } catch (error) {
      // the next refresh writes it
      this.#log.warn({ identity, err: errorText(error) }, 'could not record presence');
    }
  }

  /** Writes every local presence key again (recreating lost ones) and closes local connections another node holds. */
  async #refreshPresence(): Promise<void> {
    const all: ServedChargePoint[] = [];
    for (const chargePoint of this.server) if (this.#presence.has(chargePoint)) all.push(chargePoint);
    for (let i = 0; i < all.length; i += REFRESH_CHUNK) {
      const chunk = all.slice(i, i + REFRESH_CHUNK);
      const keys = chunk.map((cp) => this.#presenceKey(cp.identity));
      const values = chunk.map((cp) => this.#presence.get(cp) as string);
      const superseded = (await runScript(this.redis, REFRESH, keys, [this.#o.presenceTtl, ...values])) as number[];
      for (const index of superseded) {
        const chargePoint = chunk[index - 1];
        if (chargePoint) this.#replaced(chargePoint as LocalChargePoint, 'reconciled');
      }
    }
  }

  /** Another node holds this identity now: this connection is stale. */
  #replaced(chargePoint: LocalChargePoint, how: string): void {
    if (this.#superseded.has(chargePoint)) return;
    this.#superseded.add(chargePoint);
    this.#log.info({ identity: chargePoint.identity, how }, 'the charge point connected to another node: closing');
    void chargePoint.close(1000, 'Replaced by a connection on another node');
    const timer = setTimeout(() => {
      if (!chargePoint.closed) chargePoint.connection?.terminate?.();
    }, this.#o.closeTimeout);
    timer.unref();
  }

  #onClaim(message: ClaimMessage): void {
    const chargePoint = this.server.get(message.identity) as LocalChargePoint | undefined;
    if (chargePoint && this.#presence.get(chargePoint) === message.previous) this.#replaced(chargePoint, message.by);
  }

  #shareFrame(identity: string, direction: 'in' | 'out', data: string): void {
    if (this.redis.status !== 'ready') return; // shed rather than queue frames while Redis is away
    const frame: FrameMessage = { identity, nodeId: this.nodeId, direction, data };
    this.redis.publish(this.#messagesChannel, JSON.stringify(frame)).catch(() => {});
  }

  // ------------------------------------------------------------------------------------------------ lookups

  /** Where `identity` is connected, if anywhere (a node that is not alive holds nothing). */
  async locate(identity: string): Promise<Location | undefined> {
    const result = (await bounded(
      runScript(this.redis, LOCATE, [this.#presenceKey(identity)], [`${this.#prefix}:node:`]),
      this.#o.commandTimeout,
      'locate',
    )) as [string, number] | [];
    if (result.length === 0 || result[1] !== 1) return undefined;
    const presence = parsePresence(result[0]);
    if (!presence) return undefined;
    return { identity, nodeId: presence.nodeId, protocol: presence.protocol, local: presence.nodeId === this.nodeId };
  }

  /** The live nodes: node id → incarnation. */
  async nodes(): Promise<Map<string, string>> {
    const keys = await this.#scan(`${this.#escape(this.#prefix)}:node:*`);
    const nodes = new Map<string, string>();
    if (keys.length === 0) return nodes;
    const values = await bounded(this.redis.mget(...keys), this.#o.commandTimeout, 'MGET');
    const start = `${this.#prefix}:node:`.length;
    keys.forEach((key, i) => {
      const value = values[i];
      if (typeof value === 'string') nodes.set(key.slice(start), value);
    });
    return nodes;
  }

  /** Every charge point connected to a live node, by identity (a SCAN: for administration, not per call). */
  async list(): Promise<Map<string, Location>> {
    const [nodes, keys] = await Promise.all([this.nodes(), this.#scan(`${this.#escape(this.#prefix)}:presence:*`)]);
    const located = new Map<string, Location>();
    const start = `${this.#prefix}:presence:`.length;
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const values = await bounded(this.redis.mget(...chunk), this.#o.commandTimeout, 'MGET');
      chunk.forEach((key, j) => {
        const value = values[j];
        const presence = typeof value === 'string' ? parsePresence(value) : undefined;
        if (!presence || nodes.get(presence.nodeId) !== presence.incarnation) return;
        const identity = key.slice(start);
        located.set(identity, {
          identity,
          nodeId: presence.nodeId,
          protocol: presence.protocol,
          local: presence.nodeId === this.nodeId,
        });
      });
    }
    return located;
  }

  async #scan(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await bounded(
        this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000),
        this.#o.commandTimeout,
        'SCAN',
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  #escape(pattern: string): string {
    return pattern.replace(/[*?[\]\\]/g, '\\$&');
  }

  /** Remote calls of this node in flight or waiting for a slot. */
  get pendingCalls(): number {
    return this.#outgoing.size + this.#waiters.length;
  }

  // ------------------------------------------------------------------------------------------------ calls

  /**
   * Calls the charge point with this identity on whichever node holds it: directly when it is connected here,
   * through Redis otherwise. The owning node runs it with the charge point's own `call()` (one call in flight per
   * charge point, its timeout). Resolves with the response; rejects with what a local call rejects with
   * (`CallError`, `CallTimeoutError`, `ConnectionClosedError`, `CallAbortedError`, `RequestValidationError`) or a
   * `ClusterError` (`ChargePointNotConnectedError`, `RemoteNodeLostError`, `ClusterTimeoutError`,
   * `ClusterBusyError`). Never waits longer than the timeout plus `deliveryMargin`.
   */
  call<A extends ClusterAction<P>>(
    identity: string,
    message: Call<A, RequestOf<AnyCallMap<P>, A> & object>,
    options?: CallOptions,
  ): Promise<ResponseOf<AnyCallMap<P>, A>>;
  call<A extends ClusterAction<P>>(
    identity: string,
    action: A,
    payload: RequestOf<AnyCallMap<P>, A>,
    options?: CallOptions,
  ): Promise<ResponseOf<AnyCallMap<P>, A>>;
  call(identity: string, first: string | Call, second?: unknown, third?: CallOptions): Promise<unknown> {
    return this.#call(identity, undefined, first, second, third);
  }

  /** `call()` for `server.call()` typed for one version (the server's `RemoteCaller`). */
  callAs(
    protocol: Subprotocol,
    identity: string,
    first: string | Call,
    second?: unknown,
    third?: CallOptions,
  ): Promise<unknown> {
    return this.#call(identity, protocol, first, second, third);
  }

  /** The same calls, typed for one version; a charge point of another version rejects with `ProtocolMismatchError`. */
  version<V extends ProtocolOf<P>>(protocol: V): VersionCaller<CallMapOf<P, V>> {
    return {
      call: (identity: string, first: string | Call, second?: unknown, third?: CallOptions) =>
        this.#call(identity, protocol, first, second, third),
    } as VersionCaller<CallMapOf<P, V>>;
  }

  #call(
    identity: string,
    protocol: Subprotocol | undefined,
    first: string | Call,
    second: unknown,
    third: CallOptions | undefined,
  ): Promise<unknown> {
    let action: string;
    let payload: object;
    let options: CallOptions | undefined;
    if (first instanceof Call) {
      action = first.action;
      payload = first.payload;
      options = second as CallOptions | undefined;
    } else {
      action = first;
      payload = (second ?? EMPTY) as object;
      options = third;
    }
    if (!this.#started || this.#closing) return Promise.reject(new ClusterClosedError(identity, action));
    const local = this.server.get(identity) as LocalChargePoint | undefined;
    if (local !== undefined && !local.closed && !this.#superseded.has(local)) {
      if (protocol !== undefined && local.protocol !== protocol) {
        return Promise.reject(new ProtocolMismatchError(identity, action, protocol, local.protocol));
      }
      return local.call(action, payload, options);
    }
    return this.#remote(identity, protocol, action, payload, options ?? {});
  }

  async #remote(
    identity: string,
    protocol: Subprotocol | undefined,
    action: string,
    payload: object,
    options: CallOptions,
  ): Promise<unknown> {
    const started = Date.now();
    const timeout = options.timeout !== undefined && options.timeout > 0 ? options.timeout : this.#o.callTimeout;
    const deadline = started + timeout + this.#o.deliveryMargin;
    if (options.signal?.aborted) throw new CallAbortedError(action, '', options.signal.reason);
    await this.#acquire(identity, action, deadline);
    const id = `${this.incarnation}.${(++this.#seq).toString(36)}`;
    const now = this.#now();
    const redisDeadline = now + (deadline - Date.now());
    const request: RequestMessage = {
      t: 'req',
      id,
      from: this.nodeId,
      identity,
      action,
      payload,
      timeout,
      expires: redisDeadline - this.#o.deliveryMargin,
      deadline: redisDeadline,
      sentAt: now,
    };
    if (protocol !== undefined) request.protocol = protocol;
    if (options.skipValidation) request.skipValidation = true;
    let text: string;
    try {
      text = JSON.stringify(request);
    } catch (error) {
      this.#releaseSlot();
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

  /** Waits for a slot among `maxInFlight` (bounded by `maxQueueWait` and the call's deadline). */
  #acquire(identity: string, action: string, deadline: number): Promise<void> | undefined {
    if (this.#inFlight < this.#o.maxInFlight && this.#waiters.length === 0) {
      this.#inFlight++;
      return undefined;
    }
    if (this.#waiters.length >= this.#o.maxQueued) {
      return Promise.reject(new ClusterBusyError(identity, action, 'caller', this.#o.maxInFlight));
    }
    const wait = Math.max(0, Math.min(this.#o.maxQueueWait, deadline - Date.now()));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        done: false,
        timer: setTimeout(() => {
          waiter.done = true;
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(new ClusterBusyError(identity, action, 'caller', this.#o.maxInFlight));
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
    const request = call.request;
    runScript(
      this.redis,
      ROUTE,
      [this.#presenceKey(call.identity)],
      [`${this.#prefix}:node:`, `${this.#prefix}:inbox:`, request.deadline, call.text],
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
          this.#watchLiveness();
          return;
        }
        if (status === 3) return this.#retryRoute(call, 50); // the owner is (re)subscribing
        if (status === 2) {
          this.#expire(call);
          return;
        }
        if (this.#recovering()) {
          this.#retryRoute(call, 100);
          return;
        }
        if (status === 1 && value) {
          // the owner is gone: its entry is stale
          runScript(this.redis, RELEASE, [this.#presenceKey(call.identity)], [value]).catch(() => {});
        }
        this.#settle(call, new ChargePointNotConnectedError(call.identity, call.action));
      },
      (error: unknown) => {
        if (call.state !== ROUTING) return;
        this.#log.debug({ err: errorText(error), identity: call.identity }, 'routing failed; retrying');
        this.#retryRoute(call, 100);
      },
    );
  }

  /** After a reconnect: the request again, to the same node (it drops a duplicate or sends its answer again). */
  #resend(call: Outgoing): void {
    const text = `${call.text.slice(0, -1)},"resend":true,"inc":${JSON.stringify(call.incarnation)}}`;
    this.redis.publish(this.#inboxOf(call.nodeId), text).then(
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
    const cancel: CancelMessage = { t: 'cancel', id, from: this.nodeId };
    this.redis.publish(this.#inboxOf(nodeId), JSON.stringify(cancel)).catch(() => {});
  }

  #onReply(reply: ReplyMessage): void {
    const call = this.#outgoing.get(reply.id);
    if (call === undefined) return;
    if (reply.ok) this.#settle(call, undefined, reply.result);
    else this.#settle(call, this.#errorOf(reply.error, call));
  }

  #errorOf(wire: WireError, call: Outgoing): Error {
    if (wire.k === 'expired')
      return new ClusterTimeoutError(call.identity, call.action, call.timeout, true, call.nodeId);
    if (wire.k === 'lost') return new RemoteNodeLostError(call.identity, call.action, call.nodeId);
    return fromWireError(wire, call.identity, call.action);
  }

  /** While calls are out, checks that their owners are alive; the calls of a node that is gone fail at once. */
  #watchLiveness(): void {
    if (this.#livenessTimer !== undefined) return;
    this.#livenessTimer = setTimeout(() => {
      this.#livenessTimer = undefined;
      void this.#checkLiveness().finally(() => {
        for (const call of this.#outgoing.values()) {
          if (call.state === SENT) {
            this.#watchLiveness();
            return;
          }
        }
      });
    }, this.#o.livenessCheckInterval);
    this.#livenessTimer.unref();
  }

  async #checkLiveness(): Promise<void> {
    if (this.#checking || this.#closing) return;
    this.#checking = true;
    try {
      const nodes = new Map<string, string>();
      for (const call of this.#outgoing.values()) if (call.state === SENT) nodes.set(call.nodeId, call.incarnation);
      if (nodes.size === 0) return;
      const ids = [...nodes.keys()];
      const values = await bounded(
        this.redis.mget(...ids.map((id) => this.#nodeKey(id))),
        this.#o.livenessCheckInterval * 4,
        'liveness',
      );
      ids.forEach((nodeId, i) => {
        const value = values[i];
        if (value === nodes.get(nodeId)) return;
        if ((value === null || value === undefined) && this.#recovering()) return;
        this.#nodeLost(nodeId, nodes.get(nodeId) as string, 'expired');
      });
    } catch (error) {
      this.#log.debug({ err: errorText(error) }, 'liveness check failed');
    } finally {
      this.#checking = false;
    }
  }

  #nodeLost(nodeId: string, incarnation: string, reason: 'left' | 'expired'): void {
    let any = false;
    for (const call of [...this.#outgoing.values()]) {
      if (call.state === SENT && call.nodeId === nodeId && call.incarnation === incarnation) {
        any = true;
        this.#settle(call, new RemoteNodeLostError(call.identity, call.action, nodeId));
      }
    }
    if (any || reason === 'left') {
      this.#log.warn({ lost: nodeId, reason }, 'node lost');
      this.#emitSafely('node:lost', { nodeId, reason });
    }
  }

  // ------------------------------------------------------------------------------------------------ serving calls

  #onRequest(request: RequestMessage): void {
    const key = `${request.from}|${request.id}`;
    if (this.#incoming.has(key)) return; // a duplicate of a call that runs
    const kept = this.#replies.get(key);
    if (kept !== undefined) {
      this.#sendReply(request.from, kept.text, request.deadline);
      return;
    }
    const reply = (error: WireError) => this.#reply(key, request, { t: 'res', id: request.id, ok: false, error });
    if (request.inc !== undefined && request.inc !== this.incarnation) {
      reply({ k: 'lost' });
      return;
    }
    const now = this.#now();
    if (request.resend && now - request.sentAt > this.#o.replayWindow) {
      // it may have run here and its answer is no longer kept
      reply({ k: 'failed', name: 'OutcomeUnknown', message: 'the answer was lost with a Redis connection' });
      return;
    }
    if (this.#closing) {
      reply({ k: 'lost' });
      return;
    }
    const remaining = request.expires - now;
    if (remaining <= 0) {
      reply({ k: 'expired' });
      return;
    }
    if (this.#incoming.size >= this.#o.maxIncoming) {
      reply({ k: 'busy', limit: this.#o.maxIncoming });
      return;
    }
    const chargePoint = this.server.get(request.identity) as LocalChargePoint | undefined;
    if (chargePoint === undefined || chargePoint.closed || this.#superseded.has(chargePoint)) {
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
      running = chargePoint.call(request.action, request.payload, options);
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

  #reply(key: string, request: RequestMessage, reply: ReplyMessage): void {
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (error) {
      const failed: ReplyMessage = {
        t: 'res',
        id: request.id,
        ok: false,
        error: { k: 'failed', name: 'TypeError', message: `answer cannot be serialised: ${errorText(error)}` },
      };
      text = JSON.stringify(failed);
    }
    this.#replies.set(key, { text, from: request.from, expires: Date.now() + this.#o.replayWindow });
    this.#sendReply(request.from, text, request.deadline);
  }

  /** Publishes an answer; while the caller's inbox has no subscriber (reconnecting), tries again until its deadline. */
  #sendReply(to: string, text: string, deadline: number): void {
    const again = () => {
      if (this.#now() + 100 < deadline && this.redis.status !== 'end')
        setTimeout(() => this.#sendReply(to, text, deadline), 100);
    };
    this.redis.publish(this.#inboxOf(to), text).then((receivers) => {
      if (receivers === 0) again();
    }, again);
  }

  #onCancel(cancel: CancelMessage): void {
    this.#incoming.get(`${cancel.from}|${cancel.id}`)?.controller?.abort(new Error('the caller gave up'));
  }

  #sweepReplies(): Promise<void> {
    const now = Date.now();
    for (const [key, kept] of this.#replies) {
      if (kept.expires > now) break;
      this.#replies.delete(key);
    }
    return Promise.resolve();
  }

  // ------------------------------------------------------------------------------------------------ messages

  readonly #onMessage = (channel: string, text: string): void => {
    try {
      if (channel === this.#inbox) {
        const message = parseMessage<InboxMessage>(text);
        if (message === undefined) return;
        switch (message.t) {
          case 'req':
            this.#onRequest(message);
            return;
          case 'res':
            this.#onReply(message);
            return;
          case 'cancel':
            this.#onCancel(message);
            return;
          case 'claim':
            this.#onClaim(message);
            return;
        }
      } else if (channel === this.#eventsChannel) {
        const event = parseMessage<EventMessage>(text);
        if (event === undefined) return;
        if (event.t === 'connect') {
          this.#emitSafely('connect', { identity: event.identity, protocol: event.protocol, nodeId: event.nodeId });
        } else if (event.t === 'disconnect') {
          this.#emitSafely('disconnect', {
            identity: event.identity,
            nodeId: event.nodeId,
            superseded: event.superseded,
          });
        } else if (event.t === 'leave' && event.nodeId !== this.nodeId) {
          this.#nodeLost(event.nodeId, event.incarnation, 'left');
        }
      } else if (channel === this.#messagesChannel) {
        const frame = JSON.parse(text) as FrameMessage;
        this.#emitSafely('message', frame);
      }
    } catch (error) {
      this.#log.error({ err: errorText(error), channel }, 'cluster message failed');
    }
  };

  #emitSafely<E extends keyof ClusterEvents>(event: E, ...args: ClusterEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: ClusterEvents[E]) => boolean)(event, ...args);
    } catch (error) {
      this.#log.error({ event, err: errorText(error) }, 'cluster event listener threw; ignored');
    }
  }
}
