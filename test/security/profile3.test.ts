/**
 * Security profile 3 over wss:// on 127.0.0.1: mutual TLS. The server asks for a client certificate signed by the
 * charge points' CA and refuses the TLS handshake without a valid one; the hook gets the verified certificate,
 * whose CN is the charge point's serial number (not its identity), and maps one to the other.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandshakeDecision, HandshakeInfo } from '../../src/server.ts';
import * as v201 from '../../src/v201/index.ts';
import { Csms201, call, failure, onCleanup, open, startServer } from './helpers.ts';
import { type Authority, type KeyPair, TestPki } from './pki.ts';

let pki: TestPki;
let csmsCa: Authority;
let stationCa: Authority;
let otherCa: Authority;
let server: KeyPair;
let rotatedServer: KeyPair;
let station1: KeyPair;
let station2: KeyPair;
let foreign: KeyPair;
let expired: KeyPair;

beforeAll(() => {
  pki = new TestPki();
  csmsCa = pki.authority('csms-ca');
  stationCa = pki.authority('station-ca');
  otherCa = pki.authority('other-ca');
  server = pki.server('server', csmsCa);
  rotatedServer = pki.server('server-rotated', csmsCa, { type: 'rsa' });
  station1 = pki.client('station-1', stationCa, 'SN-0001');
  station2 = pki.client('station-2', stationCa, 'SN-0002');
  foreign = pki.client('foreign', otherCa, 'SN-0001');
  expired = pki.client('expired', stationCa, 'SN-0001', { expired: true });
});
afterAll(() => pki.dispose());

/** The CSMS's records: which serial number belongs to which identity. */
const SERIAL_OF = new Map([
  ['CS_A', 'SN-0001'],
  ['CS_B', 'SN-0002'],
]);

function authenticateByCertificate(info: HandshakeInfo): HandshakeDecision {
  const serialNumber = info.certificate?.subject?.CN;
  if (!SERIAL_OF.has(info.identity)) return { accept: false, status: 404 };
  if (serialNumber === undefined || SERIAL_OF.get(info.identity) !== serialNumber) return false;
  return { accept: true, state: { serialNumber } };
}

async function profile3Server() {
  const seen: HandshakeInfo[] = [];
  const started = await startServer({
    protocols: { 'ocpp2.0.1': Csms201 },
    tls: { key: server.key, cert: server.cert, ca: stationCa.cert, requestCert: true, rejectUnauthorized: true },
    authenticate: (info) => {
      seen.push(info);
      return authenticateByCertificate(info);
    },
  });
  return { ...started, seen };
}

const withCertificate = (pair: KeyPair) => ({ ca: csmsCa.cert, cert: pair.cert, key: pair.key });

/** How a client sees the server drop its TLS connection after refusing its certificate. */
const DROPPED = /socket hang up|socket disconnected before secure TLS connection/;

describe('security profile 3: mutual TLS', () => {
  it('the hook gets the verified client certificate; its CN (the serial number) is mapped to the identity', async () => {
    const { server: ocpp, url, seen } = await profile3Server();
    const opened = await open(url('/CS_A'), 'ocpp2.0.1', withCertificate(station1));
    const certificate = seen[0]?.certificate;
    expect(certificate?.subject.CN).toBe('SN-0001');
    expect(certificate?.subject.CN).not.toBe(seen[0]?.identity);
    expect(certificate?.issuer.CN).toBe('station-ca');
    expect(certificate?.fingerprint256).toBe(station1.fingerprint256);
    expect(seen[0]?.tls?.version).toBe('TLSv1.3');
    // profile 3 needs no password
    expect(seen[0]?.password).toBeUndefined();
    expect(ocpp.get('CS_A')?.state).toEqual({ serialNumber: 'SN-0001' });
    expect((await call(opened.ws, '1', 'Heartbeat', {}))[0]).toBe(3);
  });

  it('the ocppkit client connects with its certificate and key', async () => {
    const { server: ocpp, base, seen } = await profile3Server();
    const cp = new v201.Client({ url: base, identity: 'CS_B', tls: withCertificate(station2) });
    onCleanup(() => cp.stop());
    await cp.connect();
    expect(seen[0]?.certificate?.subject.CN).toBe('SN-0002');
    expect(ocpp.get('CS_B')?.state).toEqual({ serialNumber: 'SN-0002' });
    expect((await cp.call('Heartbeat', {})).currentTime).toEqual(expect.any(String));
  });

  it('over TLS 1.2 as well', async () => {
    const { seen, url } = await profile3Server();
    const opened = await open(url('/CS_A'), 'ocpp2.0.1', { ...withCertificate(station1), maxVersion: 'TLSv1.2' });
    expect(opened.tls?.version).toBe('TLSv1.2');
    expect(seen[0]?.certificate?.subject.CN).toBe('SN-0001');
  });

  it('a valid certificate of another station is refused by the hook (401); an unknown identity is 404', async () => {
    const { server: ocpp, url } = await profile3Server();
    await expect(open(url('/CS_A'), 'ocpp2.0.1', withCertificate(station2))).rejects.toThrow('HTTP 401');
    await expect(open(url('/CS_X'), 'ocpp2.0.1', withCertificate(station1))).rejects.toThrow('HTTP 404');
    expect(ocpp.size).toBe(0);
  });

  describe('the TLS handshake fails, and the hook never runs, for', () => {
    it('a client without a certificate (ws and the ocppkit client)', async () => {
      const { server: ocpp, url, base, seen } = await profile3Server();
      const error = await failure(url('/CS_A'), 'ocpp2.0.1', { ca: csmsCa.cert });
      expect(error.message).toMatch(/alert certificate required/);
      const tls12 = await failure(url('/CS_A'), 'ocpp2.0.1', { ca: csmsCa.cert, maxVersion: 'TLSv1.2' });
      expect(tls12.message).toMatch(/alert handshake failure/);
      const cp = new v201.Client({ url: base, identity: 'CS_A', tls: { ca: csmsCa.cert }, reconnect: false });
      await expect(cp.connect()).rejects.toBeInstanceOf(v201.ConnectError);
      expect(seen).toEqual([]);
      expect(ocpp.size).toBe(0);
    });

    it('a certificate from another CA (even with the right CN)', async () => {
      const { url, seen } = await profile3Server();
      // node drops the socket without an alert: the client sees the connection end, under TLS 1.3 and 1.2
      const error = await failure(url('/CS_A'), 'ocpp2.0.1', withCertificate(foreign));
      expect(error.message).toMatch(DROPPED);
      const tls12 = await failure(url('/CS_A'), 'ocpp2.0.1', { ...withCertificate(foreign), maxVersion: 'TLSv1.2' });
      expect(tls12.message).toMatch(DROPPED);
      expect(seen).toEqual([]);
      // the same CN from the right CA connects: the issuer is what was refused
      expect(new X509Certificate(foreign.cert).checkIssued(new X509Certificate(otherCa.cert))).toBe(true);
      await open(url('/CS_A'), 'ocpp2.0.1', withCertificate(station1));
      expect(seen.map((info) => info.certificate?.subject.CN)).toEqual(['SN-0001']);
    });

    it('an expired certificate from the right CA', async () => {
      const { base, url, seen } = await profile3Server();
      const error = await failure(url('/CS_A'), 'ocpp2.0.1', withCertificate(expired));
      expect(error.message).toMatch(DROPPED);
      const tls12 = await failure(url('/CS_A'), 'ocpp2.0.1', { ...withCertificate(expired), maxVersion: 'TLSv1.2' });
      expect(tls12.message).toMatch(DROPPED);
      // signed by the charge points' CA, with the right CN: only its dates are wrong
      const certificate = new X509Certificate(expired.cert);
      expect(certificate.checkIssued(new X509Certificate(stationCa.cert))).toBe(true);
      expect(certificate.subject).toContain('CN=SN-0001');
      expect(new Date(certificate.validTo).getTime()).toBeLessThan(Date.now());
      const cp = new v201.Client({ url: base, identity: 'CS_A', tls: withCertificate(expired), reconnect: false });
      await expect(cp.connect()).rejects.toBeInstanceOf(v201.ConnectError);
      expect(seen).toEqual([]);
    });
  });

  it('without rejectUnauthorized the hook sees no certificate for an unverified one, and can refuse', async () => {
    const seen: HandshakeInfo[] = [];
    const { url } = await startServer({
      protocols: { 'ocpp2.0.1': Csms201 },
      tls: { key: server.key, cert: server.cert, ca: stationCa.cert, requestCert: true, rejectUnauthorized: false },
      authenticate: (info) => {
        seen.push(info);
        return authenticateByCertificate(info);
      },
    });
    await expect(open(url('/CS_A'), 'ocpp2.0.1', withCertificate(foreign))).rejects.toThrow('HTTP 401');
    await expect(open(url('/CS_A'), 'ocpp2.0.1', { ca: csmsCa.cert })).rejects.toThrow('HTTP 401');
    expect(seen.map((info) => info.certificate)).toEqual([undefined, undefined]);
    await open(url('/CS_A'), 'ocpp2.0.1', withCertificate(station1));
    expect(seen[2]?.certificate?.subject.CN).toBe('SN-0001');
  });

  it('rotating the server certificate keeps client certificates verified against the charge points CA', async () => {
    const { server: ocpp, url } = await profile3Server();
    const before = await open(url('/CS_A'), 'ocpp2.0.1', withCertificate(station1));
    ocpp.setSecureContext({ key: rotatedServer.key, cert: rotatedServer.cert });
    const after = await open(url('/CS_B'), 'ocpp2.0.1', withCertificate(station2));
    expect(after.peer?.fingerprint256).toBe(rotatedServer.fingerprint256);
    expect(ocpp.get('CS_B')?.state).toEqual({ serialNumber: 'SN-0002' });
    // still refused without a certificate
    await failure(url('/CS_A'), 'ocpp2.0.1', { ca: csmsCa.cert });
    expect((await call(before.ws, '1', 'Heartbeat', {}))[0]).toBe(3);
  });
});
