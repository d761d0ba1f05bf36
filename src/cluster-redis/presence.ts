/**
 * Who is connected where. Each node keeps a liveness key (`<prefix>:node:<nodeId>` → its incarnation, with a TTL
 * its heartbeat refreshes) and a presence key per local charge point (`<prefix>:presence:<identity>` →
 * `<nodeId>\t<incarnation>\t<protocol>\t<connection>`, with a TTL as a backstop). A connection claims its key (the
 * previous owner is told to close its stale connection), releases it on disconnect if still its own, and the keys
 * are refreshed and reconciled periodically. Here too: the lookups (`locate`, `list`, `nodes`) and the watch on the
 * nodes that remote calls wait for.
 */
import type { Subprotocol } from '../protocol.ts';
import type { ServedChargePoint } from '../server.ts';
import { errorMessage, withDeadline } from '../util.ts';
import { type LocalChargePoint, type LocalServer, type NodeContext, noAnswer } from './context.ts';
import { CLAIM, LOCATE, REFRESH, RELEASE, runScript } from './scripts.ts';
import {
  type ClaimMessage,
  type EventMessage,
  formatPresence,
  type Presence as PresenceValue,
  parsePresence,
} from './wire.ts';

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

/** The nodes whose liveness matters, and what to do when one of them is gone. */
export interface AwaitedNodes {
  /** The nodes that hold calls of this node in flight: node id → incarnation. */
  awaited(): Map<string, string>;
  /** `nodeId` in that `incarnation` stopped refreshing its liveness key. */
  lost(nodeId: string, incarnation: string): void;
}

/** Presence keys refreshed per script run. */
const REFRESH_CHUNK = 200;

/** This node's presence in Redis, and what it reads of the other nodes'. */
export class Presence {
  readonly #ctx: NodeContext;
  readonly #server: LocalServer;
  readonly #awaited: AwaitedNodes;
  /** The presence value of each local connection, once claimed. */
  readonly #values = new WeakMap<ServedChargePoint, string>();
  /** Local connections that another node has claimed: never called locally again. */
  readonly #superseded = new WeakSet<ServedChargePoint>();
  #connections = 0;
  #livenessTimer: NodeJS.Timeout | undefined;
  #checking = false;

  /** The presence of the node of `ctx`, for the charge points of `server`; `awaited` says whom to watch. */
  constructor(ctx: NodeContext, server: LocalServer, awaited: AwaitedNodes) {
    this.#ctx = ctx;
    this.#server = server;
    this.#awaited = awaited;
  }

  /** Refreshes this node's liveness key (and reports another process that uses the same node id). */
  async heartbeat(): Promise<void> {
    const ctx = this.#ctx;
    const previous = await ctx.redis.set(ctx.nodeKey(ctx.nodeId), ctx.incarnation, 'PX', ctx.settings.nodeTtl, 'GET');
    if (previous !== null && previous !== ctx.incarnation) {
      ctx.log.error({ other: previous }, 'another running process uses this nodeId: node ids must be unique');
    }
  }

  /** Writes the presence key of a local connection (telling its previous owner) and announces it. Never rejects. */
  async claim(chargePoint: LocalChargePoint): Promise<void> {
    const ctx = this.#ctx;
    const identity = chargePoint.identity;
    let value = this.#values.get(chargePoint);
    if (value === undefined) {
      const presence: PresenceValue = {
        nodeId: ctx.nodeId,
        incarnation: ctx.incarnation,
        protocol: chargePoint.protocol,
        connection: (++this.#connections).toString(36),
      };
      value = formatPresence(presence);
      this.#values.set(chargePoint, value);
    }
    const ms = ctx.settings.commandTimeout;
    try {
      await withDeadline(
        runScript(
          ctx.redis,
          CLAIM,
          [ctx.presenceKey(identity)],
          [value, ctx.settings.presenceTtl, ctx.inboxPrefix, ctx.nodeId, identity],
        ),
        ms,
        noAnswer('claim', ms),
      );
      const event: EventMessage = { t: 'connect', identity, protocol: chargePoint.protocol, nodeId: ctx.nodeId };
      await ctx.redis.publish(ctx.eventsChannel, JSON.stringify(event));
    } catch (error) {
      // the next refresh writes it
      ctx.log.warn({ identity, err: errorMessage(error) }, 'could not record presence');
    }
  }

  /** Claims the presence of every charge point already connected (when the node starts). */
  async claimAll(): Promise<void> {
    const claims: Promise<void>[] = [];
    for (const chargePoint of this.#server) claims.push(this.claim(chargePoint as LocalChargePoint));
    await Promise.all(claims);
  }

  /** Deletes the presence key of a closed local connection if still its own, and announces the disconnect. */
  release(chargePoint: ServedChargePoint): void {
    const ctx = this.#ctx;
    const value = this.#values.get(chargePoint);
    if (value === undefined) return;
    const identity = chargePoint.identity;
    const ms = ctx.settings.commandTimeout;
    withDeadline(runScript(ctx.redis, RELEASE, [ctx.presenceKey(identity)], [value]), ms, noAnswer('release', ms))
      .then((deleted) => {
        const event: EventMessage = { t: 'disconnect', identity, nodeId: ctx.nodeId, superseded: deleted !== 1 };
        return ctx.redis.publish(ctx.eventsChannel, JSON.stringify(event));
      })
      .catch((error: unknown) => {
        // the key expires or is reconciled; routing checks liveness anyway
        ctx.log.warn({ identity, err: errorMessage(error) }, 'could not release presence');
      });
  }

  /** Deletes a presence key that names a node which is gone (`value`: what the key held). */
  forget(identity: string, value: string): void {
    runScript(this.#ctx.redis, RELEASE, [this.#ctx.presenceKey(identity)], [value]).catch(() => {});
  }

  /** Leaving: deletes the presence keys of the local connections and this node's liveness key, then says so. */
  async leave(): Promise<void> {
    const ctx = this.#ctx;
    const ms = ctx.settings.commandTimeout;
    const releases: Promise<unknown>[] = [];
    for (const chargePoint of this.#server) {
      const value = this.#values.get(chargePoint);
      if (value !== undefined) {
        releases.push(runScript(ctx.redis, RELEASE, [ctx.presenceKey(chargePoint.identity)], [value]));
      }
    }
    await withDeadline(Promise.all(releases), ms, noAnswer('release presence', ms));
    await withDeadline(
      runScript(ctx.redis, RELEASE, [ctx.nodeKey(ctx.nodeId)], [ctx.incarnation]),
      ms,
      noAnswer('delete liveness key', ms),
    );
    const leave: EventMessage = { t: 'leave', nodeId: ctx.nodeId, incarnation: ctx.incarnation };
    await withDeadline(ctx.redis.publish(ctx.eventsChannel, JSON.stringify(leave)), ms, noAnswer('PUBLISH leave', ms));
  }

  /** Writes every local presence key again (recreating lost ones) and closes local connections another node holds. */
  async refresh(): Promise<void> {
    const ctx = this.#ctx;
    const all: ServedChargePoint[] = [];
    for (const chargePoint of this.#server) if (this.#values.has(chargePoint)) all.push(chargePoint);
    for (let i = 0; i < all.length; i += REFRESH_CHUNK) {
      const chunk = all.slice(i, i + REFRESH_CHUNK);
      const keys = chunk.map((cp) => ctx.presenceKey(cp.identity));
      const values = chunk.map((cp) => this.#values.get(cp) as string);
      const superseded = (await runScript(ctx.redis, REFRESH, keys, [ctx.settings.presenceTtl, ...values])) as number[];
      for (const index of superseded) {
        const chargePoint = chunk[index - 1];
        if (chargePoint) this.#replaced(chargePoint as LocalChargePoint, 'reconciled');
      }
    }
  }

  /** Another node claimed an identity: closes the local connection it replaces, if that one is still here. */
  onClaim(message: ClaimMessage): void {
    const chargePoint = this.#server.get(message.identity) as LocalChargePoint | undefined;
    if (chargePoint && this.#values.get(chargePoint) === message.previous) this.#replaced(chargePoint, message.by);
  }

  /** The charge point with this identity if it is connected here, open, and not replaced by one on another node. */
  local(identity: string): LocalChargePoint | undefined {
    const chargePoint = this.#server.get(identity) as LocalChargePoint | undefined;
    if (chargePoint === undefined || chargePoint.closed || this.#superseded.has(chargePoint)) return undefined;
    return chargePoint;
  }

  /** Another node holds this identity now: this connection is stale. */
  #replaced(chargePoint: LocalChargePoint, how: string): void {
    if (this.#superseded.has(chargePoint)) return;
    this.#superseded.add(chargePoint);
    this.#ctx.log.info({ identity: chargePoint.identity, how }, 'the charge point connected to another node: closing');
    void chargePoint.close(1000, 'Replaced by a connection on another node');
    const timer = setTimeout(() => {
      if (!chargePoint.closed) chargePoint.connection?.terminate?.();
    }, this.#ctx.settings.closeTimeout);
    timer.unref();
  }

  // ------------------------------------------------------------------------------------------------ lookups

  /** Where `identity` is connected, if anywhere (a node that is not alive holds nothing). */
  async locate(identity: string): Promise<Location | undefined> {
    const ctx = this.#ctx;
    const ms = ctx.settings.commandTimeout;
    const result = (await withDeadline(
      runScript(ctx.redis, LOCATE, [ctx.presenceKey(identity)], [ctx.nodePrefix]),
      ms,
      noAnswer('locate', ms),
    )) as [string, number] | [];
    if (result.length === 0 || result[1] !== 1) return undefined;
    const presence = parsePresence(result[0]);
    if (!presence) return undefined;
    return { identity, nodeId: presence.nodeId, protocol: presence.protocol, local: presence.nodeId === ctx.nodeId };
  }

  /** The live nodes: node id → incarnation. */
  async nodes(): Promise<Map<string, string>> {
    const ctx = this.#ctx;
    const keys = await this.#scan(`${escapePattern(ctx.prefix)}:node:*`);
    const nodes = new Map<string, string>();
    if (keys.length === 0) return nodes;
    const ms = ctx.settings.commandTimeout;
    const values = await withDeadline(ctx.redis.mget(...keys), ms, noAnswer('MGET', ms));
    const start = ctx.nodePrefix.length;
    keys.forEach((key, i) => {
      const value = values[i];
      if (typeof value === 'string') nodes.set(key.slice(start), value);
    });
    return nodes;
  }

  /** Every charge point connected to a live node, by identity (a SCAN: for administration, not per call). */
  async list(): Promise<Map<string, Location>> {
    const ctx = this.#ctx;
    const [nodes, keys] = await Promise.all([this.nodes(), this.#scan(`${escapePattern(ctx.prefix)}:presence:*`)]);
    const located = new Map<string, Location>();
    const start = ctx.presenceKey('').length;
    const ms = ctx.settings.commandTimeout;
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const values = await withDeadline(ctx.redis.mget(...chunk), ms, noAnswer('MGET', ms));
      chunk.forEach((key, j) => {
        const value = values[j];
        const presence = typeof value === 'string' ? parsePresence(value) : undefined;
        if (!presence || nodes.get(presence.nodeId) !== presence.incarnation) return;
        const identity = key.slice(start);
        located.set(identity, {
          identity,
          nodeId: presence.nodeId,
          protocol: presence.protocol,
          local: presence.nodeId === ctx.nodeId,
        });
      });
    }
    return located;
  }

  async #scan(pattern: string): Promise<string[]> {
    const redis = this.#ctx.redis;
    const ms = this.#ctx.settings.commandTimeout;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await withDeadline(
        redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000),
        ms,
        noAnswer('SCAN', ms),
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  // ------------------------------------------------------------------------------------------------ node liveness

  /** While calls are out, checks that their owners are alive; a node that is gone is reported at once. */
  watch(): void {
    if (this.#livenessTimer !== undefined) return;
    this.#livenessTimer = setTimeout(() => {
      this.#livenessTimer = undefined;
      void this.#checkLiveness().finally(() => {
        if (this.#awaited.awaited().size > 0) this.watch();
      });
    }, this.#ctx.settings.livenessCheckInterval);
    this.#livenessTimer.unref();
  }

  /** Stops watching (closing). */
  unwatch(): void {
    clearTimeout(this.#livenessTimer);
  }

  async #checkLiveness(): Promise<void> {
    const ctx = this.#ctx;
    if (this.#checking || ctx.closing) return;
    this.#checking = true;
    try {
      const nodes = this.#awaited.awaited();
      if (nodes.size === 0) return;
      const ids = [...nodes.keys()];
      const ms = ctx.settings.livenessCheckInterval * 4;
      const values = await withDeadline(
        ctx.redis.mget(...ids.map((id) => ctx.nodeKey(id))),
        ms,
        noAnswer('liveness', ms),
      );
      ids.forEach((nodeId, i) => {
        const value = values[i];
        if (value === nodes.get(nodeId)) return;
        if ((value === null || value === undefined) && ctx.recovering()) return;
        this.#awaited.lost(nodeId, nodes.get(nodeId) as string);
      });
    } catch (error) {
      ctx.log.debug({ err: errorMessage(error) }, 'liveness check failed');
    } finally {
      this.#checking = false;
    }
  }
}

/** `pattern` with the glob characters of SCAN MATCH escaped. */
function escapePattern(pattern: string): string {
  return pattern.replace(/[*?[\]\\]/g, '\\$&');
}
