/**
 * Security profile 1 over ws://: HTTP Basic authentication checked by `basicAuth()` before the upgrade. A refusal
 * is the status line, `Connection`, `Content-Length: 0` and, for 401, `WWW-Authenticate`: nothing says why.
 */
import { describe, expect, it, vi } from 'vitest';
import { basicAuth, basicAuthHeader, type HandshakeInfo } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import { Csms16, call, onCleanup, open, rawUpgrade, startServer } from './helpers.ts';

const PASSWORDS = new Map<string, Buffer | string>([
  ['CP_1', 'a-password-of-sixteen+'],
  ['CP:colon', 'pa:ss:word:0123456789'],
  ['CP_BIN', Buffer.from('00ff3a80ff00c3a9ffee0102030405060708090a', 'hex')],
]);

async function profile1Server() {
  const seen: HandshakeInfo[] = [];
  const refused = vi.fn();
  const started = await startServer({
    protocols: { 'ocpp1.6': Csms16 },
    authenticate: basicAuth((identity, info) => {
      seen.push(info);
      return PASSWORDS.get(identity);
    }),
  });
  started.server.events.on('refused', refused);
  return { ...started, seen, refused };
}

const upgrade = (headers: Record<string, string> = {}) => ({ 'Sec-WebSocket-Protocol': 'ocpp1.6', ...headers });

describe('security profile 1: Basic auth over ws', () => {
  it('the right password connects (ws client); the hook sees the password bytes and no TLS', async () => {
    const { server, url, seen } = await profile1Server();
    const { ws } = await open(url('/CP_1'), 'ocpp1.6', {
      headers: { Authorization: basicAuthHeader('CP_1', 'a-password-of-sixteen+') },
    });
    expect(server.get('CP_1')).toBeInstanceOf(Csms16);
    expect(seen[0]).toMatchObject({ identity: 'CP_1', protocol: 'ocpp1.6', tls: undefined, certificate: undefined });
    expect(seen[0]?.password).toEqual(Buffer.from('a-password-of-sixteen+'));
    const answer = await call(ws, '1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    expect(answer[0]).toBe(3);
  });

  it.each([
    ['a password with colons (and an identity with one)', 'CP:colon'],
    ['a binary password (a 1.6 AuthorizationKey, 0x00 and 0xff included)', 'CP_BIN'],
  ])('the ocppkit client connects with %s', async (_name, identity) => {
    const { server, base } = await profile1Server();
    const cp = new v16.Client({ url: base, identity, password: PASSWORDS.get(identity) as string | Buffer });
    onCleanup(() => cp.stop());
    await cp.connect();
    expect(server.get(identity)).toBeDefined();
    const answer = await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    expect(answer.status).toBe('Accepted');
  });

  it('the ocppkit client with a wrong password gets 401 and stops (reconnect off)', async () => {
    const { server, base } = await profile1Server();
    const cp = new v16.Client({ url: base, identity: 'CP_1', password: 'a-password-of-sixteen-', reconnect: false });
    const error = await cp.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(v16.ConnectError);
    expect((error as v16.ConnectError).status).toBe(401);
    expect(server.size).toBe(0);
  });

  it.each([
    ['a wrong password', { Authorization: basicAuthHeader('CP_1', 'a-password-of-sixteen-') }],
    ['a prefix of the password', { Authorization: basicAuthHeader('CP_1', 'a-password') }],
    ['the password with a byte more', { Authorization: basicAuthHeader('CP_1', 'a-password-of-sixteen++') }],
    [
      'another username (with the right password)',
      { Authorization: basicAuthHeader('CP_2', 'a-password-of-sixteen+') },
    ],
    ['no Authorization header', {}],
    ['a garbled header', { Authorization: 'Basic !!not base64!!' }],
    ['another scheme', { Authorization: 'Bearer a-password-of-sixteen+' }],
    ['an empty password', { Authorization: basicAuthHeader('CP_1', '') }],
  ])('%s: 401 with WWW-Authenticate, an empty body and nothing else', async (_name, headers) => {
    const { server, port, refused } = await profile1Server();
    const response = await rawUpgrade(port, '/CP_1', upgrade(headers));
    expect(response.statusLine).toBe('HTTP/1.1 401 Unauthorized');
    expect(response.headers['www-authenticate']).toBe('Basic realm="OCPP", charset="UTF-8"');
    expect(response.headerNames.sort()).toEqual(['connection', 'content-length', 'www-authenticate']);
    expect(response.headers['content-length']).toBe('0');
    expect(response.body.length).toBe(0);
    expect(server.size).toBe(0);
    // the reason stays on the server
    expect(refused).toHaveBeenCalledWith(expect.objectContaining({ status: 401, reason: expect.any(String) }));
  });

  it('an unknown identity: 404, without WWW-Authenticate, whatever the credentials', async () => {
    const { server, port } = await profile1Server();
    for (const headers of [{}, { Authorization: basicAuthHeader('CP_9', 'a-password-of-sixteen+') }]) {
      const response = await rawUpgrade(port, '/CP_9', upgrade(headers));
      expect(response.statusLine).toBe('HTTP/1.1 404 Not Found');
      expect(response.headerNames.sort()).toEqual(['connection', 'content-length']);
      expect(response.body.length).toBe(0);
    }
    expect(server.size).toBe(0);
  });

  it('a ws client sees only the status; the server keeps serving after refusals', async () => {
    const { server, url } = await profile1Server();
    await expect(
      open(url('/CP_1'), 'ocpp1.6', { headers: { Authorization: basicAuthHeader('CP_1', 'wrong-password-0000') } }),
    ).rejects.toThrow('handshake refused: HTTP 401');
    await expect(open(url('/CP_1'), 'ocpp1.6')).rejects.toThrow('handshake refused: HTTP 401');
    await expect(open(url('/nobody'), 'ocpp1.6')).rejects.toThrow('handshake refused: HTTP 404');
    await open(url('/CP_1'), 'ocpp1.6', {
      headers: { Authorization: basicAuthHeader('CP_1', 'a-password-of-sixteen+') },
    });
    expect(server.size).toBe(1);
  });

  it('accepts with state the ChargePoint reads, and refuses with the status the hook chose', async () => {
    const { server, url } = await startServer({
      protocols: { 'ocpp1.6': Csms16 },
      authenticate: async (info) => {
        if (info.identity === 'CP_BLOCKED') return { accept: false, status: 403 };
        const ok = await basicAuth(() => 'a-password-of-sixteen+')(info);
        return ok === true ? { accept: true, state: { tenant: 'acme', identity: info.identity } } : ok;
      },
    });
    const headers = { Authorization: basicAuthHeader('CP_1', 'a-password-of-sixteen+') };
    await open(url('/CP_1'), 'ocpp1.6', { headers });
    expect(server.get('CP_1')?.state).toEqual({ tenant: 'acme', identity: 'CP_1' });
    await expect(open(url('/CP_BLOCKED'), 'ocpp1.6', { headers })).rejects.toThrow('HTTP 403');
  });
});
