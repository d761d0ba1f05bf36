/**
 * The kit is proven to catch faults: a proxy in front of the demo CSMS spoils the answer to one message of the
 * basic session (boot, heartbeat, status, authorize, transaction start, meter values, stop) with one fault, and
 * the kit must fail, for every version, naming the rule the fault breaks. Without a fault the same path passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCsms } from '../../src/conformance/index.ts';
import { createDemoCsms } from '../../src/demo/index.ts';
import type { Subprotocol } from '../../src/protocol.ts';
import { FAULTS, type Fault, startFaultProxy, type Target } from './fault-proxy.ts';

const PROTOCOLS: readonly Subprotocol[] = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'];
const is =
  (name: string): Target =>
  (action) =>
    action === name;
const event =
  (eventType: string): Target =>
  (action, request) =>
    action === 'TransactionEvent' && request.eventType === eventType;

/** The messages of the basic session, per version: which CALL of the kit each one is. */
function session(protocol: Subprotocol): Record<string, Target> {
  const common = {
    boot: is('BootNotification'),
    heartbeat: is('Heartbeat'),
    status: is('StatusNotification'),
    authorize: is('Authorize'),
  };
  return protocol === 'ocpp1.6'
    ? {
        ...common,
        'transaction start': is('StartTransaction'),
        'meter values': is('MeterValues'),
        stop: is('StopTransaction'),
      }
    : {
        ...common,
        'transaction start': event('Started'),
        'meter values': (action, request) => action === 'MeterValues' || event('Updated')(action, request),
        stop: event('Ended'),
      };
}

/**
 * Faults that cannot be planted into the answer to a message: its answer has no enum-valued field (then the
 * wrong-type fault stands for "wrong type or enum value"), or carries no transaction id (1.6 StartTransaction is
 * the one answer that does; 2.x transaction ids are the charge point's, see charge-point-faults.test.ts).
 */
function applicable(protocol: Subprotocol, message: string, fault: Fault): boolean {
  if (fault === 'wrong-enum')
    return !['heartbeat', 'status'].includes(message) && !(protocol === 'ocpp1.6' && message === 'meter values');
  if (fault === 'transaction-id') return protocol === 'ocpp1.6' && message === 'transaction start';
  return true;
}

/** The rule the kit must report for each fault. */
const REPORTED: Record<Fault, RegExp> = {
  'wrong-type': /breaks its schema|malformed frame/,
  'wrong-enum': /breaks its schema: .* is not one of/,
  'undeclared-property': /"plantedUndeclared", which the schema does not declare/,
  'other-message-id': /with message id ".*-other"/,
  'no-answer': /no answer .*within the (case's )?timeout of 300 ms/,
  'two-calls': /a second CALL \(ClearCache\) while an earlier CALL was still unanswered/,
  'transaction-id': /already gave to another transaction/,
  'call-error': /CALLERROR (\()?InternalError/,
};

let demo: ReturnType<typeof createDemoCsms>['server'];
let upstream: string;
beforeAll(async () => {
  demo = createDemoCsms({ port: 0, host: '127.0.0.1' }).server;
  upstream = `ws://127.0.0.1:${(await demo.listen()).port}`;
});
afterAll(() => demo.close());

describe.each(PROTOCOLS)('%s: a fault planted in the answer to a basic-session message fails the kit', (protocol) => {
  it('passes through the proxy when it plants nothing', async () => {
    const proxy = await startFaultProxy(upstream, 'call-error', () => false);
    try {
      const run = await testCsms({ protocol, url: proxy.url, timeout: 2000, holdMs: 20 });
      expect(run.results.filter((r) => r.verdict !== 'passed').map((r) => r.id)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  const combos = Object.keys(session(protocol)).flatMap((message) =>
    FAULTS.filter((fault) => applicable(protocol, message, fault)).map((fault) => ({ message, fault })),
  );
  it.each(combos)('$fault in the answer to $message', async ({ message, fault }) => {
    const proxy = await startFaultProxy(upstream, fault, session(protocol)[message] as Target);
    try {
      // a short timeout only where the fault is silence; elsewhere the fault cuts the wait short itself
      const timeout = fault === 'no-answer' ? 300 : 5000;
      const run = await testCsms({ protocol, url: proxy.url, timeout, holdMs: 20, bail: true });
      expect(proxy.planted()).toBeGreaterThan(0);
      expect(run.passed).toBe(false);
      const failed = run.results.find((r) => r.verdict === 'failed');
      const rules = failed?.problems.map((p) => p.rule).join('\n') ?? '';
      expect(rules).toMatch(REPORTED[fault]);
    } finally {
      await proxy.close();
    }
  });
});
