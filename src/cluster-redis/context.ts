/**
 * What the parts of one cluster node share: its options, its Redis command connection, the names of its keys and
 * channels, Redis time, and whether it is recovering from a reconnect or closing. The parts (presence, remote
 * calls, responder) import this module and never `cluster.ts`, which wires them.
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
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { CallOptions } from '../call-args.ts';
import type { Logger } from '../logger.ts';
import type { Subprotocol } from '../protocol.ts';
import { identityKey } from '../server/identity.ts';
import type { ServedChargePoint } from '../server.ts';
import { errorMessage, withDeadline } from '../util.ts';
import type { ClusterTracing } from './tracing.ts';

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
  /** Where the adapter logs, `nodeId` on every record (the logger's `child()` when it has one). Default: silent. */
  logger?: Logger;
  /**
   * Carries each call's trace to the node that holds the charge point: `openTelemetry()` of
   * `ocppkit/observability`. Default: none.
   */
  tracing?: ClusterTracing;
}

/** The options that tune a running node, defaults filled in. */
export type Settings = Required<Omit<RedisClusterOptions, 'redis' | 'nodeId' | 'prefix' | 'logger' | 'tracing'>>;

/** `options` with the defaults filled in; throws `RangeError` when the heartbeat cannot keep the liveness key. */
export function settingsOf(options: RedisClusterOptions): Settings {
  const nodeTtl = options.nodeTtl ?? 3000;
  const presenceTtl = options.presenceTtl ?? 60_000;
  const settings: Settings = {
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
  if (settings.heartbeatInterval >= nodeTtl) throw new RangeError('heartbeatInterval must be shorter than nodeTtl');
  return settings;
}

/**
 * The command connection `given`: the application's own client (`owned: false`, never quit), or a new one from a
 * URL or ioredis options, connected by `start()`.
 */
export function commandConnection(given: RedisClusterOptions['redis']): { redis: Redis; owned: boolean } {
  if (given instanceof Redis) return { redis: given, owned: false };
  // replies as strings (the default mapping): what the scripts' results are read as
  const base: Omit<RedisOptions, 'replyMapping'> = { enableAutoPipelining: true, lazyConnect: true };
  if (typeof given === 'string') return { redis: new Redis(given, base), owned: true };
  const { replyMapping: _ignored, ...rest } = given;
  return { redis: new Redis({ ...base, ...rest }), owned: true };
}

/** What the adapter uses of a connected ChargePoint: every version's class fits. */
export interface LocalChargePoint extends ServedChargePoint {
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

/** What the adapter uses of the `OcppServer`: its connected charge points. */
export interface LocalServer {
  get(identity: string): ServedChargePoint | undefined;
  [Symbol.iterator](): Iterator<ServedChargePoint>;
}

/** For `withDeadline`: the rejection of a Redis operation that took longer than `ms`. */
export function noAnswer(what: string, ms: number): () => never {
  return () => {
    throw new Error(`Redis: ${what} got no answer within ${ms} ms`);
  };
}

/** One node's identity, settings, Redis connection, key names and clock, as its parts share them. */
export class NodeContext {
  /** Prefix of the liveness keys (`<prefix>:node:`), followed by a node id. */
  readonly nodePrefix: string;
  /** Prefix of the inbox channels (`<prefix>:inbox:`), followed by a node id. */
  readonly inboxPrefix: string;
  /** This node's inbox channel. */
  readonly inbox: string;
  /** The channel of connect, disconnect and leave events. */
  readonly eventsChannel: string;
  /** The channel of shared frames. */
  readonly messagesChannel: string;
  /** Redis time minus local time, in ms. */
  offset = 0;
  /** Local time of the last reconnect to Redis (0: none since start). */
  recoveredAt = 0;
  /** Set when `close()` begins. */
  closing = false;
  /** The `tracing` option. */
  tracing: ClusterTracing | undefined = undefined;
  readonly #timers: NodeJS.Timeout[] = [];

  /** The context of node `nodeId` (this `incarnation`), whose keys and channels start with `prefix`. */
  constructor(
    /** The command connection. */
    readonly redis: Redis,
    /** This node's id. */
    readonly nodeId: string,
    /** This process's incarnation of the node. */
    readonly incarnation: string,
    /** Prefix of every key and channel. */
    readonly prefix: string,
    /** The options, defaults filled in. */
    readonly settings: Settings,
    /** Where the node logs. */
    readonly log: Logger,
  ) {
    this.nodePrefix = `${prefix}:node:`;
    this.inboxPrefix = `${prefix}:inbox:`;
    this.inbox = this.inboxOf(nodeId);
    this.eventsChannel = `${prefix}:events`;
    this.messagesChannel = `${prefix}:messages`;
  }

  /** The presence key of a charge point: by `identityKey`, as the server's default registry keys it. */
  presenceKey(identity: string): string {
    return `${this.prefix}:presence:${identityKey(identity)}`;
  }

  /** The liveness key of a node. */
  nodeKey(nodeId: string): string {
    return `${this.nodePrefix}${nodeId}`;
  }

  /** The inbox channel of a node. */
  inboxOf(nodeId: string): string {
    return `${this.inboxPrefix}${nodeId}`;
  }

  /** Now, in Redis time (ms). */
  now(): number {
    return Date.now() + this.offset;
  }

  /** Whether a missing key may still be one that a node has not written again after a Redis restart. */
  recovering(): boolean {
    return this.recoveredAt !== 0 && Date.now() - this.recoveredAt < this.settings.recoveryWindow;
  }

  /**
   * Runs `task` every `ms` (bounded by `commandTimeout`; a failure is logged), skipping a turn while the previous
   * run is still going or the node is closing.
   */
  every(ms: number, task: () => Promise<unknown>): void {
    let running = false;
    const bound = this.settings.commandTimeout;
    const timer = setInterval(() => {
      if (running || this.closing) return;
      running = true;
      withDeadline(task(), bound, noAnswer('periodic task', bound))
        .catch((error: unknown) => this.log.warn({ err: errorMessage(error) }, 'cluster maintenance failed'))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  /** Stops every task of `every()`. */
  stopTimers(): void {
    for (const timer of this.#timers) clearInterval(timer);
  }

  /** Measures the offset of Redis time from local time. */
  async syncClock(): Promise<void> {
    const before = Date.now();
    const [seconds, micros] = await this.redis.time();
    const after = Date.now();
    this.offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - Math.round((before + after) / 2);
  }
}
