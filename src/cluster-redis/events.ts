/**
 * The cluster-wide events of `RedisCluster`: `cluster.events.on('connect', ({ identity, protocol, nodeId }) => …)`,
 * one object per event, as the server's (`server.events`). Every node hears the events of every node, itself
 * included. Event objects are built only when somebody listens; a listener that throws is logged and never reaches
 * the cluster. The listener tuples of the deprecated `cluster.on(…)` form are here too.
 */
import type { EventEmitter } from 'node:events';
import { Emitter } from '../events.ts';
import type { Logger } from '../logger.ts';
import type { Subprotocol } from '../protocol.ts';
import { errorMessage } from '../util.ts';
import type { FrameMessage } from './wire.ts';

/** A charge point connected to some node of the cluster (this one included). */
export interface ClusterConnectEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** The subprotocol negotiated: the version it speaks. */
  readonly protocol: Subprotocol;
  /** The node that holds its connection. */
  readonly nodeId: string;
}

/** A charge point's connection closed on some node of the cluster (this one included). */
export interface ClusterDisconnectEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** The node that held the connection. */
  readonly nodeId: string;
  /**
   * `true` when a newer connection holds the identity (the charge point reconnected, possibly to another node):
   * it is not offline. `false` when it went away.
   */
  readonly superseded: boolean;
}

/** One frame of a charge point on some node: only frames of nodes started with `shareMessages: true`. */
export interface ClusterMessageEvent {
  /** The charge point's identity. */
  readonly identity: string;
  /** The node that holds its connection. */
  readonly nodeId: string;
  /** `in`: the charge point sent the frame; `out`: the CSMS did. */
  readonly direction: 'in' | 'out';
  /** The frame's text. */
  readonly data: string;
}

/** A node of the cluster is gone. */
export interface ClusterNodeLostEvent {
  /** The node that is gone. */
  readonly nodeId: string;
  /**
   * `left`: it closed its adapter (`cluster.close()`), every node hears it. `expired`: it stopped refreshing its
   * liveness key (a crash, or cut off from Redis) while this node waited for the answer of one of its calls; only
   * the nodes that waited for it hear it.
   */
  readonly reason: 'left' | 'expired';
}

/**
 * The events of `RedisCluster`, by name: `cluster.events.on(name, (event) => …)`. Cluster-wide: every node hears
 * every node, itself included. Event objects are built only when somebody listens; a listener that throws is logged
 * and never reaches the cluster, the server or the process.
 */
export interface RedisClusterEventMap {
  /** A charge point connected to some node: `{ identity, protocol, nodeId }`. */
  connect: ClusterConnectEvent;
  /** A charge point's connection closed on some node: `{ identity, nodeId, superseded }`. */
  disconnect: ClusterDisconnectEvent;
  /** A frame of a charge point on a node with `shareMessages: true`: `{ identity, nodeId, direction, data }`. */
  message: ClusterMessageEvent;
  /** A node left or died: `{ nodeId, reason }`. */
  'node:lost': ClusterNodeLostEvent;
}

/**
 * @deprecated The listener arguments of `cluster.on(…)`; use `cluster.events.on(…)` and `RedisClusterEventMap`,
 * one object per event (the same object these tuples carry).
 */
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

/** Reports a cluster node's events to both of its event APIs. */
export class ClusterNotifier {
  /** `cluster.events`. */
  readonly events: Emitter<RedisClusterEventMap>;
  readonly #legacy: EventEmitter<ClusterEvents>;
  readonly #log: Logger;

  /** `legacy`: the cluster itself, the emitter of the deprecated `cluster.on(…)` form. */
  constructor(legacy: EventEmitter<ClusterEvents>, log: Logger) {
    this.#legacy = legacy;
    this.#log = log;
    this.events = new Emitter((error, event) => this.#listenerThrew(event, error));
  }

  /** Whether anybody listens to `event`, in either form: check before building the event. */
  listens(event: keyof RedisClusterEventMap): boolean {
    return this.events.has(event) || this.#legacy.listenerCount(event) > 0;
  }

  /** Emits `event` to both forms: the object to `cluster.events`, then as the only argument to `cluster.on(…)`. */
  emit<E extends keyof RedisClusterEventMap>(event: E, payload: RedisClusterEventMap[E]): void {
    this.events.emit(event, payload);
    if (this.#legacy.listenerCount(event) === 0) return;
    try {
      (this.#legacy.emit as (event: E, payload: RedisClusterEventMap[E]) => boolean).call(this.#legacy, event, payload);
    } catch (error) {
      this.#listenerThrew(event, error);
    }
  }

  #listenerThrew(event: string, error: unknown): void {
    this.#log.error({ event, err: errorMessage(error) }, 'cluster event listener threw; ignored');
  }
}
