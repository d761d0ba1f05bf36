/**
 * The handshake over real sockets: subprotocol negotiation, the identity in the path, the authentication hook
 * before the upgrade, and attaching to an application's own http server.
 */
import { once } from 'node:events';
import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import type { HandshakeInfo } from '../../src/server.ts';
import { OcppServer } from '../../src/server.ts';
import { ALL, CsmsV16, CsmsV21, CsmsV201, startServer } from './fixtures.ts';
import { BOOT, RawClient, rawHandshake, readRawFrame, refusal, within } from './helpers.ts';

function closeCode(frame: { opcode: number; payload: Buffer }): number {
  expect(frame.opcode).toBe(0x8);
  return frame.payload.readUInt16BE(0);
}

describe('subprotocol negotiation', () => {
  it.each([
    [['ocpp1.6', 'ocpp2.0.1'], 'ocpp1.6', CsmsV16],
    [['ocpp2.0.1', 'ocpp1.6'], 'ocpp2.0.1', CsmsV201],
    [['ocpp2.1', 'ocpp1.6'], 'ocpp1.6', CsmsV16],
    [['ocpp1.5', 'ocpp2.0.1'], 'ocpp2.0.1', CsmsV201],
  ])(
    'client offers %j: the server picks %s, its most preferred that the server supports',
    async (offered, chosen, Class) => {
      // The server lists 2.0.1 first: the client's order decides, not the server's.
      const { server, url } = await startServer({ protocols: { 'ocpp2.0.1': CsmsV201, 'ocpp1.6': CsmsV16 } });
      const client = await RawClient.open(url('/CP_1'), offered);
      expect(client.protocol).toBe(chosen);
      expect(server.get('CP_1')).toBeInstanceOf(Class);
      const [type, id, payload] = await client.call('1', 'BootNotification', BOOT[chosen as keyof typeof BOOT]);
      expect([type, id, (payload as { status: string }).status]).toEqual([3, '1', 'Accepted']);
      await client.close();
    },
  );

  it('the version is decided by the subprotocol, never by the URL', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const client = await RawClient.open(url('/ocpp1.6'), 'ocpp2.1');
    expect(server.get('ocpp1.6')).toBeInstanceOf(CsmsV21);
    await client.close();
  });

  it('no common subprotocol: the handshake completes without Sec-WebSocket-Protocol, then closes with 1002', async () => {
    const authenticate = vi.fn(() => true);
    const { server, port } = await startServer({ protocols: { 'ocpp1.6': CsmsV16 }, authenticate });
    const connected = vi.fn();
    server.events.on('connect', connected);
    const handshake = await rawHandshake(port, '/CP_1', 'ocpp2.0.1, ocpp1.5');
    try {
      expect(handshake.status).toBe(101);
      expect(handshake.headers['sec-websocket-protocol']).toBeUndefined();
      expect(closeCode(await readRawFrame(handshake))).toBe(1002);
    } finally {
      handshake.socket.destroy();
    }
    // OCPP never ran: no ChargePoint, no hook, nothing in the registry
    expect(connected).not.toHaveBeenCalled();
    expect(authenticate).not.toHaveBeenCalled();
    expect(server.size).toBe(0);
  });

  it('no Sec-WebSocket-Protocol header at all: the same, closed with 1002', async () => {
    const { server, port, url } = await startServer({ protocols: ALL });
    const handshake = await rawHandshake(port, '/CP_1');
    try {
      expect(handshake.status).toBe(101);
      expect(handshake.headers['sec-websocket-protocol']).toBeUndefined();
      expect(closeCode(await readRawFrame(handshake))).toBe(1002);
    } finally {
      handshake.socket.destroy();
    }
    // a ws client that asks for nothing sees the same
    const client = await RawClient.open(url('/CP_2'));
    expect((await within(client.closed, 3000, 'close')).code).toBe(1002);
    expect(server.size).toBe(0);
  });
});

describe('identity from the path', () => {
  it('is percent-decoded: RDAM%7C123 is RDAM|123', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const client = await RawClient.open(url('/RDAM%7C123'), 'ocpp1.6');
    expect(server.get('RDAM|123')?.identity).toBe('RDAM|123');
    expect(server.get('RDAM%7C123')).toBeUndefined();
    await client.close();
  });

  it('a malformed percent-encoding is HTTP 400, and the server keeps serving', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const refused = vi.fn();
    server.events.on('refused', refused);
    expect((await refusal(url('/%E0%A4%A'), 'ocpp1.6')).status).toBe(400);
    expect((await refusal(url('/CP%ZZ'), 'ocpp1.6')).status).toBe(400);
    expect(refused).toHaveBeenCalledWith(expect.objectContaining({ status: 400 }));
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    expect((await client.call('1', 'BootNotification', BOOT['ocpp1.6']))[0]).toBe(3);
    await client.close();
  });

  it('an empty identity or a path that is not the endpoint is HTTP 404', async () => {
    const { url } = await startServer({ protocols: ALL });
    expect((await refusal(url('/'), 'ocpp1.6')).status).toBe(404);
    expect((await refusal(url('/a/b'), 'ocpp1.6')).status).toBe(404);
  });

  it('the identity is the segment after the configured path', async () => {
    const { server, url } = await startServer({ protocols: ALL, path: '/ocpp' });
    expect((await refusal(url('/other/CP_1'), 'ocpp1.6')).status).toBe(404);
    expect((await refusal(url('/ocpp/'), 'ocpp1.6')).status).toBe(404);
    const client = await RawClient.open(url('/ocpp/CP_1?x=1'), 'ocpp1.6');
    expect(server.get('CP_1')).toBeInstanceOf(CsmsV16);
    await client.close();
  });

  it('2.1: an identity with ":" or longer than 48 characters is HTTP 400', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    expect((await refusal(url('/CP:1'), 'ocpp2.1')).status).toBe(400);
    expect((await refusal(url('/CP%3A1'), 'ocpp2.1')).status).toBe(400);
    expect((await refusal(url(`/${'x'.repeat(49)}`), 'ocpp2.1')).status).toBe(400);
    const client = await RawClient.open(url(`/${'x'.repeat(48)}`), 'ocpp2.1');
    expect(server.get('x'.repeat(48))).toBeInstanceOf(CsmsV21);
    await client.close();
  });

  it('1.6 and 2.0.1 allow ":"; control characters are refused everywhere', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const a = await RawClient.open(url('/CP:1'), 'ocpp1.6');
    const b = await RawClient.open(url('/CP:2'), 'ocpp2.0.1');
    expect(server.size).toBe(2);
    expect((await refusal(url('/CP%00'), 'ocpp1.6')).status).toBe(400);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('authentication hook', () => {
  it('refuses with its status and headers before the upgrade, and sees the handshake', async () => {
    const seen: Pick<HandshakeInfo, 'identity' | 'protocol' | 'remoteAddress' | 'password' | 'tls' | 'certificate'>[] =
      [];
    let authorization: string | undefined;
    const { server, url } = await startServer({
      protocols: ALL,
      authenticate: (info) => {
        const { request, identity, protocol, remoteAddress, password, tls, certificate } = info;
        seen.push({ identity, protocol, remoteAddress, password, tls, certificate });
        authorization = request.headers.authorization;
        return { accept: false, status: 401, headers: { 'WWW-Authenticate': 'Basic realm="ocpp"' } };
      },
    });
    const basic = `Basic ${Buffer.from('CP_1:secret').toString('base64')}`;
    const answer = await refusal(url('/CP_1'), ['ocpp2.0.1'], { Authorization: basic });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Basic realm="ocpp"');
    expect(answer.headers['content-length']).toBe('0');
    expect(seen).toEqual([
      {
        identity: 'CP_1',
        protocol: 'ocpp2.0.1',
        remoteAddress: '127.0.0.1',
        password: Buffer.from('secret'),
        tls: undefined,
        certificate: undefined,
      },
    ]);
    expect(authorization).toBe(basic);
    expect(server.size).toBe(0);
  });

  it('false refuses with 401; a status of its own (404 for an unknown identity) is used as given', async () => {
    const { url } = await startServer({
      protocols: ALL,
      authenticate: ({ identity }) =>
        identity === 'known' ? true : identity === 'bad' ? false : { accept: false, status: 404 },
    });
    expect((await refusal(url('/bad'), 'ocpp1.6')).status).toBe(401);
    expect((await refusal(url('/unknown'), 'ocpp1.6')).status).toBe(404);
    const client = await RawClient.open(url('/known'), 'ocpp1.6');
    await client.close();
  });

  it('accepts with session data, visible as chargePoint.session', async () => {
    const { server, url } = await startServer({
      protocols: ALL,
      authenticate: async ({ identity }) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { accept: true, session: { tenant: 'acme', identity } };
      },
    });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    expect(server.get('CP_1')?.session).toEqual({ tenant: 'acme', identity: 'CP_1' });
    await client.close();
  });

  it('accepts with state, visible as chargePoint.state (and as the deprecated session)', async () => {
    const { server, url } = await startServer({
      authenticate: ({ identity }) => ({ accept: true, state: { tenant: 'acme', identity } }),
      protocols: ALL,
    });
    const client = await RawClient.open(url('/CP_1'), 'ocpp2.0.1');
    expect(server.get('CP_1')?.state).toEqual({ tenant: 'acme', identity: 'CP_1' });
    expect(server.get('CP_1')?.session).toEqual({ tenant: 'acme', identity: 'CP_1' });
    await client.close();
  });

  it('a hook that returns no decision (a JavaScript hook that forgot to) refuses with 500, never accepts', async () => {
    const { server, url } = await startServer({
      protocols: ALL,
      authenticate: (() => undefined) as unknown as () => boolean,
    });
    expect((await refusal(url('/CP_1'), 'ocpp1.6')).status).toBe(500);
    expect(server.size).toBe(0);
  });

  it('a hook that throws is HTTP 500, with nothing leaked, and the server keeps serving', async () => {
    let fail = true;
    const { url } = await startServer({
      protocols: ALL,
      authenticate: () => {
        if (fail) throw new Error('database down');
        return true;
      },
    });
    expect((await refusal(url('/CP_1'), 'ocpp1.6')).status).toBe(500);
    fail = false;
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    await client.close();
  });
});

describe('attached to an existing http server', () => {
  it('serves OCPP upgrades beside the application, and leaves the http server to it on close', async () => {
    const http = createServer((_req, res) => res.end('hello'));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const { port } = http.address() as AddressInfo;
    const server = new OcppServer({ server: http, protocols: ALL });
    try {
      expect((await server.listen()).port).toBe(port);
      const client = await RawClient.open(`ws://127.0.0.1:${port}/CP_1`, 'ocpp2.0.1');
      expect(server.get('CP_1')).toBeInstanceOf(CsmsV201);
      const [type] = await client.call('1', 'BootNotification', BOOT['ocpp2.0.1']);
      expect(type).toBe(3);
      const body = await within(
        new Promise<string>((resolve, reject) => {
          httpGet(`http://127.0.0.1:${port}/`, (res) => {
            let text = '';
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () => resolve(text));
          }).on('error', reject);
        }),
        3000,
        'plain HTTP',
      );
      expect(body).toBe('hello');
      await server.close();
      expect((await within(client.closed, 3000, 'close')).code).toBe(1001);
      expect(http.listening).toBe(true);
    } finally {
      await server.close();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe('permessage-deflate (2.1)', () => {
  it('when turned on, is negotiated for 2.1 connections that offer it, never for 1.6 and 2.0.1', async () => {
    const { url } = await startServer({ protocols: ALL, perMessageDeflate: true });
    const v21 = await RawClient.open(url('/CS_21'), 'ocpp2.1');
    const v201 = await RawClient.open(url('/CS_201'), 'ocpp2.0.1');
    const v16 = await RawClient.open(url('/CP_16'), 'ocpp1.6');
    expect(v21.ws.extensions).toMatch(/^permessage-deflate/);
    expect(v201.ws.extensions).toBe('');
    expect(v16.ws.extensions).toBe('');
    // a compressed CALL is understood
    v21.ws.send(JSON.stringify([2, 'z1', 'BootNotification', BOOT['ocpp2.1']]), { compress: true });
    expect((await v21.next())[0]).toBe(3);
    await Promise.all([v21.close(), v201.close(), v16.close()]);
  });

  it('is off by default', async () => {
    const { url } = await startServer({ protocols: ALL });
    const client = await RawClient.open(url('/CS_21'), 'ocpp2.1');
    expect(client.ws.extensions).toBe('');
    await client.close();
  });

  it('the size limit applies after decompression: a small compressed frame that inflates past it closes with 1009', async () => {
    const { server, url } = await startServer({ protocols: ALL, maxPayload: 4096, perMessageDeflate: true });
    const client = await RawClient.open(url('/CS_21'), 'ocpp2.1');
    const huge = JSON.stringify([2, 'big', 'DataTransfer', { vendorId: 'x', data: 'a'.repeat(100_000) }]);
    client.ws.send(huge, { compress: true });
    expect((await within(client.closed, 3000, 'closed')).code).toBe(1009);
    expect(server.size).toBe(0);
  });
});
