/**
 * One cluster node in its own process, for the multi-node test: an OcppServer for 1.6, 2.0.1 and 2.1 with the Redis
 * adapter, driven over IPC. Run by the test with `fork(…, { execArgv: ['--import', 'tsx'] })`.
 *
 * In:  { type: 'call', calls: CallOrder[] } · { type: 'list' } · { type: 'stats' } · { type: 'close' }
 * Out: { type: 'ready', port } · { type: 'result', ...Outcome } per call as it settles · { type: 'list', entries }
 *      · { type: 'stats', ... } · { type: 'closed' }
 */
import type { Subprotocol } from '../../src/protocol.ts';
import { startNode } from './fixtures.ts';

export interface CallOrder {
  ref: number;
  identity: string;
  action: string;
  payload: object;
  /** Call through the version view of this version. */
  version?: Subprotocol;
  timeout?: number;
}

export interface Outcome {
  ref: number;
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string; code?: string; details?: unknown; delivered?: boolean | null };
  ms: number;
}

export type NodeIn = { type: 'call'; calls: CallOrder[] } | { type: 'list' } | { type: 'stats' } | { type: 'close' };
export type NodeOut =
  | { type: 'ready'; port: number }
  | ({ type: 'result' } & Outcome)
  | { type: 'list'; entries: [string, string][] }
  | { type: 'stats'; size: number; connects: number; disconnects: number; pending: number }
  | { type: 'closed' };

const redisUrl = process.env.REDIS_URL as string;
const nodeId = process.env.NODE_ID as string;
const send = (message: NodeOut) => process.send?.(message);

const node = await startNode(redisUrl, nodeId);
let connects = 0;
let disconnects = 0;
node.cluster.events.on('connect', () => connects++).on('disconnect', () => disconnects++);

function run(order: CallOrder): void {
  const started = performance.now();
  const options = order.timeout === undefined ? {} : { timeout: order.timeout };
  const call = order.version
    ? (node.cluster.version(order.version) as { call(...args: unknown[]): Promise<unknown> }).call(
        order.identity,
        order.action,
        order.payload,
        options,
      )
    : (node.cluster as unknown as { call(...args: unknown[]): Promise<unknown> }).call(
        order.identity,
        order.action,
        order.payload,
        options,
      );
  call.then(
    (result) => send({ type: 'result', ref: order.ref, ok: true, result, ms: performance.now() - started }),
    (error: Error & { code?: string; details?: unknown; delivered?: boolean }) =>
      send({
        type: 'result',
        ref: order.ref,
        ok: false,
        error: {
          name: error.name,
          message: error.message,
          ...(error.code === undefined ? {} : { code: String(error.code) }),
          ...(error.details === undefined ? {} : { details: error.details }),
          ...('delivered' in error ? { delivered: error.delivered ?? null } : {}),
        },
        ms: performance.now() - started,
      }),
  );
}

process.on('message', (message: NodeIn) => {
  switch (message.type) {
    case 'call':
      for (const order of message.calls) run(order);
      break;
    case 'list':
      node.cluster.list().then(
        (entries) => send({ type: 'list', entries: [...entries].map(([identity, l]) => [identity, l.nodeId]) }),
        () => send({ type: 'list', entries: [] }),
      );
      break;
    case 'stats':
      send({ type: 'stats', size: node.server.size, connects, disconnects, pending: node.cluster.pendingCalls });
      break;
    case 'close':
      node.close().finally(() => {
        send({ type: 'closed' });
        process.exit(0);
      });
      break;
  }
});
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', port: Number(new URL(node.url).port) });
