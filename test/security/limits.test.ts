/**
 * Every limit hit over a real socket on 127.0.0.1: the offending connection gets the right close code or HTTP
 * status, and a connection made before it (and one made after) on the same server is still served.
 */
import { randomBytes } from 'node:crypto';
import { type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { CallError } from '../../src/errors.ts';
import type { OcppServer, OcppServerOptions } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import {
  Csms16,
  call,
  csms16With,
  HOST,
  onCleanup,
  open,
  RawClient,
  rawHandshake,
  refusal,
  sleep,
  startServer,
  until,
  within,
} from './helpers.ts';
import { type Authority, type KeyPair, TestPki } from './pki.ts';

const BOOT = { chargePointVendor: 'V', chargePointModel: 'M' };

type Server16 = OcppServer<{ 'ocpp1.6': typeof Csms16 }>;

/** A server for 1.6 with `options`, and a bystander connection opened before anything goes wrong. */
async function serverWithBystander(options: Partial<OcppServerOptions<{ 'ocpp1.6': typeof Csms16 }>> = {}) {
  const started = await startServer({ protocols: { 'ocpp1.6': Csms16 }, ...options });
  const bystander = await RawClient.open(started.url('/BYSTANDER'), 'ocpp1.6');
  onCleanup(() => bystander.ws.terminate());
  return { ...started, bystander };
}

let fresh = 0;

/** The server still serves: the bystander gets an answer, and a new connection opens and gets one. */
async function stillServing(server: Server16, url: (path: string) => string, bystander: RawClient) {
  fresh++;
  expect((await bystander.call(`b${fresh}`, 'BootNotification', BOOT))[0]).toBe(3);
  const client = await RawClient.open(url(`/F${fresh}`), 'ocpp1.6');
  expect((await client.call('f1', 'BootNotification', BOOT))[0]).toBe(3);
  await client.close();
  expect(server.get('BYSTANDER')).toBeDefined();
}

async function closedWith(client: RawClient): Promise<number> {
  return (await within(client.closed, 3000, 'the server closes the connection')).code;
}

describe('frame limits', () => {
  it('maxPayload: a larger frame closes the connection with 1009', async () => {
    const { server, url, bystander } = await serverWithBystander({ maxPayload: 1024 });
    const client = await RawClient.open(url('/CP_BIG'), 'ocpp1.6');
    // exactly at the limit is fine
    const exact = JSON.stringify([2, 'ok', 'DataTransfer', { vendorId: 'v', data: '' }]);
    client.send(exact.replace('"data":""', `"data":"${'a'.repeat(1024 - exact.length)}"`));
    expect((await client.next())[0]).toBe(3);
    client.send([2, 'big', 'DataTransfer', { vendorId: 'v', data: 'a'.repeat(1024) }]);
    expect(await closedWith(client)).toBe(1009);
    await until(() => server.get('CP_BIG') === undefined, 'CP_BIG leaves the registry');
    await stillServing(server, url, bystander);
  });

  it('the default maxPayload is 1 MiB: 1 MiB passes, a byte more closes with 1009', async () => {
    const { server, url, bystander } = await serverWithBystander();
    const client = await RawClient.open(url('/CP_MIB'), 'ocpp1.6');
    const frame = (size: number) => {
      const empty = JSON.stringify([2, `m${size}`, 'DataTransfer', { vendorId: 'v', data: '' }]);
      return empty.replace('"data":""', `"data":"${'a'.repeat(size - empty.length)}"`);
    };
    client.send(frame(1024 * 1024));
    expect((await client.next())[0]).toBe(3);
    client.send(frame(1024 * 1024 + 1));
    expect(await closedWith(client)).toBe(1009);
    await stillServing(server, url, bystander);
  });

  it('a binary frame closes the connection with 1003', async () => {
    const { server, url, bystander } = await serverWithBystander();
    const client = await RawClient.open(url('/CP_BIN'), 'ocpp1.6');
    client.ws.send(Buffer.from(JSON.stringify([2, '1', 'BootNotification', BOOT])), { binary: true });
    expect(await closedWith(client)).toBe(1003);
    await stillServing(server, url, bystander);
  });

  it('a text frame that is not UTF-8 closes the connection with 1007', async () => {
    const { server, url, bystander } = await serverWithBystander();
    const client = await RawClient.open(url('/CP_UTF8'), 'ocpp1.6');
    const bytes = Buffer.concat([Buffer.from('[2,"1","DataTransfer",{"vendorId":"'), Buffer.from([0xc3, 0x28, 0xff])]);
    client.ws.send(Buffer.concat([bytes, Buffer.from('"}]')]), { binary: false });
    expect(await closedWith(client)).toBe(1007);
    await stillServing(server, url, bystander);
  });

  it('maxBadFrames consecutive bad frames close the connection with 1008; a good frame resets the count', async () => {
    const { server, url, bystander } = await serverWithBystander({
      protocols: { 'ocpp1.6': csms16With({ maxBadFrames: 3 }) },
    });
    const client = await RawClient.open(url('/CP_BAD'), 'ocpp1.6');
    client.send('not json');
    client.send('[2, "x"]');
    expect((await client.call('ok', 'BootNotification', BOOT))[0]).toBe(3);
    client.send('{}');
    client.send('[9, "x", "y", {}]');
    expect((await client.call('ok2', 'BootNotification', BOOT))[0]).toBe(3);
    client.send('not json');
    client.send('[2, 1, "BootNotification", {}]');
    client.send('[]');
    expect(await closedWith(client)).toBe(1008);
    await stillServing(server, url, bystander);
  });

  it('the default is 10 bad frames in a row', async () => {
    const { server, url, bystander } = await serverWithBystander();
    const client = await RawClient.open(url('/CP_BAD10'), 'ocpp1.6');
    for (let i = 0; i < 9; i++) client.send(`bad ${i}`);
    expect((await client.call('ok', 'BootNotification', BOOT))[0]).toBe(3);
    for (let i = 0; i < 10; i++) client.send(`bad ${i}`);
    expect(await closedWith(client)).toBe(1008);
    await stillServing(server, url, bystander);
  });
});

describe('identity limits', () => {
  it('maxIdentityLength: a longer identity is HTTP 400', async () => {
    const { server, url, bystander } = await serverWithBystander({ maxIdentityLength: 10 });
    expect((await refusal(url(`/${'x'.repeat(11)}`), 'ocpp1.6')).status).toBe(400);
    // counted in characters after percent-decoding
    expect((await refusal(url(`/${'%C3%A9'.repeat(11)}`), 'ocpp1.6')).status).toBe(400);
    const ok = await RawClient.open(url(`/${'%C3%A9'.repeat(10)}`), 'ocpp1.6');
    expect(server.get('é'.repeat(10))).toBeDefined();
    await ok.close();
    await stillServing(server, url, bystander);
  });

  it('the default maxIdentityLength is 48', async () => {
    const { server, url } = await serverWithBystander();
    expect((await refusal(url(`/${'x'.repeat(49)}`), 'ocpp1.6')).status).toBe(400);
    const ok = await RawClient.open(url(`/${'x'.repeat(48)}`), 'ocpp1.6');
    expect(server.get('x'.repeat(48))).toBeDefined();
    await ok.close();
  });

  it.each([
    ['NUL', '%00'],
    ['a newline', '%0A'],
    ['a carriage return and a header', '%0D%0ASet-Cookie:x'],
    ['TAB', '%09'],
    ['DEL', '%7F'],
    ['ESC', '%1B'],
  ])('an identity with %s is HTTP 400, before the hook runs', async (_name, encoded) => {
    const authenticate = vi.fn(() => true);
    const { server, url, bystander } = await serverWithBystander({ authenticate });
    authenticate.mockClear();
    expect((await refusal(url(`/CP${encoded}1`), 'ocpp1.6')).status).toBe(400);
    expect(authenticate).not.toHaveBeenCalled();
    await stillServing(server, url, bystander);
  });
});

describe('maxConnections', () => {
  it('one more handshake than allowed is HTTP 503; a freed slot is usable again', async () => {
    const { server, url, bystander } = await serverWithBystander({ maxConnections: 2 });
    const second = await RawClient.open(url('/CP_2'), 'ocpp1.6');
    const refused = await refusal(url('/CP_3'), 'ocpp1.6');
    expect(refused.status).toBe(503);
    expect(refused.headers['content-length']).toBe('0');
    expect(server.size).toBe(2);
    await second.close();
    await until(() => server.size === 1, 'the slot is freed');
    const third = await RawClient.open(url('/CP_3'), 'ocpp1.6');
    expect((await third.call('1', 'BootNotification', BOOT))[0]).toBe(3);
    expect((await bystander.call('b', 'BootNotification', BOOT))[0]).toBe(3);
  });

  it('handshakes still in the hook count towards the limit', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { url } = await startServer({
      protocols: { 'ocpp1.6': Csms16 },
      maxConnections: 1,
      authenticate: async ({ identity }) => {
        if (identity === 'SLOW') await held;
        return true;
      },
    });
    const slow = RawClient.open(url('/SLOW'), 'ocpp1.6');
    await sleep(50);
    expect((await refusal(url('/OTHER'), 'ocpp1.6')).status).toBe(503);
    release();
    await (await slow).close();
  });
});

/** A masked text frame, as a client sends it. */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([0x81, 0x80 | payload.length]);
  } else if (payload.length < 0x10000) {
    header = Buffer.from([0x81, 0x80 | 126, 0, 0]);
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([header, mask, payload]);
}

describe('maxBufferedAmount: a peer that stops reading', () => {
  const ANSWER = 256 * 1024;
  const LIMIT = 1024 * 1024;

  /** Tracks, on the server side, the most bytes left unsent to `identity` right after a send on the open socket. */
  function watchBuffered(server: Server16, identity: string) {
    const seen = { peak: 0, sends: 0 };
    server.events.on('connect', ({ chargePoint }) => {
      if (chargePoint.identity !== identity) return;
      const ws = chargePoint.connection as WebSocket;
      const send = ws.send.bind(ws) as (data: string, cb?: (err?: Error) => void) => void;
      ws.send = ((data: string, cb?: (err?: Error) => void) => {
        // once closed, ws only counts what it was asked to send (nothing is held): measure sends while open
        const open = ws.readyState === ws.OPEN;
        send(data, cb);
        if (!open) return;
        seen.sends++;
        seen.peak = Math.max(seen.peak, ws.bufferedAmount);
      }) as WebSocket['send'];
    });
    return seen;
  }

  it.each([
    ['all at once', 0],
    ['one every few ms', 3],
  ])('a flood of CALLs sent %s, never reading the answers: dropped, its unsent data bounded', async (_name, gap) => {
    const { server, port, url, bystander } = await serverWithBystander({ maxBufferedAmount: LIMIT });
    const seen = watchBuffered(server, 'CP_FLOOD');
    const disconnected = new Promise<void>((resolve) => {
      server.events.on('disconnect', ({ identity }) => {
        if (identity === 'CP_FLOOD') resolve();
      });
    });
    const handshake = await rawHandshake(port, '/CP_FLOOD', 'ocpp1.6');
    onCleanup(() => handshake.socket.destroy());
    expect(handshake.status).toBe(101);
    // the socket stays paused: nothing the server sends is ever read
    const calls = Array.from({ length: 200 }, (_, i) =>
      clientFrame(JSON.stringify([2, `f${i}`, 'DataTransfer', { vendorId: 'v', messageId: `big:${ANSWER}` }])),
    );
    if (gap === 0) handshake.socket.write(Buffer.concat(calls));
    else {
      for (const frame of calls) {
        if (handshake.socket.destroyed) break;
        handshake.socket.write(frame);
        await sleep(gap);
      }
    }
    await within(disconnected, 5000, 'the server drops the peer that does not read');
    expect(server.get('CP_FLOOD')).toBeUndefined();
    // 200 answers of 256 KiB would be 50 MiB; the server kept at most the limit plus the answer that crossed it
    expect(seen.sends).toBeGreaterThan(0);
    expect(seen.peak).toBeLessThanOrEqual(LIMIT + ANSWER + 1024);
    await stillServing(server, url, bystander);
  });

  it('the default limit is 4 MiB', async () => {
    const { server, port } = await serverWithBystander();
    const seen = watchBuffered(server, 'CP_FLOOD');
    const handshake = await rawHandshake(port, '/CP_FLOOD', 'ocpp1.6');
    onCleanup(() => handshake.socket.destroy());
    const calls = Array.from({ length: 200 }, (_, i) =>
      clientFrame(JSON.stringify([2, `f${i}`, 'DataTransfer', { vendorId: 'v', messageId: `big:${ANSWER}` }])),
    );
    handshake.socket.write(Buffer.concat(calls));
    await until(() => server.get('CP_FLOOD') === undefined && seen.sends > 0, 'the peer is dropped', 5000);
    expect(seen.peak).toBeGreaterThan(LIMIT);
    expect(seen.peak).toBeLessThanOrEqual(4 * 1024 * 1024 + ANSWER + 1024);
  });
});

describe('handshakeTimeout', () => {
  it('an authentication hook that never answers: HTTP 503 after the timeout; others are served', async () => {
    const { server, url, bystander } = await serverWithBystander({
      handshakeTimeout: 300,
      authenticate: ({ identity }) => (identity === 'HANGS' ? new Promise<boolean>(() => {}) : true),
    });
    const refused = vi.fn();
    server.events.on('refused', refused);
    const started = performance.now();
    expect((await refusal(url('/HANGS'), 'ocpp1.6')).status).toBe(503);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    expect(refused).toHaveBeenCalledWith(
      expect.objectContaining({ status: 503, reason: expect.stringMatching(/time/) }),
    );
    await stillServing(server, url, bystander);
  });

  it('a client that never finishes its request headers is cut off after the timeout (ws)', async () => {
    const { server, port, url, bystander } = await serverWithBystander({ handshakeTimeout: 500 });
    const socket = tcpConnect(port, HOST);
    onCleanup(() => socket.destroy());
    const ended = closedAfter(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /SLOWLORIS HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\n`);
    const started = performance.now();
    // a byte now and then does not keep it alive
    const drip = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 100);
    onCleanup(() => clearInterval(drip));
    await within(ended, 5000, 'the server closes the slow client');
    expect(performance.now() - started).toBeLessThan(2500);
    await stillServing(server, url, bystander);
  });
});

/** Resolves when the socket is closed by the other side. */
function closedAfter(socket: Socket): Promise<void> {
  socket.on('data', () => {});
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('handshakeTimeout over TLS', () => {
  let pki: TestPki;
  let ca: Authority;
  let pair: KeyPair;
  beforeAll(() => {
    pki = new TestPki();
    ca = pki.authority('ca');
    pair = pki.server('server', ca);
  });
  afterAll(() => pki.dispose());

  const tlsServer = () =>
    startServer({ protocols: { 'ocpp1.6': Csms16 }, tls: { key: pair.key, cert: pair.cert }, handshakeTimeout: 500 });

  it('a client that opens TCP and never starts the TLS handshake is cut off after the timeout', async () => {
    const { port, url } = await tlsServer();
    const socket = tcpConnect(port, HOST);
    onCleanup(() => socket.destroy());
    const ended = closedAfter(socket);
    const started = performance.now();
    await within(ended, 5000, 'the server closes the silent TLS client');
    expect(performance.now() - started).toBeLessThan(2500);
    const { ws } = await open(url('/CP_1'), 'ocpp1.6', { ca: ca.cert });
    expect((await call(ws, '1', 'BootNotification', BOOT))[0]).toBe(3);
  });

  it('a client that completes TLS but never finishes its request headers is cut off after the timeout', async () => {
    const { port, url } = await tlsServer();
    const socket = tlsConnect({ host: HOST, port, ca: ca.cert, servername: 'localhost' });
    onCleanup(() => socket.destroy());
    const ended = closedAfter(socket);
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    socket.write(`GET /SLOWLORIS HTTP/1.1\r\nHost: ${HOST}\r\n`);
    const started = performance.now();
    await within(ended, 5000, 'the server closes the slow TLS client');
    expect(performance.now() - started).toBeLessThan(2500);
    const { ws } = await open(url('/CP_1'), 'ocpp1.6', { ca: ca.cert });
    expect((await call(ws, '1', 'BootNotification', BOOT))[0]).toBe(3);
  });
});

describe('handler deadline', () => {
  it('a handler slower than handlerTimeout: InternalError before the charge point gives up', async () => {
    const { server, base, url, bystander } = await serverWithBystander({
      protocols: { 'ocpp1.6': csms16With({ handlerTimeout: 300 }) },
    });
    const cp = new v16.Client({ url: base, identity: 'CP_WAITS', callTimeout: 3000 });
    onCleanup(() => cp.stop());
    await cp.connect();
    const started = performance.now();
    const error = await cp.call('DataTransfer', { vendorId: 'v', messageId: 'slow:10000' }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({ code: 'InternalError' });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    // the connection goes on
    expect((await cp.call('DataTransfer', { vendorId: 'v', data: 'after' })).data).toBe('after');
    await stillServing(server, url, bystander);
  });

  it('the CALLERROR says nothing about the handler', async () => {
    const { url } = await startServer({ protocols: { 'ocpp1.6': csms16With({ handlerTimeout: 100 }) } });
    const client = await RawClient.open(url('/CP_RAW'), 'ocpp1.6');
    const answer = await client.call('s1', 'DataTransfer', { vendorId: 'v', messageId: 'slow:5000' });
    expect(answer[0]).toBe(4);
    expect(answer[2]).toBe('InternalError');
    expect(JSON.stringify(answer)).not.toMatch(/slow|timeout|handler|stack/i);
    await client.close();
  });
});
