/**
 * Fuzzing the CSMS-side ChargePoint of each version over the in-memory pair (fast-check).
 *
 * Properties, per version:
 * - no exception escapes the endpoint (process `uncaughtException` / `unhandledRejection` guards stay silent);
 * - every CALL-shaped frame gets exactly one CALLRESULT or CALLERROR with its id (or "-1"), of the class the
 *   oracle in model.ts derives from OCPP-J-RULES.md, with a code from the version's sendable table; every other
 *   frame (CALLRESULT, CALLERROR, CALLRESULTERROR, SEND, unknown message types) gets no reply, except that on 2.1 a
 *   failing CALLRESULT to our own call gets one CALLRESULTERROR;
 * - our own outgoing CALL settles as the first answer with its id says, once;
 * - the endpoint keeps answering valid CALLs afterwards (maxBadFrames is set high here; the 1008 rule has its own
 *   tests in test/runtime).
 *
 * CI size: FUZZ_RUNS bursts per version (default 2000; each burst is 1–6 frames), plus half as many bursts that
 * answer our own call and a quarter as many byte-level frames. Long run: `npm run test:fuzz:long`
 * (FUZZ_RUNS=200000 unless set). FUZZ_SEED replays a run; a failure prints its seed and path.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CallError, ConnectionClosedError } from '../../src/errors.ts';
import { createConnectionPair, type MemoryConnection } from '../../src/testing.ts';
import { burstArb, frameBytes, frameText, idArb, ownAnswer } from './arbitraries.ts';
import {
  buildPayload,
  type ExpectedReply,
  type FuzzVersion,
  matchReplies,
  type OwnCall,
  replyShapeProblem,
  simulate,
  VERSIONS,
} from './model.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED =
  process.env.FUZZ_SEED === undefined ? Date.now() ^ (Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
/** Per test: generous for the CI size on a busy machine, scaled for long runs. */
const timeoutFor = (runs: number) => 60_000 + runs * 10;

const OWN_ID = 'own-call-1';
const PROBE = [2, 'probe', 'BootNotification'] as const;

// ---------------------------------------------------------------- guards

const escaped: string[] = [];
const onUncaught = (error: unknown) => escaped.push(`uncaughtException: ${String((error as Error)?.stack ?? error)}`);
const onUnhandled = (error: unknown) => escaped.push(`unhandledRejection: ${String((error as Error)?.stack ?? error)}`);
beforeAll(() => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUnhandled);
});

/**
 * Run one case with the guards armed: whatever escaped while it ran fails it (before any other failure of the
 * case, which an escaped exception usually explains).
 */
async function guarded(run: () => Promise<void>): Promise<void> {
  escaped.length = 0;
  let failure: unknown;
  try {
    await run();
  } catch (error) {
    failure = error;
  }
  // an unhandled rejection is reported after the microtask queue drains
  await turn();
  if (escaped.length > 0) {
    const all = escaped.splice(0);
    throw new Error(`an exception escaped the endpoint:\n${all.join('\n')}`, { cause: failure });
  }
  if (failure !== undefined) throw failure;
}

// ---------------------------------------------------------------- harness

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Harness {
  cp: InstanceType<FuzzVersion['Csms']>;
  peer: MemoryConnection;
  received: string[];
}

function harness(v: FuzzVersion, messageIds?: () => string): Harness {
  const [endpointSide, peer] = createConnectionPair({ protocol: v.protocol });
  const received: string[] = [];
  peer.on('message', (data: unknown) => received.push(String(data)));
  const cp = new v.Csms('FUZZ-1', endpointSide, {
    maxBadFrames: 1_000_000,
    handlerTimeout: 10_000,
    callTimeout: 0,
    ...(messageIds === undefined ? {} : { messageIds }),
  });
  return { cp, peer, received };
}

/** Wait until `count` frames arrived (or give up after many turns), then a few turns more to catch extra ones. */
async function settle(received: readonly string[], count: number): Promise<void> {
  for (let i = 0; i < 200 && received.length < count; i++) await turn();
  for (let i = 0; i < 3; i++) await turn();
}

function parseReplies(v: FuzzVersion, texts: readonly string[], allowType5: boolean): unknown[][] {
  return texts.map((text) => {
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      throw new Error(`the endpoint sent a frame that is not JSON: ${text}`);
    }
    const problem = replyShapeProblem(v, reply, allowType5);
    if (problem !== undefined) throw new Error(`malformed reply ${text}: ${problem}`);
    return reply as unknown[];
  });
}

function assertReplies(
  v: FuzzVersion,
  expected: readonly ExpectedReply[],
  received: readonly string[],
  classes: readonly string[],
  allowType5 = false,
): void {
  const replies = parseReplies(v, received, allowType5);
  const problems = matchReplies(expected, replies);
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\nframes classified as: ${classes.join(' | ')}`);
}

/** A valid sync CALL still gets its CALLRESULT. */
async function probe(v: FuzzVersion, h: Harness): Promise<void> {
  if (h.cp.closed) throw new Error('the endpoint closed');
  const template = v.templates.find((t) => t.action === PROBE[2]);
  if (template === undefined) throw new Error('no BootNotification template');
  h.received.length = 0;
  h.peer.send(JSON.stringify([PROBE[0], PROBE[1], PROBE[2], buildPayload(template, 0)]));
  await settle(h.received, 1);
  if (h.received.length !== 1) throw new Error(`probe: expected one reply, got ${JSON.stringify(h.received)}`);
  const reply = JSON.parse(h.received[0] as string) as unknown[];
  if (reply[0] !== 3 || reply[1] !== 'probe') throw new Error(`probe answered ${h.received[0]}`);
}

async function burst(v: FuzzVersion, texts: readonly string[]): Promise<void> {
  const h = harness(v);
  try {
    const { replies, classes } = simulate(v, texts);
    for (const text of texts) h.peer.send(text);
    await settle(h.received, replies.length);
    assertReplies(v, replies, h.received, classes);
    await probe(v, h);
  } finally {
    await h.cp.close();
  }
}

type CallState = { kind: 'pending' } | { kind: 'resolved'; value: unknown } | { kind: 'rejected'; error: unknown };

async function answersToOwnCall(v: FuzzVersion, texts: readonly string[]): Promise<void> {
  const h = harness(v, () => OWN_ID);
  let state: CallState = { kind: 'pending' };
  // read through a function: TypeScript would keep the narrowing of the initialiser across the awaits
  const current = (): CallState => state;
  let settlements = 0;
  try {
    const call = h.cp.call.bind(h.cp) as unknown as (action: string, payload: object) => Promise<unknown>;
    call(v.ownCall.action, v.ownCall.payload).then(
      (value) => {
        settlements++;
        state = { kind: 'resolved', value };
      },
      (error: unknown) => {
        settlements++;
        state = { kind: 'rejected', error };
      },
    );
    await settle(h.received, 1);
    const sent = h.received.splice(0);
    expect(sent.map((t) => JSON.parse(t))).toEqual([[2, OWN_ID, v.ownCall.action, v.ownCall.payload]]);

    const own: OwnCall = { id: OWN_ID, action: v.ownCall.action };
    const { replies, classes } = simulate(v, texts, own);
    for (const text of texts) h.peer.send(text);
    await settle(h.received, replies.length);
    assertReplies(v, replies, h.received, classes, v.protocol === 'ocpp2.1');

    const outcome = own.outcome;
    const seen = current();
    if (outcome === undefined) {
      if (seen.kind !== 'pending') throw new Error(`the call settled without an answer: ${String(seen.kind)}`);
    } else if (outcome.kind === 'resolved') {
      if (seen.kind !== 'resolved') throw new Error(`the call should have resolved, state: ${describeState(seen)}`);
      expect(seen.value).toEqual(outcome.payload);
    } else {
      if (seen.kind !== 'rejected' || !(seen.error instanceof CallError)) {
        throw new Error(`the call should have failed with ${outcome.code}, state: ${describeState(seen)}`);
      }
      if (outcome.code !== '*') expect(seen.error.code).toBe(outcome.code);
      expect(seen.error.origin).toBe(outcome.origin);
    }
    await probe(v, h);
  } finally {
    await h.cp.close();
  }
  await turn();
  if (settlements !== 1) throw new Error(`the call settled ${settlements} times`);
  const final = current();
  if (
    final.kind === 'rejected' &&
    !(final.error instanceof CallError || final.error instanceof ConnectionClosedError)
  ) {
    throw new Error(`the call failed with ${String(final.error)}`);
  }
}

function describeState(state: { kind: string; error?: unknown }): string {
  return state.kind === 'rejected' ? `rejected with ${String(state.error)}` : state.kind;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

async function bytesFrame(v: FuzzVersion, bytes: Uint8Array): Promise<void> {
  const h = harness(v);
  let text: string | undefined;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = undefined;
  }
  let closedWith: number | undefined;
  h.peer.on('close', (code: number) => {
    closedWith = code;
  });
  try {
    h.peer.sendRaw(Buffer.from(bytes), false);
    if (text === undefined) {
      await settle(h.received, 0);
      if (h.received.length > 0) throw new Error(`invalid UTF-8 got a reply: ${JSON.stringify(h.received)}`);
      if (!h.cp.closed || closedWith !== 1007) throw new Error(`invalid UTF-8: closed ${String(closedWith)}`);
    } else {
      const { replies, classes } = simulate(v, [text]);
      await settle(h.received, replies.length);
      assertReplies(v, replies, h.received, classes);
      await probe(v, h);
    }
  } finally {
    await h.cp.close();
  }
}

function params(runs: number): fc.Parameters<unknown> {
  return { numRuns: runs, seed: SEED, endOnFailure: false };
}

describe.each(VERSIONS)('fuzz $protocol', (v) => {
  const ids = idArb(['a', 'b', 'c', '-1', OWN_ID]);

  test('the templates are valid and every handler behaves as the oracle says', async () => {
    for (const template of v.templates) {
      const validator = v.validators[`${template.action}Request`];
      const payload = buildPayload(template, -1);
      expect(validator?.(payload), `${template.action}: ${JSON.stringify(validator?.errors)}`).toBe(true);
      expect(validator?.(buildPayload(template, 0))).toBe(true);
    }
    // one burst of every template, then every DataTransfer misbehaviour, answered as the oracle says
    const texts = v.templates.map((t, i) => JSON.stringify([2, `t${i}`, t.action, buildPayload(t, -1)]));
    for (let n = 0; n <= 13; n++) {
      texts.push(JSON.stringify([2, `dt${n}`, 'DataTransfer', { vendorId: 'com.acme', messageId: 'm'.repeat(n) }]));
    }
    await guarded(() => burst(v, texts));
  });

  test(
    `bursts of arbitrary and mutated frames (${RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(burstArb(frameText(v, ids), 6), (texts) => guarded(() => burst(v, texts))),
        params(RUNS),
      );
    },
    timeoutFor(RUNS),
  );

  test(
    `answers to our own call (${Math.ceil(RUNS / 2)} runs)`,
    async () => {
      const frames = burstArb(frameText(v, ids, ownAnswer(v, OWN_ID)), 5);
      await fc.assert(
        fc.asyncProperty(frames, (texts) => guarded(() => answersToOwnCall(v, texts))),
        params(Math.ceil(RUNS / 2)),
      );
    },
    timeoutFor(RUNS / 2),
  );

  test(
    `byte-level frames, UTF-8 or not (${Math.ceil(RUNS / 4)} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(frameBytes(v, ids), (bytes) => guarded(() => bytesFrame(v, bytes))),
        params(Math.ceil(RUNS / 4)),
      );
    },
    timeoutFor(RUNS / 4),
  );
});
