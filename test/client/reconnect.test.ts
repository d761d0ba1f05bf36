/** Reconnects, back-off, connect timeout, subprotocol pinning, ping/pong, pending calls on a drop. */
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { BackOff, DEFAULT_BACK_OFF } from '../../src/client/backoff.ts';
import { ConnectionClosedError } from '../../src/errors.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { HOST, next, record, sequence, startRawServer, startServer, until } from './helpers.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('BackOff', () => {
  test('waitMinimum × 2^k + random × randomRange, doubling repeatTimes times, then the last wait again', () => {
    const backOff = new BackOff({ waitMinimum: 1000, randomRange: 500, repeatTimes: 3 }, sequence(0, 0.5, 1, 0.2, 0.9));
    const waits = Array.from({ length: 6 }, () => backOff.next());
    expect(waits).toEqual([1000, 2250, 4500, 8100, 8100, 8100]);
    backOff.reset();
    expect(backOff.next()).toBe(1000 + 0.9 * 500);
  });

  test('repeatTimes 0 keeps the first wait; defaults; bad settings', () => {
    const backOff = new BackOff({ waitMinimum: 100, randomRange: 0, repeatTimes: 0 });
    expect([backOff.next(), backOff.next(), backOff.next()]).toEqual([100, 100, 100]);
    expect(DEFAULT_BACK_OFF).toEqual({ waitMinimum: 3000, randomRange: 10_000, repeatTimes: 5 });
    const defaults = new BackOff({}, () => 0);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => defaults.next())).toEqual([3000, 6000, 12000, 24000, 48000, 96000, 96000]);
    expect(() => new BackOff({ waitMinimum: -1 })).toThrow(RangeError);
    expect(() => new BackOff({ repeatTimes: 1.5 })).toThrow(RangeError);
  });
});

test('after the server drops it: reconnects with the back-off, resets it after a successful connection', async () => {
  const { server, url, control } = await startServer({ 'ocpp1.6': v16.ChargePoint });
  cleanup.push(() => server.close());
  const cp = new v16.Client({
    url,
    identity: 'B1',
    backOff: { waitMinimum: 20, randomRange: 10, repeatTimes: 2 },
    random: sequence(0.1, 0.5, 0.9, 0.3),
  });
  cleanup.push(() => cp.stop());
  await cp.connect();
  const log = record(cp, 'close', 'reconnect:scheduled', 'connecting', 'connect:error', 'open');
  let failures = 0;
  cp.events.on('connect:error', () => {
    if (++failures === 5) control.refuse = false;
  });
  control.refuse = true;
  server.get('B1')?.connection.terminate?.();
  await next(cp, 'open');
  // once more: the back-off starts over
  await until(() => server.get('B1') !== undefined);
  server.get('B1')?.connection.terminate?.();
  await next(cp, 'open');

  const scheduled = log.filter((e) => e.name === 'reconnect:scheduled');
  expect(scheduled.map((e) => (e.event as v16.ReconnectScheduledEvent).delay)).toEqual([21, 45, 89, 89, 89, 89, 23]);
  expect(scheduled.map((e) => (e.event as v16.ReconnectScheduledEvent).attempt)).toEqual([1, 2, 3, 4, 5, 6, 1]);
  expect(log.filter((e) => e.name === 'connect:error').map((e) => (e.event as v16.ConnectErrorEvent).attempt)).toEqual([
    1, 2, 3, 4, 5,
  ]);
  // measured: each attempt starts no earlier than its wait, and not much later
  for (const s of scheduled) {
    const connecting = log.find((e) => e.name === 'connecting' && e.at >= s.at);
    const waited = (connecting?.at ?? Number.NaN) - s.at;
    const delay = (s.event as v16.ReconnectScheduledEvent).delay;
    expect(waited).toBeGreaterThanOrEqual(delay - 2);
    expect(waited).toBeLessThan(delay + 300);
  }
});

test('connect timeout: an attempt that does not open in time fails and is retried', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket)); // accepts TCP, never answers the upgrade
  await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
  cleanup.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        silent.close(resolve);
      }),
  );
  const { port } = silent.address() as { port: number };
  const cp = new v16.Client({
    url: `ws://${HOST}:${port}`,
    identity: 'T1',
    connectTimeout: 100,
    backOff: { waitMinimum: 10, randomRange: 0 },
  });
  cleanup.push(() => cp.stop());
  const log = record(cp, 'connecting', 'connect:error');
  void cp.connect().catch(() => {});
  await until(() => log.filter((e) => e.name === 'connect:error').length === 2);
  const [c1, e1] = log;
  const error = (e1?.event as v16.ConnectErrorEvent | undefined)?.error as v16.ConnectError | undefined;
  expect(error?.message).toBe(`No connection to ${cp.url} within 100 ms`);
  expect(error?.url).toBe(cp.url);
  expect((e1?.at ?? 0) - (c1?.at ?? 0)).toBeGreaterThanOrEqual(97);
  expect((e1?.at ?? 0) - (c1?.at ?? 0)).toBeLessThan(1000);
  expect(cp.state).not.toBe('open');
});

describe('subprotocol', () => {
  test('offered on every connection, the negotiated one kept', async () => {
    const { server, url, handshakes } = await startServer({
      'ocpp2.1': v201.ChargePoint as never,
      'ocpp2.0.1': v201.ChargePoint,
    });
    cleanup.push(() => server.close());
    const cp = new v201.Client({ url, identity: 'P1', backOff: { waitMinimum: 5, randomRange: 0 } });
    cleanup.push(() => cp.stop());
    await cp.connect();
    server.get('P1')?.close();
    await next(cp, 'open');
    expect(handshakes.map((r) => r.headers['sec-websocket-protocol'])).toEqual(['ocpp2.0.1', 'ocpp2.0.1']);
    expect(cp.endpoint?.protocol).toBe('ocpp2.0.1');
  });

  test('a server that switches on a reconnect: a clear SubprotocolError and the client stops', async () => {
    let connections = 0;
    const raw = await startRawServer({ handleProtocols: () => (++connections === 1 ? 'ocpp2.0.1' : 'ocpp2.1') });
    cleanup.push(() => raw.close());
    const cp = new v201.Client({ url: raw.url, identity: 'P2', backOff: { waitMinimum: 5, randomRange: 0 } });
    await cp.connect();
    const failed = next(cp, 'error');
    raw.sockets[0]?.terminate();
    const { error } = await failed;
    expect(error).toBeInstanceOf(v201.SubprotocolError);
    expect(error.message).toBe(
      'The CSMS answered with subprotocol "ocpp2.1" but this charge point negotiated "ocpp2.0.1" on its first connection',
    );
    await until(() => cp.state === 'stopped');
    await expect(cp.connect()).rejects.toBe(error);
    expect(connections).toBe(2);
  });

  test('no common subprotocol on the first connection: SubprotocolError, connect() rejects', async () => {
    const raw = await startRawServer({ handleProtocols: () => false });
    cleanup.push(() => raw.close());
    const cp = new v16.Client({ url: raw.url, identity: 'P3' });
    const error = await cp.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(v16.SubprotocolError);
    expect((error as Error).message).toBe('The CSMS accepted none of the offered subprotocols (ocpp1.6)');
    expect(cp.state).toBe('stopped');
  });
});

describe('ping', () => {
  test('no pong within the timeout: terminated, then reconnected', async () => {
    const raw = await startRawServer({ autoPong: false });
    cleanup.push(() => raw.close());
    const pings: number[] = [];
    raw.wss.on('connection', (ws) => ws.on('ping', () => pings.push(Date.now())));
    const cp = new v16.Client({
      url: raw.url,
      identity: 'G1',
      pingInterval: 50,
      pongTimeout: 80,
      backOff: { waitMinimum: 10, randomRange: 0 },
    });
    cleanup.push(() => cp.stop());
    const log = record(cp, 'open', 'close');
    await cp.connect();
    const closed = await next(cp, 'close');
    expect(closed).toEqual({ identity: 'G1', code: 1006, reason: 'No pong within 80 ms', reconnect: true });
    const [open, close] = log;
    // ping after 50 ms, then 80 ms without a pong
    expect((close?.at ?? 0) - (open?.at ?? 0)).toBeGreaterThanOrEqual(125);
    expect(pings).toHaveLength(1);
    await next(cp, 'open');
    expect(raw.sockets).toHaveLength(2);
  });

  test('answered pings keep the connection; interval 0 sends none', async () => {
    const raw = await startRawServer({});
    cleanup.push(() => raw.close());
    const pings = new Map<string, number>();
    raw.wss.on('connection', (ws, request) =>
      ws.on('ping', () => pings.set(request.url ?? '', (pings.get(request.url ?? '') ?? 0) + 1)),
    );
    const pinging = new v16.Client({ url: raw.url, identity: 'G2', pingInterval: 20, pongTimeout: 1000 });
    const quiet = new v16.Client({ url: raw.url, identity: 'G3', pingInterval: 0 });
    cleanup.push(
      () => pinging.stop(),
      () => quiet.stop(),
    );
    const closes = record(pinging, 'close');
    await Promise.all([pinging.connect(), quiet.connect()]);
    await until(() => (pings.get('/G2') ?? 0) >= 5);
    expect(closes).toHaveLength(0);
    expect(pings.get('/G3')).toBeUndefined();
  });
});

test('pending calls reject at once when the connection drops', async () => {
  class Stalling extends v16.ChargePoint {
    onHeartbeat() {
      return new Promise<never>(() => {});
    }
  }
  const { server, url } = await startServer({ 'ocpp1.6': Stalling });
  cleanup.push(() => server.close());
  const cp = new v16.Client({ url, identity: 'D1', callTimeout: 30_000, backOff: { waitMinimum: 10_000 } });
  cleanup.push(() => cp.stop());
  await cp.connect();
  const first = cp.call('Heartbeat');
  const second = cp.call('Heartbeat'); // waits behind the first
  await until(() => (cp.endpoint?.pendingCalls ?? 0) === 2);
  const started = Date.now();
  server.get('D1')?.connection.terminate?.();
  const errors = await Promise.all([first.catch((e: unknown) => e), second.catch((e: unknown) => e)]);
  expect(Date.now() - started).toBeLessThan(1000);
  for (const error of errors) expect(error).toBeInstanceOf(ConnectionClosedError);
  expect(cp.state).toBe('waiting');
});

test('reconnect: false stops the client after a drop', async () => {
  const { server, url } = await startServer({ 'ocpp1.6': v16.ChargePoint });
  cleanup.push(() => server.close());
  const cp = new v16.Client({ url, identity: 'R1', reconnect: false });
  await cp.connect();
  const closed = next(cp, 'close');
  server.get('R1')?.close(1001);
  expect(await closed).toMatchObject({ code: 1001, reconnect: false });
  await until(() => cp.state === 'stopped');
});
