/**
 * The Redis adapter in one process, against a real redis-server the test starts: cluster-wide events and frames
 * (`cluster.events`, and the deprecated `EventEmitter` form), the server's remote caller plugged and unplugged,
 * lookups, back-pressure on both sides, aborts, a node leaving with calls in flight, Redis unreachable, duplicate
 * requests (as a reconnect sends them), and presence written again after Redis loses everything.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ChargePointNotConnectedError,
  ClusterBusyError,
  ClusterClosedError,
  type ClusterConnectEvent,
  type ClusterDisconnectEvent,
  type ClusterMessageEvent,
  ClusterTimeoutError,
  RedisCluster,
} from '../../src/cluster-redis/index.ts';
import { CallAbortedError } from '../../src/errors.ts';
import { OcppServer } from '../../src/server.ts';
import { dataTransfer, protocols, SimChargePoint, sleep, startNode, type TestNode, until } from './fixtures.ts';
import { checkCiRedis, freePort, RedisProcess, redisAvailable } from './redis.ts';

const enabled = redisAvailable('cluster adapter test');

describe.skipIf(!enabled)('RedisCluster in one process', () => {
  let redis: RedisProcess;
  let a: TestNode;
  let b: TestNode;
  const sims: SimChargePoint[] = [];
  const open = async (node: TestNode, identity: string, protocol: 'ocpp1.6' | 'ocpp2.0.1' | 'ocpp2.1' = 'ocpp1.6') => {
    const sim = await SimChargePoint.open(node.url, identity, protocol, `${identity}@${node.cluster.nodeId}`, 600);
    sims.push(sim);
    await until(async () => (await a.cluster.locate(identity))?.nodeId === node.cluster.nodeId, `${identity} located`);
    return sim;
  };

  beforeAll(async () => {
    await checkCiRedis();
    redis = await RedisProcess.start();
    a = await startNode(redis.url, 'a', { shareMessages: true });
    b = await startNode(redis.url, 'b', { shareMessages: true, maxIncoming: 3 });
  }, 20_000);

  afterAll(async () => {
    for (const sim of sims) sim.close();
    await a?.close();
    await b?.close();
    await redis?.kill();
  });

  it('shares connect, disconnect and frames across nodes; locate, list and nodes agree', async () => {
    const seen: string[] = [];
    const frames: string[] = [];
    const onConnect = (e: ClusterConnectEvent) => seen.push(`connect ${e.identity} ${e.nodeId} ${e.protocol}`);
    const onDisconnect = (e: ClusterDisconnectEvent) =>
      seen.push(`disconnect ${e.identity} ${e.nodeId} ${e.superseded}`);
    const onMessage = (e: ClusterMessageEvent) =>
      frames.push(`${e.nodeId} ${e.identity} ${e.direction} ${e.data.slice(0, 2)}`);
    a.cluster.events.on('connect', onConnect).on('disconnect', onDisconnect).on('message', onMessage);
    const sim = await open(b, 'ev-1', 'ocpp2.0.1');
    expect(await a.cluster.locate('ev-1')).toEqual({
      identity: 'ev-1',
      nodeId: 'b',
      protocol: 'ocpp2.0.1',
      local: false,
    });
    expect(await b.cluster.locate('ev-1')).toMatchObject({ local: true });
    expect([...(await a.cluster.nodes()).keys()].sort()).toEqual(['a', 'b']);
    expect((await a.cluster.list()).get('ev-1')?.nodeId).toBe('b');
    await a.cluster.call('ev-1', 'DataTransfer', dataTransfer('hello'));
    sim.close();
    await until(() => seen.includes('disconnect ev-1 b false'), 'disconnect seen on a');
    expect(seen).toContain('connect ev-1 b ocpp2.0.1');
    expect(frames).toEqual(['b ev-1 out [2', 'b ev-1 in [3']);
    expect(await a.cluster.locate('ev-1')).toBeUndefined();
    a.cluster.events.off('connect', onConnect).off('disconnect', onDisconnect).off('message', onMessage);
  });

  it('emits the deprecated EventEmitter tuples only to their listeners; a throwing listener is ignored', async () => {
    const emit = vi.spyOn(a.cluster, 'emit');
    const objects: ClusterConnectEvent[] = [];
    const onObject = (e: ClusterConnectEvent) => objects.push(e);
    const buggy = () => {
      throw new Error('listener bug');
    };
    a.cluster.events.on('connect', buggy).on('connect', onObject);
    await open(b, 'old-0');
    await until(() => objects.some((e) => e.identity === 'old-0'), 'connect object');
    // nobody listens to the deprecated form: it is not emitted
    expect(emit).not.toHaveBeenCalled();

    const tuples: unknown[][] = [];
    const onTuple = (...args: unknown[]) => tuples.push(args);
    a.cluster.on('connect', onTuple);
    a.cluster.once('disconnect', onTuple);
    const sim = await open(b, 'old-1', 'ocpp2.1');
    sim.close();
    await until(() => tuples.length >= 2, 'tuples seen');
    expect(tuples).toEqual([
      [{ identity: 'old-1', protocol: 'ocpp2.1', nodeId: 'b' }],
      [{ identity: 'old-1', nodeId: 'b', superseded: false }],
    ]);
    // one object per event, the same in both forms
    expect(tuples[0]?.[0]).toBe(objects.find((e) => e.identity === 'old-1'));
    expect(a.cluster.listenerCount('disconnect')).toBe(0);
    a.cluster.off('connect', onTuple);
    a.cluster.events.off('connect', buggy).off('connect', onObject);
    emit.mockRestore();
  });

  it('plugs itself into the server with useRemoteCaller and server.events, and unplugs on close', async () => {
    const server = new OcppServer({ protocols, pingInterval: 0 });
    const cluster = new RedisCluster(server, { redis: redis.url, nodeId: 'plug', prefix: 'test' });
    expect(server.events.has('connect')).toBe(false);
    await cluster.start();
    expect(server.remoteCaller).toBe(cluster);
    expect(server.events.has('connect') && server.events.has('disconnect')).toBe(true);
    await cluster.close();
    expect(server.remoteCaller).toBeUndefined();
    expect(server.events.has('connect') || server.events.has('disconnect')).toBe(false);

    // another caller installed since: closing leaves it in place
    const second = new RedisCluster(server, { redis: redis.url, nodeId: 'plug-2', prefix: 'test' });
    await second.start();
    const other = { call: async () => 'other', callAs: async () => 'other' };
    server.useRemoteCaller(other);
    await second.close();
    expect(server.remoteCaller).toBe(other);
    await server.close();
  });

  it('server.call() on one node reaches a charge point connected to another, typed per version', async () => {
    await open(b, 'sc-1', 'ocpp2.0.1');
    expect(a.server.remoteCaller).toBe(a.cluster);
    await expect(a.server.call('sc-1', 'DataTransfer', dataTransfer('via server'))).resolves.toMatchObject({
      status: expect.any(String),
    });
    await expect(a.server.version('ocpp1.6').call('sc-1', 'Reset', { type: 'Soft' })).rejects.toMatchObject({
      name: 'ProtocolMismatchError',
      delivered: false,
    });
  });

  it('aborts a remote call and cancels it on the owner before it reaches the charge point', async () => {
    const sim = await open(b, 'ab-1');
    const slow = a.cluster.call('ab-1', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    const controller = new AbortController();
    const queued = a.cluster.call('ab-1', 'Reset', { type: 'Soft' }, { signal: controller.signal });
    await sleep(100);
    controller.abort(new Error('changed my mind'));
    await expect(queued).rejects.toBeInstanceOf(CallAbortedError);
    await expect(slow).resolves.toEqual({ status: 'Accepted' });
    await sleep(100);
    expect(sim.received.get('Reset')).toBeUndefined();
  });

  it('bounds in-flight calls on the caller and on the owner', async () => {
    await Promise.all(['bp-1', 'bp-2', 'bp-3', 'bp-4'].map((id) => open(b, id)));
    // the owner (maxIncoming 3) refuses a fourth concurrent call from another node
    const owner = await Promise.allSettled(
      ['bp-1', 'bp-2', 'bp-3', 'bp-4'].map((id) =>
        a.cluster.call(id, 'TriggerMessage', { requestedMessage: 'Heartbeat' }),
      ),
    );
    expect(owner.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = owner.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ClusterBusyError);
    expect(refused.reason).toMatchObject({ where: 'owner', delivered: false });

    // a caller with one slot and one place in the queue: the third call is refused at once
    const server = new OcppServer({ protocols, pingInterval: 0 });
    const small = new RedisCluster(server, {
      redis: redis.url,
      nodeId: 'small',
      prefix: 'test',
      maxInFlight: 1,
      maxQueued: 1,
      maxQueueWait: 300,
    });
    await small.start();
    try {
      const calls = ['bp-1', 'bp-2', 'bp-3'].map((id) =>
        small.call(id, 'TriggerMessage', { requestedMessage: 'Heartbeat' }),
      );
      const results = await Promise.allSettled(calls);
      expect(results[0]).toMatchObject({ status: 'fulfilled' });
      // the queued one waited 300 ms at most, the last found the queue full
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ClusterBusyError);
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ where: 'caller', delivered: false });
      expect(small.pendingCalls).toBe(0);
    } finally {
      await small.close();
      await server.close();
    }
  });

  it('a node that leaves answers its calls in flight first, then is gone', async () => {
    const c = await startNode(redis.url, 'c');
    await open(c, 'lv-1');
    const lost: string[] = [];
    a.cluster.events.on('node:lost', (e) => lost.push(`${e.nodeId} ${e.reason}`));
    const inFlight = a.cluster.call('lv-1', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    await sleep(100);
    await c.close();
    await expect(inFlight).resolves.toEqual({ status: 'Accepted' });
    await until(() => lost.includes('c left'), 'leave seen');
    await expect(a.cluster.call('lv-1', 'Reset', { type: 'Soft' })).rejects.toBeInstanceOf(
      ChargePointNotConnectedError,
    );
    expect((await a.cluster.nodes()).has('c')).toBe(false);
    await expect(c.cluster.call('lv-1', 'Reset', { type: 'Soft' })).rejects.toBeInstanceOf(ClusterClosedError);
  });

  it('runs a request sent twice only once, and sends its answer again', async () => {
    const sim = await open(b, 'dup-1');
    const raw = new Redis(redis.url);
    const listener = new Redis(redis.url);
    const replies: string[] = [];
    await listener.subscribe('test:inbox:fake');
    listener.on('message', (_channel, text) => replies.push(text));
    const [seconds] = await raw.time();
    const now = Number(seconds) * 1000;
    const request = {
      t: 'req',
      id: 'x.1',
      from: 'fake',
      identity: 'dup-1',
      action: 'DataTransfer',
      payload: dataTransfer('once'),
      timeout: 5000,
      sentAt: now,
      expires: now + 5000,
      deadline: now + 6000,
    };
    await raw.publish('test:inbox:b', JSON.stringify(request));
    await raw.publish('test:inbox:b', JSON.stringify({ ...request, resend: true }));
    await until(() => replies.length >= 1, 'first answer');
    await raw.publish('test:inbox:b', JSON.stringify({ ...request, resend: true }));
    await until(() => replies.length >= 2, 'answer sent again');
    expect(sim.received.get('DataTransfer')).toBe(1);
    expect(new Set(replies).size).toBe(1);
    expect(JSON.parse(replies[0] as string)).toMatchObject({ t: 'res', id: 'x.1', ok: true });
    raw.disconnect();
    listener.disconnect();
  });

  it('fails within its bound when Redis is unreachable, without sending', async () => {
    const server = new OcppServer({ protocols, pingInterval: 0 });
    const port = await freePort();
    const cluster = new RedisCluster(server, {
      redis: { port, host: '127.0.0.1', lazyConnect: true },
      nodeId: 'nowhere',
      commandTimeout: 300,
    });
    await expect(cluster.start()).rejects.toThrow(/Redis is not reachable/);
    await cluster.close();
    await server.close();

    // started, then Redis goes away: a remote call ends at its bound, not sent
    const d = await startNode(redis.url, 'd', { deliveryMargin: 200 });
    await open(b, 'gone-1');
    await redis.kill();
    const started = Date.now();
    const error = await d.cluster.call('gone-1', 'Reset', { type: 'Soft' }, { timeout: 300 }).catch((e) => e);
    expect(error).toBeInstanceOf(ClusterTimeoutError);
    expect(error).toMatchObject({ delivered: false });
    expect(Date.now() - started).toBeLessThan(1500);
    await redis.start();
    // every node writes its keys again: presence, liveness
    await until(async () => (await d.cluster.locate('gone-1'))?.nodeId === 'b', 'presence written again', 8000);
    await expect(d.cluster.call('gone-1', 'Reset', { type: 'Soft' })).resolves.toEqual({ status: 'Accepted' });
    await d.close();
  });
});
