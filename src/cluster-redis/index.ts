/**
 * `ocppkit/cluster-redis`: run several `OcppServer` nodes as one CSMS, on Redis (ioredis, an optional peer
 * dependency). Each charge point's socket lives on one node; any node can call any charge point, find where it is
 * connected, and hear every connect and disconnect (`cluster.events`). See docs/scaling.md.
 *
 * ```ts
 * const server = new OcppServer({ protocols: { 'ocpp1.6': MyChargePoint } });
 * const cluster = new RedisCluster(server, { redis: process.env.REDIS_URL });
 * await cluster.start();
 * await server.listen(9000);
 * const { status } = await cluster.version('ocpp1.6').call('CP-1', 'Reset', { type: 'Soft' });
 * cluster.events.on('disconnect', ({ identity, nodeId, superseded }) => console.log(identity, nodeId, superseded));
 * ```
 */

export type {
  AnyCallMap,
  CallMapOf,
  ChargePointCaller,
  ClusterAction,
  ProtocolOf,
  RequestOf,
  ResponseOf,
  ServerCaller,
  VersionCaller,
} from '../call-types.ts';
export { RedisCluster } from './cluster.ts';
export type { RedisClusterOptions } from './context.ts';
export {
  ChargePointNotConnectedError,
  ClusterBusyError,
  ClusterClosedError,
  ClusterError,
  ClusterTimeoutError,
  ProtocolMismatchError,
  RemoteCallFailedError,
  RemoteNodeLostError,
} from './errors.ts';
export type {
  ClusterConnectEvent,
  ClusterDisconnectEvent,
  ClusterEvents,
  ClusterMessageEvent,
  ClusterNodeLostEvent,
  RedisClusterEventMap,
} from './events.ts';
export type { Location } from './presence.ts';
export type { ClusterTracing, RemoteCallTrace } from './tracing.ts';
export type { FrameMessage } from './wire.ts';
