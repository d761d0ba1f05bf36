/**
 * What carries a server's connections: the http(s) server (its own, or the application's) with the deadlines that
 * keep slow clients from holding sockets, and the `ws` servers that complete the upgrades.
 */
import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import { WebSocketServer } from 'ws';
import type { Subprotocol } from '../protocol.ts';
import { chooseSubprotocol, TLS_DEFAULTS } from './handshake.ts';
import type { OcppServerOptions } from './options.ts';
import type { ProtocolClasses } from './served.ts';
import { ServedSocket } from './socket.ts';

/** The http(s) server of an `OcppServer`. */
export interface HttpTransport {
  http: HttpServer | HttpsServer;
  /** Whether the server created it (and closes it), rather than the application. */
  ownsHttp: boolean;
  /** The TLS context options in use: `tls` with the defaults. */
  secureContext: SecureContextOptions;
}

/** The application's http(s) server, or one created with the handshake deadlines (over TLS with `tls`). */
export function createHttpTransport<P extends ProtocolClasses>(options: OcppServerOptions<P>): HttpTransport {
  const secureContext = options.tls && !options.server ? { ...TLS_DEFAULTS, ...options.tls } : TLS_DEFAULTS;
  if (options.server) return { http: options.server, ownsHttp: false, secureContext };
  const upgradeRequired = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(426).end();
  const handshakeTimeout = options.handshakeTimeout ?? 10_000;
  // A client that sends its upgrade request's headers too slowly (slowloris) is cut off in time too: node checks
  // the headers' deadline every `connectionsCheckingInterval` (30 s by default), so check at least every second.
  const httpOptions = {
    headersTimeout: handshakeTimeout,
    requestTimeout: handshakeTimeout,
    connectionsCheckingInterval: Math.round(Math.min(1000, Math.max(100, handshakeTimeout / 2))),
  };
  const http = options.tls
    ? // a client that never completes the TLS handshake is cut off after the same time (node's default: 120 s)
      createHttpsServer({ ...httpOptions, handshakeTimeout, ...secureContext }, upgradeRequired)
    : createServer(httpOptions, upgradeRequired);
  return { http, ownsHttp: true, secureContext };
}

/**
 * The `ws` servers that complete upgrades, with `ServedSocket`s: one without compression, and one with
 * permessage-deflate for 2.1 connections when it is turned on (`undefined` otherwise).
 */
export function createWebSocketServers<P extends ProtocolClasses>(
  options: OcppServerOptions<P>,
  offered: readonly Subprotocol[],
): { plain: WebSocketServer; deflate: WebSocketServer | undefined } {
  const serverOptions = {
    noServer: true,
    WebSocket: ServedSocket,
    maxPayload: options.maxPayload ?? 1024 * 1024,
    // The protocol was chosen before the upgrade; ws only writes it into the response.
    handleProtocols: (protocols: Set<string>) => chooseSubprotocol([...protocols].join(','), offered) ?? false,
  };
  const deflate = options.perMessageDeflate ?? false;
  return {
    plain: new WebSocketServer({ ...serverOptions, perMessageDeflate: false }),
    deflate:
      deflate !== false && offered.includes('ocpp2.1')
        ? new WebSocketServer({ ...serverOptions, perMessageDeflate: deflate })
        : undefined,
  };
}
