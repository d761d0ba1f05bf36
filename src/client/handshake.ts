/**
 * One connection attempt of the client: the WebSocket opened with the client's subprotocol, a connect timeout, and
 * what went wrong put in words (an HTTP status, a refused or switched subprotocol, a timeout), each with the URL.
 */
import { WebSocket, type ClientOptions as WsClientOptions } from 'ws';
import { basicAuthHeader } from '../auth.ts';
import type { Timers } from './backoff.ts';
import { ConnectError, SubprotocolError } from './errors.ts';
import { CLIENT_DEFAULTS, type ClientOptions } from './options.ts';

/** What one attempt needs. */
export interface Attempt {
  readonly url: string;
  readonly protocol: string;
  readonly socketOptions: WsClientOptions;
  readonly timers: Timers;
  readonly connectTimeout: number;
  /** Whether the client ever had a connection (a subprotocol switched since is reported as such). */
  readonly everOpened: boolean;
}

/**
 * Opens a WebSocket to `attempt.url`. Exactly one of `opened` (with the open socket) and `failed` (with a
 * `ConnectError` or `SubprotocolError`) is called, `failed` possibly before this returns. Returns the socket,
 * `undefined` when it could not even be created.
 */
export function openSocket(
  attempt: Attempt,
  opened: (socket: WebSocket) => void,
  failed: (socket: WebSocket | undefined, error: ConnectError) => void,
): WebSocket | undefined {
  const { url, protocol, timers } = attempt;
  let socket: WebSocket;
  try {
    socket = new WebSocket(url, [protocol], attempt.socketOptions);
  } catch (error) {
    failed(undefined, new ConnectError(`Cannot connect to ${url}`, undefined, { cause: error, url }));
    return undefined;
  }
  let failure: ConnectError | undefined;
  let answered: string | undefined;
  const timer = timers.setTimeout(() => {
    failure ??= new ConnectError(`No connection to ${url} within ${attempt.connectTimeout} ms`, undefined, { url });
    socket.terminate();
  }, attempt.connectTimeout);
  const onUpgrade = (response: { headers: Record<string, string | string[] | undefined> }): void => {
    const header = response.headers['sec-websocket-protocol'];
    answered = Array.isArray(header) ? header.join(',') : header;
  };
  const onError = (error: Error): void => {
    if (failure !== undefined) return;
    const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1];
    if (/subprotocol/i.test(error.message)) failure = new SubprotocolError(protocol, answered, attempt.everOpened);
    else if (status !== undefined) {
      const message = `The CSMS refused the connection to ${url}: HTTP ${status}`;
      failure = new ConnectError(message, Number(status), { cause: error, url });
    } else
      failure = new ConnectError(`Connection to ${url} failed: ${error.message}`, undefined, { cause: error, url });
  };
  const onHandshakeClose = (): void => {
    timers.clearTimeout(timer);
    socket.off('upgrade', onUpgrade);
    socket.off('open', onOpen);
    failed(socket, failure ?? new ConnectError(`The connection to ${url} closed before it opened`, undefined, { url }));
  };
  const onOpen = (): void => {
    timers.clearTimeout(timer);
    socket.off('close', onHandshakeClose);
    socket.off('upgrade', onUpgrade);
    if (socket.protocol !== protocol) {
      // ws checks the answer against the offer; this is a guard for a server that answers with none
      failure = new SubprotocolError(protocol, socket.protocol, attempt.everOpened);
      socket.once('close', onHandshakeClose);
      socket.terminate();
      return;
    }
    opened(socket);
  };
  socket.on('upgrade', onUpgrade);
  socket.on('error', onError);
  socket.once('open', onOpen);
  socket.once('close', onHandshakeClose);
  return socket;
}

/** The `ws` options of the client's WebSocket: the Basic-auth header, TLS, the size limit; no redirects. */
export function socketOptions(options: ClientOptions, identity: string): WsClientOptions {
  const headers: Record<string, string> = { ...options.headers };
  if (options.password !== undefined) headers.Authorization = basicAuthHeader(identity, options.password);
  const tls = options.tls ?? {};
  return {
    headers,
    maxPayload: options.maxPayload ?? CLIENT_DEFAULTS.maxPayload,
    perMessageDeflate: options.perMessageDeflate ?? false,
    followRedirects: false,
    ...tls,
    minVersion: tls.minVersion ?? 'TLSv1.2',
  };
}
