/** The queue of transaction-related messages: offline, drops, retries, overflow, a persistent store, ordering. */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  CallAbortedError,
  CallError,
  ConnectionClosedError,
  OcppError,
  RequestValidationError,
} from '../../src/errors.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { next, now, record, sleep, startServer, until } from './helpers.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/**
 * A 1.6 CSMS that records what its handlers get and can be told to fail, stall (never answer), answer late, or drop
 * the connection (and then finish handling, as a database write would).
 */
function recordingCsms16() {
  const received: { action: string; messageId: string; request: Record<string, unknown>; at: number }[] = [];
  const behaviour: {
    fail: Record<string, number>;
    stall: Record<string, number>;
    drop: Record<string, number>;
    late: Record<string, number>;
    boot: 'Accepted' | 'Pending';
  } = { fail: {}, stall: {}, drop: {}, late: {}, boot: 'Accepted' };
  let nextTransactionId = 1;
  const handle = (cp: v16.ChargePoint, action: string, request: object, messageId: string, answer: () => object) => {
    received.push({ action, messageId, request: request as Record<string, unknown>, at: performance.now() });
    if ((behaviour.drop[action] ?? 0) > 0) {
      behaviour.drop[action] = (behaviour.drop[action] ?? 0) - 1;
      cp.connection.terminate?.();
      return answer();
    }
    if ((behaviour.late[action] ?? 0) > 0) {
      behaviour.late[action] = (behaviour.late[action] ?? 0) - 1;
      return new Promise<object>((resolve) => setTimeout(() => resolve(answer()), 200));
    }
    if ((behaviour.stall[action] ?? 0) > 0) {
      behaviour.stall[action] = (behaviour.stall[action] ?? 0) - 1;
      return new Promise<never>(() => {});
    }
    if ((behaviour.fail[action] ?? 0) > 0) {
      behaviour.fail[action] = (behaviour.fail[action] ?? 0) - 1;
      throw new OcppError('InternalError', 'try again');
    }
    return answer();
  };
  class Csms extends v16.ChargePoint {
    onBootNotification() {
      return { currentTime: now(), interval: 60, status: behaviour.boot };
    }
    onStartTransaction(request: v16.StartTransactionRequest, context: v16.HandlerContext) {
      return handle(this, 'StartTransaction', request, context.messageId, () => ({
        idTagInfo: { status: 'Accepted' as const },
        transactionId: nextTransactionId++,
      })) as v16.StartTransactionResponse;
    }
    onStopTransaction(request: v16.StopTransactionRequest, context: v16.HandlerContext) {
      return handle(this, 'StopTransaction', request, context.messageId, () => ({})) as v16.StopTransactionResponse;
    }
    onMeterValues(request: v16.MeterValuesRequest, context: v16.HandlerContext) {
      return handle(this, 'MeterValues', request, context.messageId, () => ({})) as v16.MeterValuesResponse;
    }
    onHeartbeat(request: v16.HeartbeatRequest, context: v16.HandlerContext) {
      return handle(this, 'Heartbeat', request, context.messageId, () => ({
        currentTime: now(),
      })) as v16.HeartbeatResponse;
    }
    onSecurityEventNotification(request: v16.SecurityEventNotificationRequest, context: v16.HandlerContext) {
      return handle(this, 'SecurityEventNotification', request, context.messageId, () => ({}));
    }
  }
  return { Csms, received, behaviour };
}

const start = (idTag = 'TAG') => ({ connectorId: 1, idTag, meterStart: 0, timestamp: now() });
const meter = (transactionId: number | undefined, value: string) => ({
  connectorId: 1,
  ...(transactionId === undefined ? {} : { transactionId }),
  meterValue: [{ timestamp: now(), sampledValue: [{ value }] }],
});
const stop = (transactionId: number) => ({ transactionId, meterStop: 10, timestamp: now() });
const bootRequest = { chargePointVendor: 'V', chargePointModel: 'M' };

/** Connect and boot: queued messages wait for an accepted BootNotification on a client's first connection. */
async function connectAndBoot(cp: v16.Client): Promise<void> {
  await cp.connect();
  expect((await cp.call('BootNotification', bootRequest)).status).toBe('Accepted');
}

async function setup16(options: Partial<v16.ClientOptions> = {}) {
  const csms = recordingCsms16();
  const { server, url } = await startServer({ 'ocpp1.6': csms.Csms });
  cleanup.push(() => server.close());
  const cp = new v16.Client({ url, identity: 'Q', backOff: { waitMinimum: 10, randomRange: 0 }, ...options });
  cleanup.push(() => cp.stop());
  return { ...csms, server, cp };
}

test('called offline: queued in order, delivered after connecting; other calls reject at once', async () => {
  const { cp, received } = await setup16();
  const calls = [
    cp.call('StartTransaction', start()),
    cp.call('MeterValues', meter(1, '1')),
    cp.call('MeterValues', meter(1, '2')),
    cp.call('StopTransaction', stop(1)),
  ];
  await expect(cp.call('MeterValues', meter(undefined, 'main'))).rejects.toBeInstanceOf(v16.NotConnectedError);
  await expect(cp.call('Heartbeat')).rejects.toBeInstanceOf(v16.NotConnectedError);
  expect(cp.queueSize).toBe(4);
  await connectAndBoot(cp);
  const later = cp.call('StartTransaction', start('LATER')); // online: still after the backlog
  const results = await Promise.all([...calls, later]);
  expect(results[0]).toEqual({ idTagInfo: { status: 'Accepted' }, transactionId: 1 });
  const label = (r: (typeof received)[number]) => {
    const values = r.request.meterValue as { sampledValue: { value: string }[] }[] | undefined;
    return `${r.action} ${values?.[0]?.sampledValue[0]?.value ?? r.request.idTag ?? ''}`;
  };
  expect(received.map(label)).toEqual([
    'StartTransaction TAG',
    'MeterValues 1',
    'MeterValues 2',
    'StopTransaction ',
    'StartTransaction LATER',
  ]);
  expect(cp.queueSize).toBe(0);
});

test('on the first connection queued messages wait for an accepted BootNotification; not after a reconnect', async () => {
  const { cp, received, behaviour, server } = await setup16();
  const started = cp.call('StartTransaction', start());
  await cp.connect();
  await sleep(50);
  expect(received).toHaveLength(0);
  behaviour.boot = 'Pending';
  expect((await cp.call('BootNotification', bootRequest)).status).toBe('Pending');
  await sleep(50);
  expect(received.map((r) => r.action)).toEqual([]);
  expect(cp.bootAccepted).toBe(false);
  behaviour.boot = 'Accepted';
  await cp.call('BootNotification', bootRequest);
  expect(cp.bootAccepted).toBe(true);
  await started;
  expect(received.map((r) => r.action)).toEqual(['StartTransaction']);
  // a reconnect is no reboot: no new BootNotification needed
  const stopped = cp.call('StopTransaction', stop(1));
  server.get('Q')?.connection.terminate?.();
  await next(cp, 'open', (e) => e.reconnected);
  await stopped;
  expect(received.map((r) => r.action)).toEqual(['StartTransaction', 'StopTransaction']);
});

test('2.0.1 TransactionEvent called offline is delivered in order after connecting', async () => {
  const seqNos: number[] = [];
  class Csms extends v201.ChargePoint {
    onTransactionEvent(request: v201.TransactionEventRequest) {
      seqNos.push(request.seqNo);
      return {};
    }
  }
  const { server, url } = await startServer({ 'ocpp2.0.1': Csms });
  cleanup.push(() => server.close());
  // this CSMS answers no BootNotification: queued messages need not wait for one
  const cp = new v201.Client({ url, identity: 'Q201', queue: { waitForBoot: false } });
  cleanup.push(() => cp.stop());
  const event = (seqNo: number, eventType: 'Started' | 'Updated' | 'Ended') =>
    cp.call('TransactionEvent', {
      eventType,
      seqNo,
      timestamp: now(),
      triggerReason: 'MeterValuePeriodic',
      offline: true,
      transactionInfo: { transactionId: 'T' },
    });
  const calls = [event(0, 'Started'), event(1, 'Updated'), event(2, 'Updated'), event(3, 'Ended')];
  await cp.connect();
  await Promise.all(calls);
  expect(seqNos).toEqual([0, 1, 2, 3]);
});

test('lost to a drop, or called while offline after one: delivered in order after the reconnect', async () => {
  const { cp, received, behaviour } = await setup16({ backOff: { waitMinimum: 100, randomRange: 0 } });
  await connectAndBoot(cp);
  behaviour.drop.StopTransaction = 1;
  const stopped = cp.call('StopTransaction', stop(7));
  const meterAfter = cp.call('MeterValues', meter(7, '99'));
  await next(cp, 'close');
  // offline now: more transaction messages queue up behind the two
  expect(cp.state).toBe('waiting');
  const started = cp.call('StartTransaction', start('OFFLINE'));
  await expect(cp.call('Heartbeat')).rejects.toBeInstanceOf(v16.NotConnectedError);
  expect(cp.queueSize).toBe(3);
  await next(cp, 'open');
  await expect(stopped).resolves.toEqual({});
  await meterAfter;
  await started;
  // sent again with its id after the reconnect: the CSMS answers it from its repeat guard, handling it once
  expect(received.map((r) => r.action)).toEqual(['StopTransaction', 'MeterValues', 'StartTransaction']);
});

describe('retries', () => {
  test('after a CALLERROR: waits interval × transmissions so far, up to `attempts` transmissions', async () => {
    const { cp, received, behaviour } = await setup16({ queue: { attempts: 3, interval: 40 } });
    await connectAndBoot(cp);
    const log = record(cp, 'queue:retry', 'queue:delivered');
    behaviour.fail.StartTransaction = 2;
    const result = await cp.call('StartTransaction', start());
    expect(result.transactionId).toBe(1);
    const retries = log.filter((e) => e.name === 'queue:retry').map((e) => e.event as v16.QueueRetryEvent);
    expect(retries.map((r) => [r.attempts, r.delay])).toEqual([
      [1, 40],
      [2, 80],
    ]);
    expect(retries[0]?.error).toBeInstanceOf(CallError);
    expect(log.at(-1)?.event).toMatchObject({ action: 'StartTransaction', attempts: 3 });
    const at = received.map((r) => r.at);
    expect(at).toHaveLength(3);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(38);
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(78);
  });

  test('after the last attempt: dropped, its call rejects, the next message follows', async () => {
    const { cp, received, behaviour } = await setup16({ queue: { attempts: 2, interval: 10 } });
    await connectAndBoot(cp);
    const dropped = next(cp, 'queue:dropped');
    behaviour.fail.StopTransaction = 5;
    const failing = cp.call('StopTransaction', stop(1));
    const following = cp.call('StartTransaction', start());
    const error = await failing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).code).toBe('InternalError');
    expect(await dropped).toMatchObject({ action: 'StopTransaction', reason: 'attempts' });
    await following;
    expect(received.map((r) => r.action)).toEqual(['StopTransaction', 'StopTransaction', 'StartTransaction']);
  });

  test('no answer within the call timeout counts as a failed attempt; the retry keeps the message id', async () => {
    const { cp, received, behaviour } = await setup16({ callTimeout: 100, queue: { attempts: 2, interval: 10 } });
    await connectAndBoot(cp);
    behaviour.late.StartTransaction = 1;
    const retry = next(cp, 'queue:retry');
    const sent: (string | undefined)[] = [];
    cp.session?.events.on('message:out', ({ messageType, messageId }) => {
      if (messageType === 2) sent.push(messageId);
    });
    await expect(cp.call('StartTransaction', start())).resolves.toMatchObject({ transactionId: 1 });
    expect((await retry).error.name).toBe('CallTimeoutError');
    // the retry has the first transmission's id: the CSMS's answer to that one is the answer, handled once
    expect(sent).toHaveLength(2);
    expect(new Set(sent).size).toBe(1);
    expect(received).toHaveLength(1);
  });
});

describe('overflow', () => {
  test('1.6: the oldest MeterValues is dropped first; with none left, the new message is refused', async () => {
    const { cp, received } = await setup16({ queue: { maxSize: 3 } });
    const dropped = record(cp, 'queue:dropped');
    const s1 = cp.call('StartTransaction', start('A'));
    const m1 = cp.call('MeterValues', meter(1, '1'));
    const m2 = cp.call('MeterValues', meter(1, '2'));
    const t1 = cp.call('StopTransaction', stop(1)); // full: m1 goes
    const m1Error = await m1.catch((e: unknown) => e);
    expect(m1Error).toBeInstanceOf(v16.QueueOverflowError);
    expect((m1Error as v16.QueueOverflowError).dropped).toBe(true);
    const s2 = cp.call('StartTransaction', start('B')); // full: m2 goes
    await expect(m2).rejects.toBeInstanceOf(v16.QueueOverflowError);
    const refused = await cp.call('StopTransaction', stop(2)).catch((e: unknown) => e); // nothing droppable
    expect(refused).toBeInstanceOf(v16.QueueOverflowError);
    expect((refused as v16.QueueOverflowError).dropped).toBe(false);
    expect((refused as Error).message).toMatch(/refused: the queue is full \(3 messages\)/);
    expect(cp.queueSize).toBe(3);
    expect(dropped.map((d) => (d.event as v16.QueueDroppedEvent).reason)).toEqual(['overflow', 'overflow', 'overflow']);
    await connectAndBoot(cp);
    await Promise.all([s1, t1, s2]);
    expect(received.map((r) => `${r.action}${r.request.idTag ?? ''}`)).toEqual([
      'StartTransactionA',
      'StopTransaction',
      'StartTransactionB',
    ]);
  });

  test('2.x: Updated events are dropped first, Started and Ended kept', async () => {
    const types: string[] = [];
    class Csms extends v21.ChargePoint {
      onTransactionEvent(request: v21.TransactionEventRequest) {
        types.push(`${request.eventType}${request.seqNo}`);
        return {};
      }
    }
    const { server, url } = await startServer({ 'ocpp2.1': Csms });
    cleanup.push(() => server.close());
    const cp = new v21.Client({ url, identity: 'O21', queue: { maxSize: 3, waitForBoot: false } });
    cleanup.push(() => cp.stop());
    const event = (seqNo: number, eventType: 'Started' | 'Updated' | 'Ended') =>
      cp.call('TransactionEvent', {
        eventType,
        seqNo,
        timestamp: now(),
        triggerReason: 'MeterValuePeriodic',
        transactionInfo: { transactionId: 'T' },
      });
    const calls = [event(0, 'Started'), event(1, 'Updated'), event(2, 'Updated'), event(3, 'Ended')];
    const settled = Promise.allSettled(calls);
    await cp.connect();
    const outcome = await settled;
    expect(outcome.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(types).toEqual(['Started0', 'Updated2', 'Ended3']);
  });
});

/** A store that keeps the queue in a JSON file, asynchronously. */
class JsonFileStore implements v16.QueueStore {
  constructor(readonly path: string) {}
  async #read(): Promise<v16.QueuedMessage[]> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as v16.QueuedMessage[];
    } catch {
      return [];
    }
  }
  async #write(messages: v16.QueuedMessage[]): Promise<void> {
    await writeFile(this.path, JSON.stringify(messages));
  }
  load() {
    return this.#read();
  }
  async add(message: v16.QueuedMessage) {
    await this.#write([...(await this.#read()), message]);
  }
  async update(message: v16.QueuedMessage) {
    await this.#write((await this.#read()).map((m) => (m.id === message.id ? message : m)));
  }
  async remove(id: string) {
    await this.#write((await this.#read()).filter((m) => m.id !== id));
  }
}

test('a persistent store: what one client queued, the next one (after a restart) delivers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocppkit-queue-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'queue.json');
  const fileEntries = () => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as v16.QueuedMessage[];
    } catch {
      return [];
    }
  };
  const { url, received } = await (async () => {
    const csms = recordingCsms16();
    const started = await startServer({ 'ocpp1.6': csms.Csms });
    cleanup.push(() => started.server.close());
    return { ...started, received: csms.received };
  })();

  // first run: offline, three messages queued, then the charger restarts
  const before = new v16.Client({ url, identity: 'PQ', queue: { store: new JsonFileStore(file) } });
  const calls = [
    before.call('StartTransaction', start()),
    before.call('MeterValues', meter(1, '5')),
    before.call('StopTransaction', stop(1)),
  ];
  const outcomes = Promise.allSettled(calls);
  await until(() => fileEntries().length === 3, 5000, 'three entries in the file');
  await before.stop();
  for (const outcome of await outcomes) {
    expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(v16.ClientStoppedError);
  }
  expect(fileEntries().map((m) => m.action)).toEqual(['StartTransaction', 'MeterValues', 'StopTransaction']);

  // second run: a new client with the same file delivers them, in order
  const after = new v16.Client({ url, identity: 'PQ', queue: { store: new JsonFileStore(file) } });
  cleanup.push(() => after.stop());
  const delivered = record(after, 'queue:delivered');
  await connectAndBoot(after);
  await until(() => delivered.length === 3);
  expect(received.map((r) => r.action)).toEqual(['StartTransaction', 'MeterValues', 'StopTransaction']);
  expect((delivered[0]?.event as v16.QueueDeliveredEvent | undefined)?.response).toEqual({
    idTagInfo: { status: 'Accepted' },
    transactionId: 1,
  });
  await until(() => fileEntries().length === 0, 5000, 'an empty file');
});

test('an incoming CALL is answered before the next queued message goes out', async () => {
  const csms = recordingCsms16();
  const { server, url } = await startServer({ 'ocpp1.6': csms.Csms });
  cleanup.push(() => server.close());
  server.events.on('connect', ({ chargePoint }) => {
    void (chargePoint as v16.ChargePoint).call('GetConfiguration', {});
  });
  class Slow extends v16.Client {
    async onGetConfiguration() {
      await sleep(50);
      return { configurationKey: [] };
    }
  }
  const cp = new Slow({ url, identity: 'AB' });
  cleanup.push(() => cp.stop());
  const frames = record(cp, 'message:in', 'message:out');
  const calls = [
    cp.call('StartTransaction', start()),
    cp.call('MeterValues', meter(1, '1')),
    cp.call('StopTransaction', stop(1)),
  ];
  await connectAndBoot(cp);
  await Promise.all(calls);
  const wire = frames.map((f) => {
    const frame = JSON.parse((f.event as v16.EndpointEventMap['message:in']).data) as unknown[];
    return `${f.name === 'message:in' ? '<' : '>'} ${frame[0]} ${frame[0] === 2 ? frame[2] : ''}`.trim();
  });
  const incoming = wire.indexOf('< 2 GetConfiguration');
  expect(incoming).toBeGreaterThanOrEqual(0);
  // the first queued message after it (a direct call such as BootNotification is not held back)
  const firstOwnCallAfter = wire.findIndex(
    (w, i) => i > incoming && /^> 2 (Start|Stop)Transaction|MeterValues/.test(w),
  );
  const answer = wire.findIndex((w, i) => i > incoming && w === '> 3');
  expect(answer).toBeGreaterThan(incoming);
  expect(answer).toBeLessThan(firstOwnCallAfter);
  expect(wire.filter((w) => w.startsWith('> 2'))).toEqual([
    '> 2 BootNotification',
    '> 2 StartTransaction',
    '> 2 MeterValues',
    '> 2 StopTransaction',
  ]);
});

test('abort while queued, invalid payloads, a custom isQueued', async () => {
  const { cp, received } = await setup16({
    queue: {
      isQueued: (action, payload) =>
        action === 'SecurityEventNotification' || v16.isTransactionRelated(action, payload),
    },
  });
  const controller = new AbortController();
  const aborted = cp.call('StartTransaction', start('ABORTED'), { signal: controller.signal });
  const kept = cp.call('StartTransaction', start('KEPT'));
  controller.abort();
  await expect(aborted).rejects.toBeInstanceOf(CallAbortedError);
  expect(cp.queueSize).toBe(1);
  // an invalid payload is refused at once, offline too
  const invalid = { connectorId: 1, idTag: 'X'.repeat(21), meterStart: 0, timestamp: now() };
  await expect(cp.call('StartTransaction', invalid)).rejects.toBeInstanceOf(RequestValidationError);
  const security = cp.call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: now() });
  await connectAndBoot(cp);
  await Promise.all([kept, security]);
  expect(received.map((r) => `${r.action}${r.request.idTag ?? ''}`)).toEqual([
    'StartTransactionKEPT',
    'SecurityEventNotification',
  ]);
});

test('stop() rejects the queued calls (the one in flight too) with ClientStoppedError', async () => {
  const { cp, behaviour } = await setup16();
  await connectAndBoot(cp);
  behaviour.stall.StartTransaction = 1;
  const inFlight = cp.call('StartTransaction', start());
  const waiting = cp.call('StopTransaction', stop(1));
  const outcomes = Promise.allSettled([inFlight, waiting]);
  await until(() => (cp.session?.pendingCalls ?? 0) === 1);
  await cp.stop();
  for (const outcome of await outcomes) {
    expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(v16.ClientStoppedError);
    expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(ConnectionClosedError);
  }
  await expect(cp.call('StartTransaction', start())).rejects.toBeInstanceOf(v16.ClientStoppedError);
});

test('the transaction-related messages match codegen/data/transaction-messages.json', () => {
  const data = JSON.parse(readFileSync('codegen/data/transaction-messages.json', 'utf8')) as Record<
    string,
    { transactionRelated: { action: string }[] }
  >;
  expect(data['ocpp1.6']?.transactionRelated.map((t) => t.action)).toEqual([
    'StartTransaction',
    'StopTransaction',
    'MeterValues',
  ]);
  expect(v16.isTransactionRelated('StartTransaction', {})).toBe(true);
  expect(v16.isTransactionRelated('StopTransaction', {})).toBe(true);
  expect(v16.isTransactionRelated('MeterValues', { transactionId: 1 })).toBe(true);
  expect(v16.isTransactionRelated('MeterValues', {})).toBe(false);
  expect(v16.isTransactionRelated('Heartbeat', {})).toBe(false);
  for (const [version, binding] of [
    ['ocpp2.0.1', v201],
    ['ocpp2.1', v21],
  ] as const) {
    expect(data[version]?.transactionRelated.map((t) => t.action)).toEqual(['TransactionEvent']);
    expect(binding.isTransactionRelated('TransactionEvent', {})).toBe(true);
    expect(binding.isTransactionRelated('MeterValues', {})).toBe(false);
  }
});
