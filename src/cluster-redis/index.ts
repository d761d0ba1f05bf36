/**
 * `ocppkit/cluster-redis`: run several `OcppServer` nodes as one CSMS, on Redis (ioredis, an optional peer
 * dependency). Each charge point's socket lives on one node; any node can call any charge point, find where it is
 * connected, and hear every connect and disconnect. See docs/scaling.md.
 *
 * ```ts
 * const server = new OcppServer({ protocols: { 'ocpp1.6': MyChargePoint } });
 * const cluster = new RedisCluster(server, { redis: process.env.REDIS_URL });
 * await cluster.start();
 * await server.listen(9000);
 * const { status } = await cluster.version('ocpp1.6').call('CP-1', 'Reset', { type: 'Soft' });
 * ```
 */

export type {
  AnyCallMap,
  CallMapOf,
  ClusterAction,
  ProtocolOf,
  RequestOf,
  ResponseOf,
  VersionCaller,
} from '../call-types.ts';
export {
  type ClusterEvents,
  type Location,
  RedisCluster,
  type RedisClusterOptions,
} from './cluster.ts';
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
export type { FrameMessage } from './wire.ts';
