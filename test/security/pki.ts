/**
 * A throw-away PKI for the TLS tests, made with the `openssl` command line in a temporary directory (removed by
 * `dispose()`): certificate authorities, server certificates (RSA 2048 or ECDSA P-256) for 127.0.0.1, and client
 * certificates whose CN is a serial number. An expired certificate is issued with `openssl ca -startdate/-enddate`
 * (OpenSSL 3.0's `x509` cannot date a certificate in the past). No key ever leaves the temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyType = 'rsa' | 'ec';

/** A certificate and its private key, PEM. */
export interface KeyPair {
  key: Buffer;
  cert: Buffer;
  /** SHA-256 of the DER certificate, colon-separated upper-case hex (as `getPeerCertificate().fingerprint256`). */
  fingerprint256: string;
}

export interface Authority extends KeyPair {
  name: string;
}

const SERVER_EXTENSIONS = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
];
const CLIENT_EXTENSIONS = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=clientAuth',
];

function keyOptions(type: KeyType): string[] {
  return type === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'ocppkit-security-'));
  #serial = 1;

  #openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  #pair(name: string): KeyPair {
    const cert = readFileSync(join(this.dir, `${name}.crt`));
    return { key: readFileSync(join(this.dir, `${name}.key`)), cert, fingerprint256: fingerprint(cert) };
  }

  /** A self-signed certificate authority (ECDSA P-256), valid for two days. */
  authority(name: string): Authority {
    this.#openssl(
      'req',
      '-x509',
      ...keyOptions('ec'),
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/O=ocppkit tests/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    return { name, ...this.#pair(name) };
  }

  /** A server certificate for 127.0.0.1 and localhost. */
  server(name: string, ca: Authority, options: { type?: KeyType; expired?: boolean } = {}): KeyPair {
    return this.#issue(name, ca, '/CN=localhost', SERVER_EXTENSIONS, options.type ?? 'ec', options.expired ?? false);
  }

  /** A charge point's client certificate; its CN is the charge point's serial number. */
  client(name: string, ca: Authority, serialNumber: string, options: { expired?: boolean } = {}): KeyPair {
    return this.#issue(
      name,
      ca,
      `/O=ocppkit tests/CN=${serialNumber}`,
      CLIENT_EXTENSIONS,
      'ec',
      options.expired ?? false,
    );
  }

  #issue(name: string, ca: Authority, subject: string, extensions: string[], type: KeyType, expired: boolean) {
    writeFileSync(join(this.dir, `${name}.ext`), `${extensions.join('\n')}\n`);
    this.#openssl(
      'req',
      '-new',
      ...keyOptions(type),
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    );
    const signer = [`${ca.name}.crt`, `${ca.name}.key`];
    if (!expired) {
      this.#openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        signer[0] as string,
        '-CAkey',
        signer[1] as string,
        '-set_serial',
        String(this.#serial++),
        '-days',
        '2',
        '-sha256',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      );
      return this.#pair(name);
    }
    // Valid for one day in 2020: `openssl ca` takes explicit dates, which it needs a small database for.
    const db = join(this.dir, `${name}.db`);
    mkdirSync(db);
    writeFileSync(join(db, 'index.txt'), '');
    writeFileSync(join(db, 'serial'), `${(this.#serial++).toString(16).padStart(2, '0')}\n`);
    writeFileSync(
      join(db, 'ca.cnf'),
      [
        '[ca]',
        'default_ca = test',
        '[test]',
        `database = ${join(db, 'index.txt')}`,
        `new_certs_dir = ${db}`,
        `serial = ${join(db, 'serial')}`,
        'default_md = sha256',
        'policy = any',
        'unique_subject = no',
        '[any]',
        'organizationName = optional',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    this.#openssl(
      'ca',
      '-batch',
      '-notext',
      '-config',
      join(db, 'ca.cnf'),
      '-cert',
      signer[0] as string,
      '-keyfile',
      signer[1] as string,
      '-in',
      `${name}.csr`,
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200102000000Z',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
    return this.#pair(name);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** As `getPeerCertificate().fingerprint256`. */
export function fingerprint(cert: Buffer): string {
  return new X509Certificate(cert).fingerprint256;
}
