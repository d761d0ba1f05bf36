/** The options of `OcppServer`, with the permessage-deflate parameters it passes on to `ws`. */
import type { Server as HttpServer } from 'node:http';
import type { ServerOptions as HttpsOptions, Server as HttpsServer } from 'node:https';
import type { ZlibOptions } from 'node:zlib';
import type { RepeatGuardOptions } from '../endpoint/repeat-guard.ts';
import type { Logger } from '../logger.ts';
import type { HandshakeDecision, HandshakeInfo } from './handshake.ts';
import type { IdentityRule } from './identity.ts';
import type { ChargePointRegistry } from './registry.ts';
import type { ProtocolClasses, ProtocolClassMap, ServedBy } from './served.ts';

/** zlib's options, with a preset dictionary as `ws` takes it. */
export type DeflateZlibOptions = Omit<ZlibOptions, 'dictionary'> & { dictionary?: Buffer | Buffer[] | DataView };

/**
 * The permessage-deflate parameters (RFC 7692) that `ws` takes, declared here so that the published types do not
 * depend on `@types/ws`.
 */
export interface PerMessageDeflateOptions {
  /** The server resets its compression context after each message (less memory, worse ratio). */
  serverNoContextTakeover?: boolean;
  /** The client is asked to reset its compression context after each message. */
  clientNoContextTakeover?: boolean;
  /** The server's LZ77 window, as a power of two (8–15). */
  serverMaxWindowBits?: number;
  /** The client's LZ77 window asked for, as a power of two (8–15). */
  clientMaxWindowBits?: number;
  /** zlib options of compression. */
  zlibDeflateOptions?: DeflateZlibOptions;
  /** zlib options of decompression. */
  zlibInflateOptions?: ZlibOptions;
  /** Payloads smaller than this many bytes are sent uncompressed. `ws` default: 1024. */
  threshold?: number;
  /** How many zlib calls run at once. `ws` default: 10. */
  concurrencyLimit?: number;
}
/**
 * Options of `OcppServer`.
 * @typeParam P the ChargePoint class or factory per subprotocol
 * @typeParam S the state the authentication hook accepts connections with (`context.state` of the factories)
 */
export interface OcppServerOptions<P extends ProtocolClasses = ProtocolClassMap, S = unknown> {
  /**
   * Per subprotocol, the ChargePoint class or a factory `(identity, connection, context) => new MyChargePoint(…)`
   * that hands it the application's services. A class gets `context` as its options. The client's order of
   * preference decides among the subprotocols.
   */
  protocols: P & ProtocolClasses<S>;
  /** Listen on this port (0: any free port). Ignored when `server` is given. */
  port?: number;
  /** Listen on this address. Default: every address (`::` or `0.0.0.0`). Ignored when `server` is given. */
  host?: string;
  /** Attach to an existing http(s) server instead of creating one. */
  server?: HttpServer | HttpsServer;
  /**
   * Serve over TLS (security profiles 2 and 3) with these options: `key`/`cert` (RSA >= 2048 or EC >= 224 bits),
   * and for profile 3 `requestCert: true` with the `ca` that signs charge point certificates. Defaults added:
   * TLS 1.2 or higher, the cipher suites OCPP requires first. Ignored when `server` is given.
   */
  tls?: HttpsOptions;
  /** The endpoint's path; the identity is the one path segment after it. Default `/`. */
  path?: string;
  /**
   * Runs before the upgrade. Default: accept every well-formed handshake. See `basicAuth()`. What it accepts a
   * connection with (`{ accept: true, state }`) is `context.state` for the factory; its type is `S`. Write it
   * before `protocols`: TypeScript reads the options in order, and the factories' `context` gets `S` from it.
   */
  authenticate?: (info: HandshakeInfo) => HandshakeDecision<S> | Promise<HandshakeDecision<S>>;
  /** How long a handshake may take from the upgrade request to the hook's verdict, in ms (then 503). Default 10 s. */
  handshakeTimeout?: number;
  /** Most connections at once; further handshakes are refused with 503. Default 20,000. */
  maxConnections?: number;
  /**
   * Most outbound bytes a connection may have unsent (a peer that stops reading); over it the connection is
   * dropped, so the process's memory stays bounded. Default 4 MiB.
   */
  maxBufferedAmount?: number;
  /**
   * Largest message accepted, in bytes (after decompression); a larger one closes the connection with 1009.
   * Default 1 MiB.
   */
  maxPayload?: number;
  /**
   * permessage-deflate (RFC 7692) for 2.1 connections, which OCPP 2.1 recommends: `true` (the `ws` defaults),
   * the extension's parameters, or `false`. Used only when the client offers it; 1.6 and 2.0.1 connections never compress.
   * Default `false`: compression costs memory and CPU per connection; `maxPayload` applies after decompression.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Longest identity accepted by the default `identityRule`. Default 48 (the 2.x `identifierString` limit). */
  maxIdentityLength?: number;
  /**
   * Which decoded identities may connect; a refused one gets HTTP 400 before the hook runs. Default
   * `isAcceptableIdentity` (per version; see docs/security.md). Replace it for chargers whose identities break it.
   */
  identityRule?: IdentityRule;
  /**
   * The key of an identity in the default registry. Default `identityKey`: NFKC-normalised and lower-cased, so
   * identities that differ only in case or Unicode form are one charge point (2.x identities are case-insensitive).
   */
  identityKey?: (identity: string) => string;
  /**
   * The guard against transaction-related messages handled twice: a CALL that repeats the id of one recently
   * answered, from the same identity (on any of its connections), gets that answer again and never reaches the
   * handler. Its window and bounds, or `false` to turn it off. Default on: 15 minutes, 16 answers per identity,
   * 20,000 identities. See docs/security.md.
   */
  repeatGuard?: RepeatGuardOptions | false;
  /** WebSocket ping interval in ms; a connection that has not answered the previous ping is dropped. 0: off. Default 30 s. */
  pingInterval?: number;
  /** How long a replaced or shut-down connection gets to close before it is terminated, in ms. Default 5 s. */
  closeTimeout?: number;
  /** Where connected charge points are recorded. Default: a `MemoryRegistry`. */
  registry?: ChargePointRegistry<ServedBy<P>>;
  /** Where the server and every connection log. Default: silent. */
  logger?: Logger;
}
