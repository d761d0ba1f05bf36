/**
 * Fixtures of the cluster tests: the CSMS classes every node serves, a node (OcppServer + RedisCluster) with the
 * short timings the tests use, and simulated charge points over real sockets.
 *
 * A simulated charge point answers, in every version:
 * - `DataTransfer`: `Accepted`, with `data` = `<request data>|<connection tag>` (which call, which connection);
 * - `Reset`: `Accepted`;
 * - `ClearCache`: CALLERROR `NotSupported`, description `cache is read-only`, details `{ reason: 'test' }`;
 * - `TriggerMessage`: `Accepted` after `slowMs`;
 * - `GetLocalListVersion`: never (the caller's timeout).
 */
import { WebSocket } from 'ws';
import { RedisCluster, type RedisClusterOptions } from '../../src/cluster-redis/index.ts';
import { OcppServer } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';

export const PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const protocols = { 'ocpp1.6': v16.ChargePoint, 'ocpp2.0.1': v201.ChargePoint, 'ocpp2.1': v21.ChargePoint };

export type TestServer = OcppServer<typeof protocols>;
export type TestCluster = RedisCluster<typeof protocols>;

/** Timings short enough for tests: a dead node is noticed within ~1.5 s. */
export const TEST_TIMINGS = {
  heartbeatInterval: 250,
  nodeTtl: 1200,
  livenessCheckInterval: 150,
  presenceRefreshInterval: 1000,
  recoveryWindow: 2500,
  deliveryMargin: 1500,
  callTimeout: 5000,
  commandTimeout: 3000,
  closeTimeout: 2000,
} satisfies Partial<RedisClusterOptions>;

export interface TestNode {
  server: TestServer;
  cluster: TestCluster;
  url: string;
  close(): Promise<void>;
}

export async function startNode(
  redisUrl: string,
  nodeId: string,
  options: Partial<RedisClusterOptions> = {},
): Promise<TestNode> {
  const server = new OcppServer({ protocols, host: '127.0.0.1', pingInterval: 0, closeTimeout: 1000 });
  const cluster = new RedisCluster(server, {
    redis: { host: new URL(redisUrl).hostname, port: Number(new URL(redisUrl).port), enableAutoPipelining: true },
    nodeId,
    prefix: 'test',
    ...TEST_TIMINGS,
    ...options,
  });
  await cluster.start();
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    server,
    cluster,
    url: `ws://127.0.0.1:${port}`,
    async close() {
      await cluster.close();
      await server.close();
    },
  };
}

/** One simulated charge point connection. */
export class SimChargePoint {
  /** CALLs received, by action. */
  readonly received = new Map<string, number>();
  readonly closed: Promise<{ code: number; reason: string }>;
  closeCode: number | undefined;

  private constructor(
    readonly identity: string,
    readonly protocol: Protocol,
    readonly tag: string,
    readonly ws: WebSocket,
    readonly slowMs: number,
  ) {
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.closeCode = code;
        resolve({ code, reason: String(reason) });
      });
    });
    ws.on('error', () => {
      // surfaced through `closed`
    });
    ws.on('message', (data) => this.#onFrame(String(data)));
  }

  static open(url: string, identity: string, protocol: Protocol, tag: string, slowMs = 1500): Promise<SimChargePoint> {
    const ws = new WebSocket(`${url}/${encodeURIComponent(identity)}`, protocol);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${identity}: not open within 5 s`)), 5000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new SimChargePoint(identity, protocol, tag, ws, slowMs));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws.close(1000);
  }

  #onFrame(text: string): void {
    const frame = JSON.parse(text) as unknown[];
    if (frame[0] !== 2) return;
    const [, id, action, payload] = frame as [number, string, string, Record<string, unknown>];
    this.received.set(action, (this.received.get(action) ?? 0) + 1);
    const answer = (result: object) => {
      if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify([3, id, result]));
    };
    switch (action) {
      case 'DataTransfer':
        answer({ status: 'Accepted', data: `${String(payload.data)}|${this.tag}` });
        return;
      case 'Reset':
        answer({ status: 'Accepted' });
        return;
      case 'ClearCache':
        this.ws.send(JSON.stringify([4, id, 'NotSupported', 'cache is read-only', { reason: 'test' }]));
        return;
      case 'TriggerMessage':
        setTimeout(() => answer({ status: 'Accepted' }), this.slowMs);
        return;
      case 'GetLocalListVersion':
        return;
      default:
        this.ws.send(JSON.stringify([4, id, 'NotImplemented', '', {}]));
    }
  }
}

/** The DataTransfer request of each version (1.6: `data` is a string; 2.x: any JSON). */
export function dataTransfer(data: string): { vendorId: string; data: string } {
  return { vendorId: 'ocppkit.test', data };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds (bounded). */
export async function until(condition: () => boolean | Promise<boolean>, label: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition never held within ${ms} ms: ${label}`);
    await sleep(20);
  }
}
