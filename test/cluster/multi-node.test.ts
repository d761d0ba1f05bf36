/**
 * Three OcppServer nodes in separate processes on one Redis (a dedicated redis-server the test starts, kills and
 * starts again), 90 charge points of all three versions spread across them. Calls from every node to charge
 * points on the others; a charge point moving between nodes; a node killed mid-call (and started again under the
 * same id); Redis restarted under load. Every call is accounted for: settled within its bound with the expected
 * outcome; none lost, none hung; the registry is right afterwards.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataTransfer, PROTOCOLS, type Protocol, SimChargePoint, sleep, TEST_TIMINGS, until } from './fixtures.ts';
import type { CallOrder, NodeIn, NodeOut, Outcome } from './node-process.ts';
import { checkCiRedis, RedisProcess, redisAvailable } from './redis.ts';

const NODE_SCRIPT = fileURLToPath(new URL('./node-process.ts', import.meta.url));
const CHARGE_POINTS = 90;
/** No call may take longer than its timeout plus the delivery margin (plus scheduling slack). */
const CALL_BOUND = TEST_TIMINGS.callTimeout + TEST_TIMINGS.deliveryMargin + 1000;

/** Calls that got no outcome within their bound. */
let hung = 0;

class NodeHandle {
  readonly #pending = new Map<number, (outcome: Outcome) => void>();
  readonly #waiters: { type: string; resolve: (message: NodeOut) => void }[] = [];
  readonly exited: Promise<void>;
  port = 0;

  constructor(
    readonly nodeId: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (message: NodeOut) => {
      if (message.type === 'result') {
        const resolve = this.#pending.get(message.ref);
        this.#pending.delete(message.ref);
        resolve?.(message);
        return;
      }
      const i = this.#waiters.findIndex((w) => w.type === message.type);
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(message);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(redisUrl: string, nodeId: string): Promise<NodeHandle> {
    const child = fork(NODE_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, REDIS_URL: redisUrl, NODE_ID: nodeId },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const node = new NodeHandle(nodeId, child);
    const ready = (await node.#next('ready', 20_000)) as Extract<NodeOut, { type: 'ready' }>;
    node.port = ready.port;
    return node;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  #next(type: string, ms = 10_000): Promise<NodeOut> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.nodeId}: no ${type} within ${ms} ms`)), ms);
      this.#waiters.push({
        type,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** Sends the calls; each promise settles with the call's outcome, or rejects if none came within its bound. */
  call(orders: CallOrder[]): Promise<Outcome>[] {
    const outcomes = orders.map(
      (order) =>
        new Promise<Outcome>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.#pending.delete(order.ref);
            hung++;
            reject(new Error(`call ${order.ref} (${order.action} to ${order.identity}) from ${this.nodeId} hung`));
          }, CALL_BOUND);
          this.#pending.set(order.ref, (outcome) => {
            clearTimeout(timer);
            resolve(outcome);
          });
        }),
    );
    this.child.send({ type: 'call', calls: orders } satisfies NodeIn);
    return outcomes;
  }

  async list(): Promise<Map<string, string>> {
    this.child.send({ type: 'list' } satisfies NodeIn);
    const message = (await this.#next('list')) as Extract<NodeOut, { type: 'list' }>;
    return new Map(message.entries);
  }

  async stats(): Promise<Extract<NodeOut, { type: 'stats' }>> {
    this.child.send({ type: 'stats' } satisfies NodeIn);
    return (await this.#next('stats')) as Extract<NodeOut, { type: 'stats' }>;
  }

  kill(): Promise<void> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ type: 'close' } satisfies NodeIn);
    await Promise.race([this.exited, sleep(5000)]);
    this.child.kill('SIGKILL');
  }
}

/** Every charge point: where it is connected now, and its connections (the current one last). */
interface Placement {
  identity: string;
  protocol: Protocol;
  node: string;
  connection: SimChargePoint;
  generation: number;
}

const enabled = redisAvailable('cluster multi-node test');

describe.skipIf(!enabled)('three nodes on one Redis', () => {
  let redis: RedisProcess;
  const nodes = new Map<string, NodeHandle>();
  const placements = new Map<string, Placement>();
  const stale: SimChargePoint[] = [];
  let ref = 0;
  const figures = {
    calls: 0,
    ok: 0,
    expectedErrors: 0,
    lost: 0,
    moves: 0,
    nodeKills: 0,
    redisRestarts: 0,
    killNoticedMs: 0,
    duringRestart: 0,
    slowestDuringRestartMs: 0,
  };
  let restarting = false;

  const node = (id: string) => nodes.get(id) as NodeHandle;
  const tagOf = (p: Placement) => `${p.identity}@${p.node}#${p.generation}`;

  async function connect(identity: string, protocol: Protocol, nodeId: string, generation: number): Promise<void> {
    const placement: Placement = {
      identity,
      protocol,
      node: nodeId,
      generation,
      connection: undefined as unknown as SimChargePoint,
    };
    placement.connection = await SimChargePoint.open(node(nodeId).url, identity, protocol, tagOf(placement));
    placements.set(identity, placement);
  }

  /** Waits until every node's view of the cluster equals the placements. */
  async function registryMatches(label: string): Promise<void> {
    const expected = new Map([...placements.values()].map((p) => [p.identity, p.node]));
    let last: Map<string, string> | undefined;
    await until(
      async () => {
        for (const handle of nodes.values()) {
          last = await handle.list();
          if (last.size !== expected.size) return false;
          for (const [identity, nodeId] of expected) if (last.get(identity) !== nodeId) return false;
        }
        return true;
      },
      `${label}: registry ${JSON.stringify([...(last ?? [])].slice(0, 5))}… (${last?.size}) vs ${expected.size}`,
      8000,
    );
    for (const handle of nodes.values()) {
      const stats = await handle.stats();
      const local = [...placements.values()].filter((p) => p.node === handle.nodeId).length;
      expect(stats.size, `${label}: ${handle.nodeId} holds its charge points and nothing stale`).toBe(local);
    }
  }

  /** DataTransfer from `from` to each target, each answered by the target's current connection. */
  async function dataTransfers(from: string, given: Placement[], label: string): Promise<void> {
    const targets = given.map((p) => placements.get(p.identity) as Placement);
    const orders = targets.map((p) => {
      const r = ++ref;
      return { ref: r, identity: p.identity, action: 'DataTransfer', payload: dataTransfer(`${label}:${r}`) };
    });
    const outcomes = await Promise.all(node(from).call(orders));
    figures.calls += orders.length;
    outcomes.forEach((outcome, i) => {
      const target = targets[i] as Placement;
      const expected = { status: 'Accepted', data: `${label}:${orders[i]?.ref}|${tagOf(target)}` };
      if (!outcome.ok || JSON.stringify(outcome.result) !== JSON.stringify(expected)) {
        figures.lost++;
        expect.fail(`${label}: ${from} → ${target.identity}: ${JSON.stringify(outcome)}`);
      }
      figures.ok++;
      if (restarting) {
        figures.duringRestart++;
        figures.slowestDuringRestartMs = Math.max(figures.slowestDuringRestartMs, outcome.ms);
      }
    });
  }

  beforeAll(async () => {
    await checkCiRedis();
    redis = await RedisProcess.start();
    const started = await Promise.all(['n0', 'n1', 'n2'].map((id) => NodeHandle.start(redis.url, id)));
    for (const handle of started) nodes.set(handle.nodeId, handle);
    await Promise.all(
      Array.from({ length: CHARGE_POINTS }, (_, i) =>
        connect(`cp-${i}`, PROTOCOLS[Math.floor(i / 3) % 3] as Protocol, `n${i % 3}`, 0),
      ),
    );
  }, 40_000);

  afterAll(async () => {
    for (const p of placements.values()) p.connection.close();
    for (const s of stale) s.close();
    await Promise.all([...nodes.values()].map((n) => n.close()));
    await redis?.kill();
    console.log(
      `cluster figures: nodes 3 (one killed and started again), charge points ${CHARGE_POINTS}, ` +
        `calls ${figures.calls} (${figures.ok} answered, ${figures.expectedErrors} expected errors), ` +
        `failures injected: ${figures.nodeKills} node kill, ${figures.redisRestarts} Redis restart, ` +
        `${figures.moves} charge point moves; calls lost: ${figures.lost + hung}; ` +
        `node death noticed by its callers after ${figures.killNoticedMs} ms; ` +
        `${figures.duringRestart} calls completed across the Redis restart (slowest ${Math.round(figures.slowestDuringRestartMs)} ms)`,
    );
  });

  it('registers every charge point with its node, seen the same from every node', async () => {
    await registryMatches('start');
  });

  it('calls from every node reach charge points on every node, in every version', async () => {
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        [...nodes.keys()].map((from) => dataTransfers(from, [...placements.values()], `r${round}-${from}`)),
      );
    }
    // typed per version: Reset through the version view, to every charge point on the other nodes
    for (const from of nodes.keys()) {
      const targets = [...placements.values()].filter((p) => p.node !== from);
      const orders: CallOrder[] = targets.map((p) => ({
        ref: ++ref,
        identity: p.identity,
        action: 'Reset',
        payload: p.protocol === 'ocpp1.6' ? { type: 'Soft' } : { type: 'OnIdle' },
        version: p.protocol,
      }));
      const outcomes = await Promise.all(node(from).call(orders));
      figures.calls += orders.length;
      for (const outcome of outcomes) expect(outcome).toMatchObject({ ok: true, result: { status: 'Accepted' } });
      figures.ok += outcomes.length;
    }
  });

  it('carries CALLERROR, timeouts, version mismatches and validation errors back typed', async () => {
    for (const from of nodes.keys()) {
      const remote = PROTOCOLS.map(
        (protocol) => [...placements.values()].find((p) => p.node !== from && p.protocol === protocol) as Placement,
      );
      const orders: CallOrder[] = remote.flatMap((p) => [
        { ref: ++ref, identity: p.identity, action: 'ClearCache', payload: {} },
        { ref: ++ref, identity: p.identity, action: 'GetLocalListVersion', payload: {}, timeout: 400 },
        {
          ref: ++ref,
          identity: p.identity,
          action: 'Reset',
          payload: { type: 'Soft' },
          version: p.protocol === 'ocpp2.1' ? 'ocpp1.6' : 'ocpp2.1',
        },
        { ref: ++ref, identity: p.identity, action: 'Reset', payload: { type: 'NoSuchType' } },
      ]);
      orders.push({ ref: ++ref, identity: 'nobody-here', action: 'Reset', payload: { type: 'Soft' } });
      const outcomes = await Promise.all(node(from).call(orders));
      figures.calls += orders.length;
      figures.expectedErrors += orders.length;
      for (let i = 0; i < remote.length; i++) {
        const [callError, timeout, mismatch, invalid] = outcomes.slice(i * 4, i * 4 + 4);
        expect(callError?.error).toMatchObject({
          name: 'CallError',
          code: 'NotSupported',
          details: { reason: 'test' },
        });
        expect(timeout?.error).toMatchObject({ name: 'CallTimeoutError' });
        expect(timeout?.ms).toBeLessThan(400 + TEST_TIMINGS.deliveryMargin);
        expect(mismatch?.error).toMatchObject({ name: 'ProtocolMismatchError', delivered: false });
        expect(invalid?.error).toMatchObject({ name: 'RequestValidationError' });
      }
      expect(outcomes.at(-1)?.error).toMatchObject({ name: 'ChargePointNotConnectedError', delivered: false });
    }
  });

  it('moves a charge point to another node: the stale connection is closed, calls follow it', async () => {
    const moving = [...placements.values()].filter((_, i) => i % 10 === 0); // 9, three from each node
    for (const p of moving) {
      const target = `n${(Number(p.node.slice(1)) + 1) % 3}`;
      const old = p.connection;
      stale.push(old);
      // the old socket stays open (a half-open connection the node has not noticed): the claim closes it
      await connect(p.identity, p.protocol, target, p.generation + 1);
      figures.moves++;
      await until(() => old.closeCode !== undefined, `${p.identity}: the old connection on ${p.node} is closed`);
      expect(old.closeCode).toBe(1000);
    }
    await registryMatches('after moves');
    for (const from of nodes.keys()) await dataTransfers(from, moving, `moved-${from}`);
  });

  it('a node killed mid-call: its callers get RemoteNodeLostError quickly; its charge points reconnect elsewhere', async () => {
    const doomed = 'n2';
    const victims = [...placements.values()].filter((p) => p.node === doomed);
    // slow calls (answered after 1.5 s) from both other nodes: one runs per charge point, the other waits its turn
    const slow = ['n0', 'n1'].flatMap((from) =>
      node(from).call(
        victims.map((p) => ({ ref: ++ref, identity: p.identity, action: 'TriggerMessage', payload: slowPayload() })),
      ),
    );
    // and ordinary traffic between the survivors meanwhile
    const survivors = [...placements.values()].filter((p) => p.node !== doomed);
    const traffic = Promise.all([dataTransfers('n0', survivors, 'kill-n0'), dataTransfers('n1', survivors, 'kill-n1')]);
    await sleep(300);
    const killedAt = performance.now();
    await node(doomed).kill();
    figures.nodeKills++;
    const outcomes = await Promise.all(slow);
    const noticedWithin = performance.now() - killedAt;
    figures.killNoticedMs = Math.round(noticedWithin);
    figures.calls += outcomes.length;
    figures.expectedErrors += outcomes.length;
    for (const outcome of outcomes) {
      expect(outcome.error, JSON.stringify(outcome)).toMatchObject({ name: 'RemoteNodeLostError' });
    }
    // noticed through the liveness key, long before the calls' own timeout
    expect(noticedWithin).toBeLessThan(TEST_TIMINGS.nodeTtl + 2500);
    await traffic;
    await Promise.all(victims.map((p) => until(() => p.connection.closeCode !== undefined, `${p.identity} dropped`)));

    // the charge points come back on the survivors; calls find them there
    await Promise.all(
      victims.map((p, i) => {
        stale.push(p.connection);
        return connect(p.identity, p.protocol, i % 2 === 0 ? 'n0' : 'n1', p.generation + 1);
      }),
    );
    nodes.delete(doomed);
    await registryMatches('after the kill');
    for (const from of nodes.keys()) await dataTransfers(from, victims, `back-${from}`);

    // the node starts again under the same id (a new incarnation) and takes a third of them back
    nodes.set(doomed, await NodeHandle.start(redis.url, doomed));
    const returning = victims.filter((_, i) => i % 3 === 0);
    for (const p of returning) {
      stale.push((placements.get(p.identity) as Placement).connection);
      await connect(p.identity, p.protocol, doomed, p.generation + 2);
      figures.moves++;
    }
    await registryMatches('after the restart of the node');
    for (const from of nodes.keys()) await dataTransfers(from, [...placements.values()], `rejoined-${from}`);
  });

  it('Redis restarted under load: every call completes, the registry is rebuilt', async () => {
    let stop = false;
    const all = () => [...placements.values()];
    const worker = async (from: string, w: number) => {
      let k = 0;
      while (!stop) {
        const targets = all().filter((p) => p.node !== from);
        const target = targets[(w * 7 + k++) % targets.length] as Placement;
        await dataTransfers(from, [target], `load-${from}-${w}`);
      }
    };
    const workers = [...nodes.keys()].flatMap((from) => Array.from({ length: 10 }, (_, w) => worker(from, w)));
    await sleep(800);
    const before = figures.calls;
    restarting = true;
    await redis.restart(300);
    figures.redisRestarts++;
    await sleep(2500);
    stop = true;
    await Promise.all(workers);
    restarting = false;
    expect(figures.calls - before).toBeGreaterThan(0);
    await registryMatches('after the Redis restart');
    for (const from of nodes.keys()) await dataTransfers(from, all(), `after-restart-${from}`);
    expect(figures.lost).toBe(0);
    expect(hung).toBe(0);
  }, 30_000);
});

function slowPayload(): object {
  return { requestedMessage: 'Heartbeat' };
}
