/**
 * The charge-point side: the reference charge point of each version passes every case, and a proxy between it and
 * the kit that spoils one of its messages (a transaction id that changes, a seqNo that jumps, a wrong enum value,
 * two CALLs outstanding, another message id, no answer, a CALLERROR) makes the kit fail with that rule.
 */
import { describe, expect, it } from 'vitest';
import {
  type ReferenceChargePoint,
  type RunResult,
  startReferenceChargePoint,
  testChargePoint,
} from '../../src/conformance/index.ts';
import type { Subprotocol } from '../../src/protocol.ts';
import { type FaultProxy, type Frame, type Rewrite, startRelay } from './fault-proxy.ts';

const PROTOCOLS: readonly Subprotocol[] = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'];

/** Runs the kit against the reference charge point, through a relay that applies `rewrite` to its frames. */
async function run(
  protocol: Subprotocol,
  rewrite: Rewrite | undefined,
  options: { timeout: number; bail?: boolean },
): Promise<{ run: RunResult; planted: number }> {
  let chargePoint: Promise<ReferenceChargePoint> | undefined;
  let relay: Promise<FaultProxy> | undefined;
  try {
    const result = await testChargePoint({
      protocol,
      port: 0,
      holdMs: 20,
      connectTimeout: 5000,
      ...options,
      onListening: (url) => {
        relay = startRelay(url, rewrite === undefined ? {} : { fromDownstream: rewrite });
        chargePoint = relay.then((r) => startReferenceChargePoint({ url: r.url, protocol }));
      },
    });
    return { run: result, planted: (await relay)?.planted() ?? 0 };
  } finally {
    await (await chargePoint)?.stop();
    await (await relay)?.close();
  }
}

const answerTo =
  (actions: string[], spoil: (frame: Frame) => Frame[]): Rewrite =>
  (frame, call) =>
    frame[0] === 3 && call !== undefined && actions.includes(call.action) ? spoil(frame) : undefined;
const request =
  (action: string, where: (payload: Record<string, unknown>) => boolean, spoil: (frame: Frame) => Frame[]): Rewrite =>
  (frame) =>
    frame[0] === 2 && frame[2] === action && where(frame[3] as Record<string, unknown>) ? spoil(frame) : undefined;

function faults(protocol: Subprotocol): { name: string; rewrite: Rewrite; reported: RegExp }[] {
  const v16 = protocol === 'ocpp1.6';
  const stop = v16
    ? request(
        'StopTransaction',
        () => true,
        ([t, id, a, p]) => [
          [t, id, a, { ...(p as object), transactionId: ((p as { transactionId: number }).transactionId ?? 0) + 1000 }],
        ],
      )
    : request(
        'TransactionEvent',
        (p) => p.eventType === 'Ended',
        ([t, id, a, p]) => {
          const payload = p as { transactionInfo: { transactionId: string } };
          return [
            [
              t,
              id,
              a,
              {
                ...payload,
                transactionInfo: {
                  ...payload.transactionInfo,
                  transactionId: `${payload.transactionInfo.transactionId}-changed`,
                },
              },
            ],
          ];
        },
      );
  const list = [
    {
      name: 'a transaction id that changes',
      rewrite: stop,
      reported: v16
        ? /never gave in a StartTransaction answer/
        : /never started: a transaction keeps the id it started with/,
    },
    {
      name: 'a wrong enum value in the answer to a remote start',
      rewrite: answerTo([v16 ? 'RemoteStartTransaction' : 'RequestStartTransaction'], ([t, id, p]) => [
        [t, id, { ...(p as object), status: 'PlantedBogusValue' }],
      ]),
      reported: /breaks its schema: .*status is not one of/,
    },
    {
      name: 'two CALLs outstanding',
      rewrite: request(
        'Heartbeat',
        () => true,
        (f) => [f, [2, 'planted-dup', 'Heartbeat', {}]],
      ),
      reported: /a second CALL \(Heartbeat\)/,
    },
    {
      name: 'an answer with another message id',
      rewrite: answerTo(['ClearCache'], ([t, id, p]) => [[t, `${String(id)}-other`, p]]),
      reported: /with message id ".*-other"/,
    },
    {
      name: 'no answer',
      rewrite: answerTo(['ClearCache'], () => []),
      reported: /no answer to the kit's ClearCache within the case's timeout/,
    },
    {
      name: 'a CALLERROR for a mandatory message',
      rewrite: answerTo([v16 ? 'GetConfiguration' : 'GetVariables'], ([, id]) => [
        [4, id, 'InternalError', 'planted', {}],
      ]),
      reported: /CALLERROR \(InternalError/,
    },
  ];
  if (!v16) {
    list.push({
      name: 'a seqNo that jumps',
      rewrite: request(
        'TransactionEvent',
        (p) => p.eventType === 'Ended',
        ([t, id, a, p]) => [[t, id, a, { ...(p as object), seqNo: (p as { seqNo: number }).seqNo + 5 }]],
      ),
      reported: /seqNo \d+ after \d+ in transaction/,
    });
  }
  return list;
}

describe.each(PROTOCOLS)('%s charge point', (protocol) => {
  it('the reference charge point passes every charge-point case (at least 20)', async () => {
    const { run: result } = await run(protocol, undefined, { timeout: 3000 });
    expect(result.results.filter((r) => r.verdict !== 'passed').map((r) => `${r.id}: ${r.problems[0]?.rule}`)).toEqual(
      [],
    );
    expect(result.results.length).toBeGreaterThanOrEqual(20);
  });

  it.each(faults(protocol))('fails on $name', async ({ name, rewrite, reported }) => {
    // a short timeout only where the fault is silence; elsewhere the fault cuts the wait short itself
    const timeout = name === 'no answer' ? 500 : 5000;
    const { run: result, planted } = await run(protocol, rewrite, { timeout, bail: true });
    expect(planted).toBeGreaterThan(0);
    expect(result.passed).toBe(false);
    const rules = result.results.flatMap((r) => r.problems.map((p) => p.rule)).join('\n');
    expect(rules).toMatch(reported);
  });
});
