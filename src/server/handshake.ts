/**
 * The checks of a handshake before the upgrade: the identity in the path, the subprotocol, the application's
 * authentication hook and its verdict, and how a refusal is written (an HTTP status and nothing else). Also the
 * TLS defaults of a server created with `tls`.
 */
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { DEFAULT_CIPHERS, type PeerCertificate, TLSSocket } from 'node:tls';
import { basicAuthPassword, secretsEqual } from '../auth.ts';
import type { Subprotocol } from '../protocol.ts';
import { isThenable, withDeadline } from '../util.ts';

/** What the hook sees of a handshake, before the upgrade. */
export interface HandshakeInfo {
  /** The charge point's identity, decoded from the path. */
  identity: string;
  /** The subprotocol the server chose. */
  protocol: Subprotocol;
  /** The upgrade request. */
  request: IncomingMessage;
  /** The upgrade request's headers. */
  headers: IncomingMessage['headers'];
  /** The client's IP address. */
  remoteAddress: string | undefined;
  /**
   * The Basic-auth password (security profiles 1 and 2), as bytes: `undefined` when the `Authorization` header is
   * missing or garbled, names another user than the identity, or carries an empty password.
   */
  password: Buffer | undefined;
  /** Over TLS: the negotiated version and cipher. */
  tls: { version: string | null; cipher: string } | undefined;
  /**
   * Over TLS with `requestCert` (security profile 3): the client certificate the server verified. Its subject CN is
   * the charge point's serial number, not its identity: map one to the other in the hook.
   */
  certificate: PeerCertificate | undefined;
}

/** The hook accepts a connection, with its state if it likes. */
export interface HandshakeAcceptance<S = unknown> {
  /** `true`: the upgrade goes ahead. */
  accept: true;
  /** The connection's state: `context.state` for the ChargePoint factory, `chargePoint.state` after. */
  state?: S;
  /** @deprecated Renamed `state`; used when `state` is not given. */
  session?: S;
}

/** The hook refuses a connection with an HTTP status (default 401) and, if it likes, headers. */
export interface HandshakeRefusal {
  /** `false`: the upgrade is refused with `status`. */
  accept: false;
  /** The HTTP status sent; default 401 (with `WWW-Authenticate: Basic` unless `headers` say otherwise). */
  status?: number;
  /** Headers sent with the status. */
  headers?: Record<string, string>;
}

/**
 * The hook's verdict: accept (optionally with the connection's state), or refuse with an HTTP status (default 401,
 * sent with `WWW-Authenticate: Basic` unless `headers` say otherwise). `true` accepts, `false` refuses with 401. The
 * client learns the status and nothing else.
 * @typeParam S the type of the state: what the ChargePoint factory gets as `context.state`
 */
export type HandshakeDecision<S = unknown> = boolean | HandshakeAcceptance<S> | HandshakeRefusal;

/** A verdict read: accepted with its state, or refused with the status and headers to send. */
export type Verdict<S> =
  | { accept: true; state: S | undefined }
  | { accept: false; status: number; headers: Record<string, string> | undefined };

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="OCPP", charset="UTF-8"' };

/**
 * What a decision says, defaults applied: `false` and a refusal without status are 401 with a Basic challenge.
 * Throws on anything that is not a decision (a hook written in JavaScript that returns nothing): never accepted.
 */
export function readDecision<S>(decision: HandshakeDecision<S>): Verdict<S> {
  if (decision === true) return { accept: true, state: undefined };
  if (decision === false) return { accept: false, status: 401, headers: BASIC_CHALLENGE };
  if (typeof decision !== 'object' || decision === null) {
    throw new TypeError(`the authentication hook returned ${String(decision)}, not a decision`);
  }
  if (decision.accept) return { accept: true, state: decision.state ?? decision.session };
  const status = decision.status ?? 401;
  return { accept: false, status, headers: decision.headers ?? (status === 401 ? BASIC_CHALLENGE : undefined) };
}

const TIMED_OUT = Symbol('timed out');
const timedOut = (): typeof TIMED_OUT => TIMED_OUT;

/** Runs the hook and reads its verdict; `undefined` when it has not answered within `timeout` ms. */
export async function askHook<S>(
  hook: (info: HandshakeInfo) => HandshakeDecision<S> | Promise<HandshakeDecision<S>>,
  info: HandshakeInfo,
  timeout: number,
): Promise<Verdict<S> | undefined> {
  const pending = hook(info);
  const decision = isThenable(pending) ? await withDeadline(pending, timeout, timedOut) : pending;
  return decision === TIMED_OUT ? undefined : readDecision(decision);
}

/** Writes the status line and nothing else: a refusal never says why. */
export function writeRefusal(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', 'Content-Length: 0'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Reads the identity from a request path under `base`; `undefined` when the path is not ours. */
export function identityFromPath(url: string, base: string): string | null | undefined {
  const path = url.split('?', 1)[0] as string;
  const prefix = base.endsWith('/') ? base : `${base}/`;
  if (!path.startsWith(prefix)) return undefined;
  const segment = path.slice(prefix.length);
  if (segment === '' || segment.includes('/')) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The subprotocols a client offered in its `Sec-WebSocket-Protocol` header, in its order of preference. */
export function offeredSubprotocols(header: string | undefined): string[] {
  if (!header) return [];
  const offered: string[] = [];
  for (const candidate of header.split(',')) {
    const name = candidate.trim();
    if (name !== '') offered.push(name);
  }
  return offered;
}

/** Picks the client's most preferred subprotocol that the server offers. */
export function chooseSubprotocol(header: string | undefined, offered: readonly string[]): Subprotocol | undefined {
  return offeredSubprotocols(header).find((name) => offered.includes(name)) as Subprotocol | undefined;
}

/** What the hook is given of a handshake. */
export function handshakeInfo(request: IncomingMessage, identity: string, protocol: Subprotocol): HandshakeInfo {
  const socket = request.socket;
  const secure = socket instanceof TLSSocket ? socket : undefined;
  const certificate = secure?.authorized ? secure.getPeerCertificate() : undefined;
  return {
    identity,
    protocol,
    request,
    headers: request.headers,
    remoteAddress: socket.remoteAddress,
    password: basicAuthPassword(request.headers.authorization, identity),
    tls: secure ? { version: secure.getProtocol(), cipher: secure.getCipher().name } : undefined,
    certificate: certificate && Object.keys(certificate).length > 0 ? certificate : undefined,
  };
}

/** Node's defaults, with the suites OCPP requires (ECDHE-ECDSA and RSA with AES-GCM) first, over TLS 1.2+. */
export const TLS_DEFAULTS: HttpsOptions = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'AES128-GCM-SHA256',
    'AES256-GCM-SHA384',
    DEFAULT_CIPHERS,
  ].join(':'),
};

/**
 * An `authenticate` hook for security profiles 1 and 2: `passwordOf(identity)` gives the expected password
 * (bytes or text), or `undefined` for an unknown identity (refused with 404). A missing, garbled or wrong password,
 * or a username other than the identity, is refused with 401. Passwords are compared in constant time. It accepts
 * with no state (`true`): wrap it to attach some, its verdict fits a hook of any state type.
 */
export function basicAuth(
  passwordOf: (
    identity: string,
    info: HandshakeInfo,
  ) => Buffer | string | undefined | Promise<Buffer | string | undefined>,
): (info: HandshakeInfo) => Promise<boolean | HandshakeRefusal> {
  return async (info) => {
    const expected = await passwordOf(info.identity, info);
    if (expected === undefined) return { accept: false, status: 404 };
    return info.password !== undefined && secretsEqual(info.password, expected);
  };
}
