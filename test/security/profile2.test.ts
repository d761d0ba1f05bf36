/**
 * Security profile 2 over wss:// on 127.0.0.1: a server certificate (RSA 2048 or ECDSA P-256) signed by a test CA
 * that the client trusts, TLS 1.2 or higher, the four cipher suites OCPP requires, Basic auth on top, and a
 * certificate rotated without a restart. Certificates are made by openssl for this file and removed after it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClientOptions } from 'ws';
import { basicAuth, basicAuthHeader, type HandshakeInfo, type OcppServerOptions } from '../../src/server.ts';
import * as v201 from '../../src/v201/index.ts';
import { Csms201, call, failure, onCleanup, open, rawUpgrade, startServer } from './helpers.ts';
import { type Authority, type KeyPair, TestPki } from './pki.ts';

const PASSWORD = 'a-password-of-sixteen+';
const authorization = (identity: string) => ({ Authorization: basicAuthHeader(identity, PASSWORD) });

let pki: TestPki;
let ca: Authority;
let otherCa: Authority;
let rsa: KeyPair;
let ec: KeyPair;
let expired: KeyPair;
let rotated: KeyPair;

beforeAll(() => {
  pki = new TestPki();
  ca = pki.authority('csms-ca');
  otherCa = pki.authority('other-ca');
  rsa = pki.server('server-rsa', ca, { type: 'rsa' });
  ec = pki.server('server-ec', ca, { type: 'ec' });
  expired = pki.server('server-expired', ca, { type: 'ec', expired: true });
  rotated = pki.server('server-rotated', ca, { type: 'ec' });
});
afterAll(() => pki.dispose());

/** A profile 2 server: TLS with `pairs` (one certificate, or an RSA and an ECDSA one), Basic auth in the hook. */
async function profile2Server(pairs: KeyPair[], extra: Partial<OcppServerOptions> = {}) {
  const seen: HandshakeInfo[] = [];
  const started = await startServer({
    protocols: { 'ocpp2.0.1': Csms201 },
    tls: { key: pairs.map((p) => p.key), cert: pairs.map((p) => p.cert) },
    authenticate: basicAuth((_identity, info) => {
      seen.push(info);
      return PASSWORD;
    }),
    ...extra,
  });
  return { ...started, seen };
}

describe('security profile 2: TLS and Basic auth', () => {
  it.each([
    ['an RSA 2048', () => rsa],
    ['an ECDSA P-256', () => ec],
  ])('with %s server certificate: a client that trusts the CA connects over TLS 1.3', async (_name, pair) => {
    const { server, url, seen } = await profile2Server([pair()]);
    const opened = await open(url('/CS_1'), 'ocpp2.0.1', { ca: ca.cert, headers: authorization('CS_1') });
    expect(opened.peer?.fingerprint256).toBe(pair().fingerprint256);
    expect(opened.tls?.version).toBe('TLSv1.3');
    expect(seen[0]?.tls).toEqual({ version: 'TLSv1.3', cipher: opened.tls?.cipher });
    expect(seen[0]?.password).toEqual(Buffer.from(PASSWORD));
    // no client certificate was asked for
    expect(seen[0]?.certificate).toBeUndefined();
    expect(server.get('CS_1')).toBeInstanceOf(Csms201);
    expect((await call(opened.ws, '1', 'Heartbeat', {}))[0]).toBe(3);
  });

  it('TLS 1.2 is accepted; the hook sees the version', async () => {
    const { seen, url } = await profile2Server([ec]);
    const opened = await open(url('/CS_1'), 'ocpp2.0.1', {
      ca: ca.cert,
      maxVersion: 'TLSv1.2',
      headers: authorization('CS_1'),
    });
    expect(opened.tls?.version).toBe('TLSv1.2');
    expect(seen[0]?.tls?.version).toBe('TLSv1.2');
  });

  it('TLS 1.1 and 1.0 are refused by the server (protocol version alert); the hook never runs', async () => {
    const { server, url, seen } = await profile2Server([rsa]);
    for (const maxVersion of ['TLSv1.1', 'TLSv1'] as const) {
      const error = await failure(url('/CS_1'), 'ocpp2.0.1', {
        ca: ca.cert,
        minVersion: 'TLSv1',
        maxVersion,
        // let this client offer what OpenSSL 3 would otherwise refuse to send at all
        ciphers: 'DEFAULT@SECLEVEL=0',
        headers: authorization('CS_1'),
      });
      expect(error.message).toMatch(/alert protocol version/i);
    }
    expect(seen).toEqual([]);
    expect(server.size).toBe(0);
  });

  describe('the cipher suites OCPP requires, each negotiable under TLS 1.2', () => {
    const SUITES = [
      ['ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ec'],
      ['ECDHE-ECDSA-AES256-GCM-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ec'],
      ['AES128-GCM-SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'rsa'],
      ['AES256-GCM-SHA384', 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'rsa'],
    ] as const;

    it.each(SUITES)('%s (%s) with the %s certificate', async (suite, _iana, type) => {
      const { url, seen } = await profile2Server([type === 'ec' ? ec : rsa]);
      const opened = await open(url('/CS_1'), 'ocpp2.0.1', {
        ca: ca.cert,
        maxVersion: 'TLSv1.2',
        ciphers: suite,
        headers: authorization('CS_1'),
      });
      expect(opened.tls).toEqual({ version: 'TLSv1.2', cipher: suite });
      expect(seen[0]?.tls).toEqual({ version: 'TLSv1.2', cipher: suite });
    });

    it('one server with both an RSA and an ECDSA certificate offers all four', async () => {
      const { url } = await profile2Server([rsa, ec]);
      for (const [suite, , type] of SUITES) {
        const opened = await open(url(`/CS_${suite}`), 'ocpp2.0.1', {
          ca: ca.cert,
          maxVersion: 'TLSv1.2',
          ciphers: suite,
          headers: authorization(`CS_${suite}`),
        });
        expect(opened.tls?.cipher).toBe(suite);
        expect(opened.peer?.fingerprint256).toBe((type === 'ec' ? ec : rsa).fingerprint256);
        opened.ws.terminate();
      }
    });
  });

  it('the ocppkit client connects with the CA and the password, and is refused with a wrong password', async () => {
    const { server, base } = await profile2Server([ec]);
    const cp = new v201.Client({ url: base, identity: 'CS_CLIENT', password: PASSWORD, tls: { ca: ca.cert } });
    onCleanup(() => cp.stop());
    await cp.connect();
    const answer = await cp.call('BootNotification', {
      chargingStation: { model: 'M', vendorName: 'V' },
      reason: 'PowerUp',
    });
    expect(answer.status).toBe('Accepted');
    expect(server.get('CS_CLIENT')).toBeDefined();

    const wrong = new v201.Client({
      url: base,
      identity: 'CS_WRONG',
      password: 'not-the-password-0000',
      tls: { ca: ca.cert },
      reconnect: false,
    });
    const error = await wrong.connect().catch((e: unknown) => e);
    expect((error as v201.ConnectError).status).toBe(401);
  });

  it('over TLS a refusal is still the bare status: 401 with WWW-Authenticate and an empty body', async () => {
    const { port } = await profile2Server([ec]);
    const response = await rawUpgrade(
      port,
      '/CS_1',
      { 'Sec-WebSocket-Protocol': 'ocpp2.0.1', Authorization: basicAuthHeader('CS_1', 'wrong') },
      { ca: ca.cert, servername: 'localhost' },
    );
    expect(response.statusLine).toBe('HTTP/1.1 401 Unauthorized');
    expect(response.headerNames.sort()).toEqual(['connection', 'content-length', 'www-authenticate']);
    expect(response.body.length).toBe(0);
  });

  it('a hook can insist on TLS: plain ws is refused by a hook that checks info.tls', async () => {
    const authenticate = (info: HandshakeInfo) => info.tls !== undefined && info.tls.version !== 'TLSv1.1';
    const plain = await startServer({ protocols: { 'ocpp2.0.1': Csms201 }, authenticate });
    await expect(open(plain.url('/CS_1'), 'ocpp2.0.1')).rejects.toThrow('HTTP 401');
    const secure = await startServer({
      protocols: { 'ocpp2.0.1': Csms201 },
      tls: { key: ec.key, cert: ec.cert },
      authenticate,
    });
    await open(secure.url('/CS_1'), 'ocpp2.0.1', { ca: ca.cert });
  });

  describe('bad server certificates fail at the client', () => {
    it('a client that trusts another CA, or only the system CAs, refuses the server certificate', async () => {
      const { url, seen } = await profile2Server([ec]);
      const wrongCa = await failure(url('/CS_1'), 'ocpp2.0.1', { ca: otherCa.cert, headers: authorization('CS_1') });
      expect(wrongCa.message).toMatch(/unable to verify the first certificate|unable to get local issuer/i);
      const systemCas = await failure(url('/CS_1'), 'ocpp2.0.1', { headers: authorization('CS_1') });
      expect(systemCas.message).toMatch(/unable to verify the first certificate|unable to get local issuer/i);
      // the ocppkit client, likewise
      const cp = new v201.Client({
        url: url(''),
        identity: 'CS_1',
        password: PASSWORD,
        tls: { ca: otherCa.cert },
        reconnect: false,
      });
      const error = await cp.connect().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(v201.ConnectError);
      expect(seen).toEqual([]);
    });

    it('an expired server certificate is refused, even by a client that trusts its CA', async () => {
      const { url, seen } = await profile2Server([expired]);
      const error = await failure(url('/CS_1'), 'ocpp2.0.1', { ca: ca.cert, headers: authorization('CS_1') });
      expect(error.message).toMatch(/certificate has expired/i);
      expect((error as NodeJS.ErrnoException).code).toBe('CERT_HAS_EXPIRED');
      const cp = new v201.Client({
        url: url(''),
        identity: 'CS_1',
        password: PASSWORD,
        tls: { ca: ca.cert },
        reconnect: false,
      });
      const clientError = await cp.connect().catch((e: unknown) => e);
      expect(clientError).toBeInstanceOf(v201.ConnectError);
      expect(String((clientError as Error).message)).toMatch(/expired/i);
      expect(seen).toEqual([]);
    });

    it('a certificate for another host name is refused', async () => {
      const { url } = await profile2Server([ec]);
      // `ws` hands TLS options through to tls.connect(), SNI name included
      const options: ClientOptions & { servername: string } = {
        ca: ca.cert,
        servername: 'csms.example.com',
        headers: authorization('CS_1'),
      };
      const error = await failure(url('/CS_1'), 'ocpp2.0.1', options);
      expect((error as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });

  it('rotation: setSecureContext() serves a new certificate to new connections; open ones stay up', async () => {
    const { server, url } = await profile2Server([ec]);
    const disconnected = vi.fn();
    server.events.on('disconnect', disconnected);
    const before = await open(url('/CS_OLD'), 'ocpp2.0.1', { ca: ca.cert, headers: authorization('CS_OLD') });
    expect(before.peer?.fingerprint256).toBe(ec.fingerprint256);

    server.setSecureContext({ key: rotated.key, cert: rotated.cert });

    const after = await open(url('/CS_NEW'), 'ocpp2.0.1', { ca: ca.cert, headers: authorization('CS_NEW') });
    expect(after.peer?.fingerprint256).toBe(rotated.fingerprint256);
    expect(rotated.fingerprint256).not.toBe(ec.fingerprint256);
    // the connection made before the rotation still works
    expect((await call(before.ws, 'b1', 'Heartbeat', {}))[0]).toBe(3);
    expect((await call(after.ws, 'a1', 'Heartbeat', {}))[0]).toBe(3);
    expect(server.size).toBe(2);
    expect(disconnected).not.toHaveBeenCalled();
    // the rotated context keeps the TLS floor
    const old = await failure(url('/CS_1'), 'ocpp2.0.1', {
      ca: ca.cert,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    expect(old.message).toMatch(/alert protocol version/i);
  });

  it('setSecureContext() on a server without TLS throws', async () => {
    const { server } = await startServer({ protocols: { 'ocpp2.0.1': Csms201 } });
    expect(() => server.setSecureContext({ key: ec.key, cert: ec.cert })).toThrow(/tls/);
  });
});
