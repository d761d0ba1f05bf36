/**
 * The console on a cluster node: it shows the charge points connected to the node it is attached to, and calls
 * them there; a charge point held by another node is not this console's (two nodes on a real redis-server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachConsole, type OcppConsole } from '../../src/console/index.ts';
import type { ConsoleUpdate } from '../../src/console/wire.ts';
import { SimChargePoint, startNode, type TestNode, until } from '../cluster/fixtures.ts';
import { checkCiRedis, RedisProcess, redisAvailable } from '../cluster/redis.ts';

const enabled = redisAvailable('console on a cluster node');

/** The snapshot a page gets when it opens the console's updates. */
async function snapshot(console_: OcppConsole): Promise<ConsoleUpdate> {
  const response = await fetch(new URL('api/events', console_.url));
  const reader = response.body!.getReader();
  let text = '';
  const deadline = Date.now() + 5000;
  while (!text.includes('\n\n') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  return JSON.parse(/^data: (.*)$/m.exec(text)![1]!) as ConsoleUpdate;
}

describe.skipIf(!enabled)('the console of a cluster node', () => {
  let redis: RedisProcess;
  let a: TestNode;
  let b: TestNode;
  let consoleA: OcppConsole;
  let consoleB: OcppConsole;
  let sim: SimChargePoint;

  beforeAll(async () => {
    await checkCiRedis();
    redis = await RedisProcess.start();
    a = await startNode(redis.url, 'console-a');
    b = await startNode(redis.url, 'console-b');
    consoleA = await attachConsole(a.server);
    consoleB = await attachConsole(b.server);
    sim = await SimChargePoint.open(b.url, 'CP-ON-B', 'ocpp1.6', 'b');
    await until(async () => (await a.cluster.locate('CP-ON-B'))?.nodeId === 'console-b', 'CP-ON-B located');
  }, 20_000);

  afterAll(async () => {
    sim?.close();
    await consoleA?.close();
    await consoleB?.close();
    await a?.close();
    await b?.close();
    await redis?.kill();
  });

  it('lists the charge points of its own node only', async () => {
    expect((await snapshot(consoleB)).chargePoints.map((row) => row.identity)).toEqual(['CP-ON-B']);
    expect((await snapshot(consoleA)).chargePoints).toEqual([]);
  });

  it('calls its own charge points; another node’s is reported as not connected here', async () => {
    const call = (console_: OcppConsole) =>
      fetch(new URL('api/call', console_.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identity: 'CP-ON-B', action: 'Reset', payload: { type: 'Soft' } }),
      });
    const onB = await call(consoleB);
    expect(await onB.json()).toMatchObject({ ok: true, result: { status: 'Accepted' } });
    const onA = await call(consoleA);
    expect(onA.status).toBe(404);
    expect(await onA.json()).toMatchObject({ ok: false, refused: true, error: 'NotConnected' });
    expect(sim.received.get('Reset')).toBe(1);
  });
});
