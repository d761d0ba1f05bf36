/**
 * Type tests of cluster calls and events, checked by `npm run typecheck` (never run): requests and responses typed
 * per version through `cluster.version()`, and against every version the server speaks through `cluster.call()`;
 * one object per event through `cluster.events`, and the deprecated tuples of `cluster.on()`.
 */
import { type ClusterNodeLostEvent, RedisCluster, type RedisClusterEventMap } from '../../src/cluster-redis/index.ts';
import type { RemoteCaller, ServerCaller } from '../../src/server.ts';
import { OcppServer } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';

const server = new OcppServer({ protocols: { 'ocpp1.6': v16.ChargePoint, 'ocpp2.0.1': v201.ChargePoint } });
const cluster = new RedisCluster(server, { redis: 'redis://127.0.0.1:6379' });

export async function typedCalls(): Promise<unknown[]> {
  const soft: v16.ResetResponse = await cluster.version('ocpp1.6').call('CP', 'Reset', { type: 'Soft' });
  // @ts-expect-error 2.0.1's reset type is not 1.6's
  await cluster.version('ocpp1.6').call('CP', 'Reset', { type: 'OnIdle' });
  // @ts-expect-error an action only a charge point sends
  await cluster.version('ocpp1.6').call('CP', 'BootNotification', {});
  // @ts-expect-error a version this server does not speak
  cluster.version('ocpp2.1');
  const message: v201.ResetResponse = await cluster
    .version('ocpp2.0.1')
    .call('CP', new v201.call.Reset({ type: 'Immediate' }), { timeout: 5000 });

  // any version: the request of either, the response of either
  const either = await cluster.call('CP', 'Reset', { type: 'OnIdle' });
  const status: string = either.status;
  // @ts-expect-error neither version's reset type
  await cluster.call('CP', 'Reset', { type: 'Nope' });
  // @ts-expect-error not an action the CSMS calls
  await cluster.call('CP', 'Heartbeat', {});
  return [soft, message, status];
}

export function typedEvents(): unknown[] {
  cluster.events.on('connect', ({ identity, protocol, nodeId }) => [identity, protocol satisfies string, nodeId]);
  cluster.events.on('disconnect', ({ superseded }) => superseded satisfies boolean);
  cluster.events.on('message', ({ direction }) => direction satisfies 'in' | 'out');
  const lost = (event: ClusterNodeLostEvent): 'left' | 'expired' => event.reason;
  cluster.events.on('node:lost', lost).off('node:lost', lost);
  // @ts-expect-error a disconnect carries no protocol
  cluster.events.on('disconnect', ({ protocol }) => protocol);
  // @ts-expect-error not a cluster event
  cluster.events.on('refused', () => {});
  // the deprecated form: one argument, the same object
  cluster.on('connect', (event) => event.identity);
  const map: RedisClusterEventMap['connect'] = { identity: 'CP', protocol: 'ocpp1.6', nodeId: 'a' };
  // the same overloads as the server's, and what server.useRemoteCaller takes
  const caller: ServerCaller<{ 'ocpp1.6': typeof v16.ChargePoint; 'ocpp2.0.1': typeof v201.ChargePoint }> = cluster;
  const remote: RemoteCaller = cluster;
  server.useRemoteCaller(cluster);
  return [map, caller, remote];
}
