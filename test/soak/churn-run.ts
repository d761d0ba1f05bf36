/**
 * Churn: waves of real WebSocket connections to an OcppServer on 127.0.0.1 that boot, receive a CALL from the
 * server that they never answer, and then drop (half terminate the TCP connection, half close cleanly). Prints
 * one JSON line with what it measured; test/soak/churn.test.ts runs it in its own process with --expose-gc, so
 * that the heap and the handle count are this workload's alone.
 *
 * Environment: CHURN_WAVES (default 5), CHURN_CONNECTIONS per wave (default 800), CHURN_CONCURRENCY (handshakes
 * in progress at once, default 100).
 */
import { setImmediate as turn } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { ConnectionClosedError } from '../../src/errors.ts';
import { OcppServer } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';

const WAVES = Number(process.env.CHURN_WAVES ?? 5);
const PER_WAVE = Number(process.env.CHURN_CONNECTIONS ?? 800);
const CONCURRENCY = Number(process.env.CHURN_CONCURRENCY ?? 100);
const NOW = '2024-01-01T00:00:00Z';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

/** Heap after full collections: the lowest of a few rounds, with turns between them for finalisers. */
async function settledHeap(): Promise<number> {
  let lowest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    gc?.();
    await turn();
    lowest = Math.min(lowest, process.memoryUsage().heapUsed);
  }
  return lowest;
}

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------- the CSMS

class Csms16 extends v16.ChargePoint {
  onBootNotification() {
    return { currentTime: NOW, interval: 300, status: 'Accepted' as const };
  }
}
class Csms201 extends v201.ChargePoint {
  onBootNotification() {
    return { currentTime: NOW, interval: 300, status: 'Accepted' as const };
  }
}
class Csms21 extends v21.ChargePoint {
  onBootNotification() {
    return { currentTime: NOW, interval: 300, status: 'Accepted' as const };
  }
}

const BOOT: Record<string, object> = {
  'ocpp1.6': { chargePointVendor: 'Acme', chargePointModel: 'X1' },
  'ocpp2.0.1': { chargingStation: { model: 'X1', vendorName: 'Acme' }, reason: 'PowerUp' },
  'ocpp2.1': { chargingStation: { model: 'X1', vendorName: 'Acme' }, reason: 'PowerUp' },
};
const PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const;

const stats = {
  connects: 0,
  disconnects: 0,
  serverCalls: 0,
  /** Server calls rejected with ConnectionClosedError (every one must be). */
  callsClosed: 0,
  callsOther: [] as string[],
};

// ---------------------------------------------------------------- a charge point that never answers

interface Client {
  ws: WebSocket;
  closed: Promise<void>;
}

/** Connect, send BootNotification, resolve once it is answered and the server's own CALL has arrived. */
function connect(url: string, identity: string, protocol: (typeof PROTOCOLS)[number]): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/${identity}`, [protocol]);
    let booted = false;
    let called = false;
    let done = false;
    const closed = new Promise<void>((resolveClosed) => ws.once('close', () => resolveClosed()));
    const fail = (why: string) => {
      if (done) return;
      done = true;
      ws.terminate();
      reject(new Error(`${identity}: ${why}`));
    };
    const timer = setTimeout(() => fail('no boot answer and server call within 20 s'), 20_000);
    ws.on('error', (error) => fail(error.message));
    ws.once('close', (code) => fail(`closed early (${code})`));
    ws.once('open', () => ws.send(JSON.stringify([2, `boot-${identity}`, 'BootNotification', BOOT[protocol]])));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as unknown[];
      if (frame[0] === 2) called = true;
      else if (frame[0] === 3 && frame[1] === `boot-${identity}`) booted = true;
      else return fail(`unexpected frame ${String(data)}`);
      if (booted && called && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ ws, closed });
      }
    });
  });
}

async function wave(url: string, index: number): Promise<Client[]> {
  const clients: Client[] = [];
  let next = 0;
  const worker = async () => {
    while (next < PER_WAVE) {
      const i = next++;
      const protocol = PROTOCOLS[i % PROTOCOLS.length] as (typeof PROTOCOLS)[number];
      clients.push(await connect(url, `W${index}-CP${i}`, protocol));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return clients;
}

async function until(condition: () => boolean, ms: number, label: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const heapStart = await settledHeap();
  const resourcesStart = resources();

  const server = new OcppServer({
    protocols: { 'ocpp1.6': Csms16, 'ocpp2.0.1': Csms201, 'ocpp2.1': Csms21 },
    host: '127.0.0.1',
    port: 0,
    pingInterval: 3000,
  });
  server.on('connect', (cp) => {
    stats.connects++;
    stats.serverCalls++;
    // a CALL the charge point receives and never answers: in flight when the connection drops
    const pending =
      cp instanceof Csms16
        ? cp.call('GetConfiguration', {})
        : (cp as Csms201).call('GetVariables', {
            getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
          });
    pending.then(
      () => stats.callsOther.push('resolved'),
      (error: unknown) => {
        if (error instanceof ConnectionClosedError) stats.callsClosed++;
        else stats.callsOther.push(String(error));
      },
    );
  });
  server.on('disconnect', () => {
    stats.disconnects++;
  });
  const { port } = await server.listen();
  const url = `ws://127.0.0.1:${port}`;

  const waves: { connections: number; ms: number; heapAfter: number; registryAfter: number }[] = [];
  /** Handles at the fullest moment (proof that the count sees the sockets). */
  let resourcesPeak: Record<string, number> = {};
  for (let w = 0; w < WAVES; w++) {
    const t0 = Date.now();
    const clients = await wave(url, w);
    const expected = (w + 1) * PER_WAVE;
    if (server.size !== PER_WAVE) throw new Error(`wave ${w}: registry holds ${server.size}, expected ${PER_WAVE}`);
    if (w === 0) resourcesPeak = resources();
    // drop them all at once: half without a closing handshake, half with one
    clients.forEach((client, i) => {
      if (i % 2 === 0) client.ws.terminate();
      else client.ws.close(1000, 'bye');
    });
    await Promise.all(clients.map((c) => c.closed));
    await until(() => stats.disconnects === expected && server.size === 0, 20_000, `wave ${w} disconnects`);
    await until(() => stats.callsClosed + stats.callsOther.length === expected, 5_000, `wave ${w} server calls`);
    waves.push({
      connections: PER_WAVE,
      ms: Date.now() - t0,
      heapAfter: await settledHeap(),
      registryAfter: server.size,
    });
  }

  await server.close();
  // sockets finish closing asynchronously: give the handle count a bounded time to come back
  const deadline = Date.now() + 10_000;
  let resourcesEnd = resources();
  while (total(resourcesEnd) > total(resourcesStart) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    resourcesEnd = resources();
  }
  const heapEnd = await settledHeap();

  process.stdout.write(
    `${JSON.stringify({
      waves,
      connections: WAVES * PER_WAVE,
      ...stats,
      registryEnd: server.size,
      heapStart,
      heapEnd,
      resourcesStart,
      resourcesPeak,
      resourcesEnd,
      ms: Date.now() - started,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
