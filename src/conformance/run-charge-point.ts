/**
 * Tests a charge point: the kit plays the CSMS. It listens, waits for the charge point to connect and boot, then
 * runs the cases on that connection. When the charge point reconnects (after a Reset, or a drop), the newest
 * connection is used; a case that finds none open waits for the next one.
 */
import type { IncomingMessage } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { csmsAnswers } from './answers.ts';
import { chargePointCases } from './cases/index.ts';
import { chargePointMonitor } from './monitors.ts';
import { runSteps } from './run-case.ts';
import {
  type CommonRunOptions,
  caseContext,
  DEFAULT_HOLD_MS,
  DEFAULT_ID_TAG,
  DEFAULT_TIMEOUT,
  resultOf,
  selectCases,
  skippedResult,
  uniqueCounter,
} from './run-common.ts';
import type { Answer, CaseContext, CaseResult, Problem, RunResult } from './types.ts';
import { loadVersion } from './versions.ts';
import { KitWire } from './wire.ts';

/** Options of `testChargePoint`. */
export interface ChargePointRunOptions extends CommonRunOptions {
  /** The port to listen on (`0`: any free port; read it in `onListening`). Default 9000. */
  readonly port?: number;
  /** The address to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** How long the kit waits for the charge point to connect and boot (first time and after each drop). Default 60 000. */
  readonly connectTimeout?: number;
  /** Called once the kit listens, with the URL a charge point connects to (append its identity). */
  readonly onListening?: (url: string, port: number) => void;
}

/** Runs the charge-point cases of a version against the charge point that connects. */
export async function testChargePoint(options: ChargePointRunOptions): Promise<RunResult> {
  const started = Date.now();
  const { protocol } = options;
  const facts = await loadVersion(protocol);
  const cases = selectCases(chargePointCases(protocol), options.only);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const connectTimeout = options.connectTimeout ?? 60_000;
  const idTag = options.idTag ?? DEFAULT_ID_TAG;
  const unique = uniqueCounter();
  const monitor = chargePointMonitor(protocol);
  let identity = '';
  const defaults = csmsAnswers(protocol, () => identity);
  let overrides: Readonly<Record<string, Answer>> = {};
  let context: CaseContext = caseContext(protocol, identity, idTag, unique);
  const answer = (action: string, payload: Record<string, unknown>) => {
    const override = overrides[action];
    return override === undefined ? defaults(action, payload) : { payload: override(payload, context) };
  };

  const server = new WebSocketServer({
    port: options.port ?? 9000,
    host: options.host ?? '127.0.0.1',
    handleProtocols: (offered) => (offered.has(protocol) ? protocol : false),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  options.onListening?.(`ws://${options.host ?? '127.0.0.1'}:${port}`, port);

  let wire: KitWire | undefined;
  const arrivals = new Set<() => void>();
  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    if (socket.protocol !== protocol) {
      socket.close(1002, 'subprotocol not offered');
      return;
    }
    const last = (request.url ?? '/').split('/').filter(Boolean).pop() ?? '';
    try {
      identity = decodeURIComponent(last);
    } catch {
      identity = last; // a malformed percent-encoding: the identity as written
    }
    wire?.close(1001);
    wire = new KitWire(socket, { facts, kitRole: 'csms', holdMs: options.holdMs ?? DEFAULT_HOLD_MS, answer, monitor });
    for (const arrived of [...arrivals]) arrived();
  });

  /** The open wire, once the charge point on it has sent its BootNotification; undefined on timeout. */
  const bootedWire = async (waitMs = connectTimeout): Promise<KitWire | undefined> => {
    const deadline = Date.now() + waitMs;
    while (wire === undefined || !wire.open) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          arrivals.delete(done);
          resolve();
        }
        arrivals.add(done);
      });
    }
    const current = wire;
    if (current.peerCalls.some((c) => c.action === 'BootNotification')) return current;
    const boot = await current.takeCall('BootNotification', () => true, Math.max(0, deadline - Date.now()));
    if (boot !== undefined) boot.taken = false; // a case may still look at it
    return boot === undefined ? undefined : current;
  };

  const results: CaseResult[] = [];
  let absent = false;
  try {
    for (const [index, testCase] of cases.entries()) {
      if (options.bail === true && results.some((r) => r.verdict === 'failed')) {
        results.push(skippedResult(testCase));
        continue;
      }
      options.onCaseStart?.(testCase, index, cases.length);
      const caseStarted = Date.now();
      const own: Problem[] = [];
      // once the charge point failed to show up, later cases only take one that is there already
      const wasAbsent = absent;
      const current = await bootedWire(absent ? 0 : connectTimeout);
      if (current === undefined) absent = true;
      const frameStart = current?.frames.length ?? 0;
      const problemStart = current?.problems.length ?? 0;
      context = caseContext(protocol, identity, idTag, unique);
      overrides = testCase.answers ?? {};
      if (current === undefined) {
        own.push({
          rule: wasAbsent
            ? 'not run: no charge point is connected (see the first failed case)'
            : `no charge point connected and sent a BootNotification within ${connectTimeout} ms`,
        });
      } else {
        own.push(...(await runSteps(testCase, current, context, timeout, 'charge point', bootedWire)));
        // the answers the kit still holds go out under this case's rules
        await new Promise((resolve) => setTimeout(resolve, options.holdMs ?? DEFAULT_HOLD_MS));
      }
      overrides = {};
      const result = resultOf(testCase, caseStarted, own, current, frameStart, problemStart);
      results.push(result);
      options.onCaseEnd?.(result, index, cases.length);
    }
  } finally {
    wire?.close();
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return {
    side: 'charge-point',
    protocol,
    results,
    durationMs: Date.now() - started,
    passed: results.every((r) => r.verdict !== 'failed'),
  };
}
