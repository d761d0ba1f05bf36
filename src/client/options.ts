/** The client's options, their defaults, and what the WebSocket and each connection's endpoint get of them. */
import type { SecureContextOptions } from 'node:tls';
import type { OcppConnection } from '../connection.ts';
import type { EndpointOptions, OcppEndpoint } from '../endpoint.ts';
import type { VersionSide } from '../router.ts';
import type { BackOffOptions, Timers } from './backoff.ts';
import type { QueueOptions } from './queue.ts';

/** TLS settings of a `wss://` connection (security profiles 2 and 3). */
export interface ClientTlsOptions
  extends Pick<SecureContextOptions, 'ca' | 'cert' | 'key' | 'passphrase' | 'pfx' | 'ciphers'> {
  /** Lowest TLS version accepted. Default `TLSv1.2` (what OCPP requires). */
  minVersion?: SecureContextOptions['minVersion'];
  /** Check the server's certificate against `ca` (or the system's CAs). Default `true`; never turn it off in production. */
  rejectUnauthorized?: boolean;
  /** The server name for SNI and the certificate check, when it differs from the URL's host. */
  servername?: string;
}

/** Options of a client. Times in ms. One CALL is on the wire at a time: the message queue relies on it. */
export interface ClientOptions extends Omit<EndpointOptions, 'messageIds' | 'session' | 'maxCallsInFlight'> {
  /** The CSMS's OCPP endpoint (`ws://…` or `wss://…`); the client appends `/` and the percent-encoded identity. */
  url: string;
  /** The charge point's identity. */
  identity: string;
  /**
   * Security profiles 1 and 2: HTTP Basic authentication as `identity:password`. A string is sent as UTF-8; pass
   * bytes for a binary password (e.g. a 1.6 AuthorizationKey decoded from hex, if your CSMS expects the bytes).
   */
  password?: string | Uint8Array;
  /** Security profiles 2 and 3: TLS settings (a custom CA, a client certificate and key). */
  tls?: ClientTlsOptions;
  /** More HTTP headers for the upgrade request. */
  headers?: Readonly<Record<string, string>>;
  /** An attempt that is not open within this time is abandoned (and counts as failed). Default 10 s. */
  connectTimeout?: number;
  /** WebSocket ping interval (2.x WebSocketPingInterval). `0`: no pings. Default 30 s. */
  pingInterval?: number;
  /** No pong within this time after a ping: the connection is terminated and the client reconnects. Default 10 s. */
  pongTimeout?: number;
  /** How long `stop()` waits for the closing handshake before terminating the socket. Default 5 s. */
  closeTimeout?: number;
  /** Reconnect back-off (the 2.x RetryBackOff* variables, in ms). */
  backOff?: BackOffOptions;
  /** Reconnect after a drop or a failed attempt. `false`: the client stops instead. Default `true`. */
  reconnect?: boolean;
  /** The queue of transaction-related messages. */
  queue?: QueueOptions;
  /** Largest frame accepted from the CSMS, in bytes (a larger one closes the connection with 1009). Default 1 MiB. */
  maxPayload?: number;
  /** Offer permessage-deflate (RFC 7692). Default `false`. */
  perMessageDeflate?: boolean;
  /** What reconnects, retries, pings and timeouts are scheduled with. Default: the global timers. */
  timers?: Timers;
  /** The random source of the back-off, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** `idle` (before `connect()`), `connecting`, `open`, `waiting` (for the next attempt), `stopped` (for good). */
export type ClientState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

/** A version's `Csms` class. */
export type ConnectionClass = { readonly versionSide: VersionSide | undefined } & (new (
  identity: string,
  connection: OcppConnection,
  options: EndpointOptions,
) => Pick<OcppEndpoint<never, never, never, never>, 'events' | 'unansweredCalls'>);
/** The defaults of `ClientOptions`' times and sizes. */
export const CLIENT_DEFAULTS = {
  connectTimeout: 10_000,
  pingInterval: 30_000,
  pongTimeout: 10_000,
  closeTimeout: 5_000,
  maxPayload: 1024 * 1024,
} as const;

/** The connection URL: the endpoint without trailing slashes, `/`, the identity percent-encoded (RFC 3986). */
export function connectionUrl(endpoint: string, identity: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${encodeURIComponent(identity)}`;
}

/** Throws a TypeError for an identity or URL the client cannot use. */
export function checkClientOptions(options: ClientOptions): void {
  if (typeof options.identity !== 'string' || options.identity === '') {
    throw new TypeError('options.identity must be a non-empty string');
  }
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new TypeError(`options.url is not a URL: ${JSON.stringify(options.url)}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`options.url must be a ws:// or wss:// URL, not ${parsed.protocol}`);
  }
}

/** What each connection's endpoint gets of the client's options, with `extra` (the handlers, the error hook). */
export function endpointOptionsOf(options: ClientOptions, extra: EndpointOptions): EndpointOptions {
  const endpointOptions: EndpointOptions = { ...extra };
  for (const key of [
    'logger',
    'callTimeout',
    'handlerTimeout',
    'validation',
    'lenientDateTime',
    'maxBadFrames',
    'maxFrameSize',
    'maxConcurrentCalls',
    'maxQueuedCalls',
    'maxUnsentBytes',
  ] as const) {
    if (options[key] !== undefined) (endpointOptions as Record<string, unknown>)[key] = options[key];
  }
  return endpointOptions;
}
