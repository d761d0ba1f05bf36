/** Graceful close and the ping sweep, over real sockets. */
import { describe, expect, it, vi } from 'vitest';
import { OcppServer } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import { ALL, CsmsV16, startServer } from './fixtures.ts';
import { BOOT, RawClient, rawHandshake, sleep, until, within } from './helpers.ts';

/** A CSMS whose Authorize handler waits until its connection ends, to have a CALL in flight at close. */
class SlowCsms extends CsmsV16 {
  static aborted = vi.fn();
  @v16.on(v16.Action.Authorize)
  async authorize(_request: v16.AuthorizeRequest, context: v16.HandlerContext) {
    await new Promise<void>((resolve) => {
      context.signal.addEventListener('abort', () => {
        SlowCsms.aborted(context.messageId);
        resolve();
      });
    });
    return { idTagInfo: { status: v16.AuthorizationStatus.Accepted } };
  }
}

describe('graceful close', () => {
  it('rejects pending calls with ConnectionClosedError, closes sockets with 1001, then refuses handshakes', async () => {
    const { server, url } = await startServer({ protocols: { 'ocpp1.6': SlowCsms } });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const other = await RawClient.open(url('/CP_2'), 'ocpp1.6');
    const chargePoint = server.get('CP_1');
    if (!(chargePoint instanceof SlowCsms)) throw new Error('CP_1 not connected');

    // a call from the server that the charge point never answers, and a CALL from the charge point in flight
    const pending = chargePoint.call('GetConfiguration', {});
    await client.next((f) => f[0] === 2 && f[2] === 'GetConfiguration');
    client.send([2, 'slow-1', 'Authorize', { idTag: 'TAG' }]);
    await sleep(20);

    const disconnected = vi.fn();
    server.events.on('disconnect', disconnected);
    await within(server.close(), 3000, 'server.close()');

    await expect(pending).rejects.toBeInstanceOf(v16.ConnectionClosedError);
    await expect(pending).rejects.toMatchObject({ code: 1001 });
    expect(SlowCsms.aborted).toHaveBeenCalledWith('slow-1');
    expect(await within(client.closed, 1000, 'client closed')).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect((await within(other.closed, 1000, 'other closed')).code).toBe(1001);
    expect(disconnected).toHaveBeenCalledTimes(2);
    expect(server.size).toBe(0);
    // the in-flight CALL was never answered after the close
    expect(client.frames.some((f) => f.includes('slow-1'))).toBe(false);

    await expect(RawClient.open(url('/CP_3'), 'ocpp1.6')).rejects.toThrow(/ECONNREFUSED/);
    await server.close(); // a second close is harmless
  });

  it('a handshake whose hook is still running when close() starts is refused, never upgraded', async () => {
    let release: () => void = () => {};
    const hookStarted = new Promise<void>((started) => {
      release = started;
    });
    const { server, url } = await startServer({
      protocols: ALL,
      authenticate: async () => {
        release();
        await sleep(100);
        return true;
      },
    });
    const connected = vi.fn();
    server.events.on('connect', connected);
    const refused = vi.fn();
    server.events.on('refused', refused);
    const opening = RawClient.open(url('/LATE'), 'ocpp1.6');
    await within(hookStarted, 2000, 'hook started');
    const closing = server.close();
    await expect(opening).rejects.toThrow(/HTTP 503/);
    await within(closing, 3000, 'server.close()');
    expect(connected).not.toHaveBeenCalled();
    expect(refused).toHaveBeenCalledWith(expect.objectContaining({ status: 503 }));
    expect(server.size).toBe(0);
  });

  it('terminates a peer that does not answer the close frame after closeTimeout', async () => {
    const { server, port } = await startServer({ protocols: ALL, closeTimeout: 150, pingInterval: 0 });
    const halfOpen = await rawHandshake(port, '/CP_1', 'ocpp1.6');
    await until(() => server.size === 1, 'registered');
    const started = Date.now();
    await within(server.close(), 2000, 'server.close() with a half-open peer');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(server.size).toBe(0);
    halfOpen.socket.destroy();
  });

  it('attached to an http server: handshakes after close are not upgraded', async () => {
    const { createServer } = await import('node:http');
    const http = createServer((_req, res) => res.end('app'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    const server = new OcppServer({ server: http, protocols: ALL, pingInterval: 0 });
    try {
      const client = await RawClient.open(`ws://127.0.0.1:${port}/CP_1`, 'ocpp1.6');
      await server.close();
      await within(client.closed, 1000, 'closed');
      await expect(RawClient.open(`ws://127.0.0.1:${port}/CP_2`, 'ocpp1.6')).rejects.toThrow();
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe('application faults', () => {
  it('a ChargePoint constructor that throws closes that connection with 1011; the server keeps serving', async () => {
    class Broken extends CsmsV16 {
      constructor(...args: ConstructorParameters<typeof CsmsV16>) {
        super(...args);
        if (this.identity === 'BROKEN') throw new Error('no database');
      }
    }
    const { server, url } = await startServer({ protocols: { 'ocpp1.6': Broken } });
    const broken = await RawClient.open(url('/BROKEN'), 'ocpp1.6');
    expect((await within(broken.closed, 2000, 'closed')).code).toBe(1011);
    expect(server.size).toBe(0);
    const fine = await RawClient.open(url('/FINE'), 'ocpp1.6');
    expect((await fine.call('1', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
    await fine.close();
  });

  it('connect and disconnect listeners that throw leave the registry right and the process running', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    // the deprecated form and the events alike
    server.on('connect', () => {
      throw new Error('listener bug');
    });
    server.on('disconnect', () => {
      throw new Error('listener bug');
    });
    server.events.on('connect', () => {
      throw new Error('listener bug');
    });
    server.events.on('disconnect', () => {
      throw new Error('listener bug');
    });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    expect(server.size).toBe(1);
    expect((await client.call('1', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
    await client.close();
    await until(() => server.size === 0, 'registry empty');
  });
});

describe('ping sweep', () => {
  it('drops a connection that does not answer pings, and keeps one that does', async () => {
    const { server, url } = await startServer({ protocols: ALL, pingInterval: 80 });
    const disconnected = vi.fn();
    server.events.on('disconnect', disconnected);
    const silent = await RawClient.open(url('/SILENT'), 'ocpp1.6', { autoPong: false });
    const alive = await RawClient.open(url('/ALIVE'), 'ocpp1.6');
    expect(server.size).toBe(2);

    const { code } = await within(silent.closed, 2000, 'the silent connection dropped');
    expect(code).toBe(1006);
    await until(() => server.size === 1, 'the silent one left the registry');
    expect(server.get('SILENT')).toBeUndefined();
    expect(disconnected).toHaveBeenCalledTimes(1);

    // several more sweeps: the connection that answers stays, and works
    await sleep(300);
    expect(server.get('ALIVE')).toBeInstanceOf(CsmsV16);
    expect((await alive.call('1', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
    await alive.close();
  });

  it('pingInterval 0 sends no pings', async () => {
    const { url } = await startServer({ protocols: ALL, pingInterval: 0 });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const pinged = vi.fn();
    client.ws.on('ping', pinged);
    await sleep(150);
    expect(pinged).not.toHaveBeenCalled();
    await client.close();
  });
});
