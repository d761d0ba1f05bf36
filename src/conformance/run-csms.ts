/**
 * Tests a CSMS: the kit plays a charge point. Each case runs on an open, booted connection (a `fresh` case on a
 * new one without the boot); after a failed case the kit connects anew, so one failure does not spill into the
 * next case.
 */
import WebSocket from 'ws';
import type { OcppConnection } from '../connection.ts';
import type { Subprotocol } from '../protocol.ts';
import { chargePointAnswer } from './answers.ts';
import { bootRequest } from './cases/common.ts';
import { csmsCases } from './cases/index.ts';
import { csmsMonitor } from './monitors.ts';
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
import type { CaseResult, Problem, RunResult } from './types.ts';
import { loadVersion } from './versions.ts';
import { KitWire } from './wire.ts';

/** Options of `testCsms`. */
export interface CsmsRunOptions extends CommonRunOptions {
  /** The CSMS's OCPP endpoint; the kit appends `/` and the percent-encoded identity. Needed unless `connect` is given. */
  readonly url?: string;
  /** The identity the kit connects as. Default `OCPPKIT-CONFORMANCE`. */
  readonly identity?: string;
  /** Security profile 1/2: the password for HTTP Basic authentication. */
  readonly password?: string;
  /**
   * Opens a connection to the CSMS instead of a WebSocket to `url`: for an in-process CSMS (see
   * `createConnectionPair` of `ocppkit/testing`). Called once per connection the kit needs.
   */
  readonly connect?: (identity: string, protocol: Subprotocol) => OcppConnection | Promise<OcppConnection>;
}

/** Opens a WebSocket to `url/identity` offering `protocol`; rejects when the CSMS does not accept it. */
export function openWebSocket(
  url: string,
  identity: string,
  protocol: Subprotocol,
  password: string | undefined,
  timeout: number,
): Promise<OcppConnection> {
  const headers: Record<string, string> =
    password === undefined
      ? {}
      : { authorization: `Basic ${Buffer.from(`${identity}:${password}`).toString('base64')}` };
  const socket = new WebSocket(`${url.replace(/\/+$/, '')}/${encodeURIComponent(identity)}`, [protocol], {
    headers,
    handshakeTimeout: timeout,
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      if (socket.protocol === protocol) resolve(socket);
      else {
        socket.terminate();
        reject(new Error(`the CSMS did not accept the subprotocol ${protocol} (it answered "${socket.protocol}")`));
      }
    });
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate();
      reject(new Error(`the CSMS refused the connection with HTTP ${String(response.statusCode)}`));
    });
    socket.once('error', (error) => reject(error));
  });
}

/** Runs the CSMS cases of a version against a CSMS. */
export async function testCsms(options: CsmsRunOptions): Promise<RunResult> {
  const started = Date.now();
  const { protocol } = options;
  const facts = await loadVersion(protocol);
  const cases = selectCases(csmsCases(protocol), options.only);
  const identity = options.identity ?? 'OCPPKIT-CONFORMANCE';
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const idTag = options.idTag ?? DEFAULT_ID_TAG;
  const unique = uniqueCounter();
  const monitor = csmsMonitor(protocol);
  const connect = async (): Promise<OcppConnection> => {
    if (options.connect !== undefined) return await options.connect(identity, protocol);
    if (options.url === undefined) throw new TypeError('testCsms needs a url or a connect function');
    return await openWebSocket(options.url, identity, protocol, options.password, timeout);
  };
  const results: CaseResult[] = [];
  let wire: KitWire | undefined;
  let booted = false;
  let unreachable: string | undefined;
  for (const [index, testCase] of cases.entries()) {
    if (options.bail === true && results.some((r) => r.verdict === 'failed')) {
      results.push(skippedResult(testCase));
      continue;
    }
    options.onCaseStart?.(testCase, index, cases.length);
    const caseStarted = Date.now();
    const own: Problem[] = [];
    if (unreachable !== undefined) {
      // a CSMS the kit could not reach: the remaining cases fail at once rather than each waiting again
      const result = resultOf(
        testCase,
        caseStarted,
        [{ rule: `not run: the kit could not connect (${unreachable})` }],
        undefined,
        0,
        0,
      );
      results.push(result);
      options.onCaseEnd?.(result, index, cases.length);
      continue;
    }
    if (testCase.fresh === true || wire === undefined || !wire.open) {
      wire?.close();
      wire = undefined;
      booted = false;
      try {
        wire = new KitWire(await connect(), {
          facts,
          kitRole: 'charge-point',
          holdMs: options.holdMs ?? DEFAULT_HOLD_MS,
          answer: chargePointAnswer,
          monitor,
        });
      } catch (error) {
        own.push({ rule: `could not connect: ${(error as Error).message}` });
        unreachable ??= (error as Error).message;
      }
    }
    const frameStart = wire?.frames.length ?? 0;
    const problemStart = wire?.problems.length ?? 0;
    const context = caseContext(protocol, identity, idTag, unique);
    if (wire !== undefined && testCase.fresh !== true && !booted) {
      const reply = await wire.call('BootNotification', bootRequest(protocol), timeout);
      if (reply?.type === 'result' && reply.payload.status === 'Accepted') booted = true;
      else {
        own.push({
          rule: `before the case, the kit's BootNotification was not accepted (${reply === undefined ? (wire.open ? `no answer within the timeout of ${timeout} ms` : 'the connection closed') : reply.type === 'error' ? `CALLERROR ${reply.code}` : `status ${String(reply.payload.status)}`}): the CSMS must accept the identity ${identity}`,
          requirement: protocol === 'ocpp1.6' ? 'OCPP 1.6 4.2' : 'B01',
        });
      }
    }
    if (wire !== undefined && own.length === 0 && wire.problems.length === problemStart) {
      own.push(...(await runSteps(testCase, wire, context, timeout, 'CSMS')));
    }
    const result = resultOf(testCase, caseStarted, own, wire, frameStart, problemStart);
    if (result.verdict === 'failed' || testCase.fresh === true) {
      wire?.close();
      wire = undefined;
    }
    results.push(result);
    options.onCaseEnd?.(result, index, cases.length);
  }
  wire?.close();
  return {
    side: 'csms',
    protocol,
    results,
    durationMs: Date.now() - started,
    passed: results.every((r) => r.verdict !== 'failed'),
  };
}
