/** Security profiles on the client side: Basic auth (1, 2), TLS with a custom CA (2), client certificates (3). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { basicAuthHeader } from '../../src/auth.ts';
import { type HandshakeInfo, OcppServer } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { HOST, next, startServer } from './helpers.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** The password bytes of a Basic header for `identity`: strip the known `identity:` prefix (a password may hold ':'). */
function passwordOf(info: HandshakeInfo): Buffer | undefined {
  const header = info.request.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64');
  const prefix = Buffer.from(`${info.identity}:`);
  if (!decoded.subarray(0, prefix.length).equals(prefix)) return undefined;
  return decoded.subarray(prefix.length);
}

describe('Basic auth (security profile 1)', () => {
  test.each([
    [
      'a text password with colons',
      'pa:ss:word-with-colons-0123456789',
      Buffer.from('pa:ss:word-with-colons-0123456789'),
    ],
    [
      'a binary password (1.6 AuthorizationKey bytes)',
      Buffer.from('00ff3a80105a3a00c3a9ffee0102030405060708', 'hex'),
      Buffer.from('00ff3a80105a3a00c3a9ffee0102030405060708', 'hex'),
    ],
  ])('%s', async (_name, password, expected) => {
    const seen: Buffer[] = [];
    const { server, url } = await startServer({ 'ocpp1.6': v16.ChargePoint }, (info) => {
      const presented = passwordOf(info);
      if (presented) seen.push(presented);
      return presented?.equals(expected) === true;
    });
    cleanup.push(() => server.close());
    const cp = new v16.Client({ url, identity: 'CP:01', password });
    cleanup.push(() => cp.stop());
    await cp.connect();
    expect(seen).toEqual([expected]);
    expect(server.get('CP:01')).toBeDefined();
  });

  test('the header is Basic base64(identity:password); a wrong password gets HTTP 401', async () => {
    expect(basicAuthHeader('CP1', 'a:b')).toBe(`Basic ${Buffer.from('CP1:a:b').toString('base64')}`);
    expect(basicAuthHeader('CP1', new Uint8Array([0, 255]))).toBe(
      `Basic ${Buffer.concat([Buffer.from('CP1:'), Buffer.from([0, 255])]).toString('base64')}`,
    );
    const { server, url } = await startServer(
      { 'ocpp1.6': v16.ChargePoint },
      (info) => passwordOf(info)?.equals(Buffer.from('right-password-000000')) === true,
    );
    cleanup.push(() => server.close());
    const cp = new v16.Client({ url, identity: 'CP2', password: 'wrong-password-000000', reconnect: false });
    const failed = next(cp, 'connect:error');
    await expect(cp.connect()).rejects.toBeInstanceOf(v16.ConnectError);
    expect(((await failed).error as v16.ConnectError).status).toBe(401);
    expect(cp.state).toBe('stopped');
  });
});

describe('TLS (security profiles 2 and 3)', () => {
  let dir = '';
  const pem = (name: string) => readFileSync(join(dir, name));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ocppkit-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ocppkit test CA');
    const issue = (name: string, subject: string, extensions: string) => {
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      );
    };
    issue('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    issue('client', '/CN=SERIAL-0001', 'extendedKeyUsage=clientAuth\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function tlsServer(requireClientCertificate: boolean, authenticate: (info: HandshakeInfo) => boolean) {
    const https: HttpsServer = createHttpsServer({
      key: pem('server.key'),
      cert: pem('server.crt'),
      ca: pem('ca.crt'),
      requestCert: true,
      rejectUnauthorized: requireClientCertificate,
      minVersion: 'TLSv1.2',
    });
    const server = new OcppServer({
      protocols: { 'ocpp2.0.1': v201.ChargePoint },
      server: https,
      pingInterval: 0,
      authenticate,
    });
    await new Promise<void>((resolve) => https.listen(0, HOST, resolve));
    cleanup.push(async () => {
      await server.close();
      await new Promise((resolve) => https.close(resolve));
    });
    return { server, url: `wss://${HOST}:${(https.address() as AddressInfo).port}` };
  }

  test('profile 2: TLS with a custom CA and Basic auth', async () => {
    const { server, url } = await tlsServer(false, (info) => {
      const socket = info.request.socket as TLSSocket;
      return socket.encrypted && passwordOf(info)?.toString() === 'a-password-of-16-or-more';
    });
    const cp = new v201.Client({
      url,
      identity: 'TLS2',
      password: 'a-password-of-16-or-more',
      tls: { ca: pem('ca.crt') },
    });
    cleanup.push(() => cp.stop());
    await cp.connect();
    expect(server.get('TLS2')).toBeDefined();
    // a round trip over TLS (the bare ChargePoint class answers NotSupported)
    await expect(cp.call('Heartbeat')).rejects.toMatchObject({ code: 'NotSupported' });
  });

  test('profile 2: without the CA the server certificate is refused', async () => {
    const { url } = await tlsServer(false, () => true);
    const cp = new v201.Client({ url, identity: 'TLS2B', password: 'a-password-of-16-or-more', reconnect: false });
    const error = await cp.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(v201.ConnectError);
    expect((error as Error).message).toMatch(/self[- ]signed|unable to (get|verify)/i);
  });

  test('profile 3: a client certificate; the hook sees its CN (the serial number)', async () => {
    const subjects: string[] = [];
    const { server, url } = await tlsServer(true, (info) => {
      const socket = info.request.socket as TLSSocket;
      const certificate = socket.getPeerCertificate();
      subjects.push(String(certificate.subject?.CN));
      return socket.authorized;
    });
    const cp = new v201.Client({
      url,
      identity: 'TLS3',
      tls: { ca: pem('ca.crt'), cert: pem('client.crt'), key: pem('client.key') },
    });
    cleanup.push(() => cp.stop());
    await cp.connect();
    expect(subjects).toEqual(['SERIAL-0001']);
    expect(server.get('TLS3')).toBeDefined();
  });

  test('profile 3: without a client certificate the TLS handshake fails', async () => {
    const { url } = await tlsServer(true, () => true);
    const cp = new v201.Client({ url, identity: 'TLS3B', tls: { ca: pem('ca.crt') }, reconnect: false });
    const error = await cp.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(v201.ConnectError);
  });
});
