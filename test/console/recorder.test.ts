/**
 * The console's server side without a browser: it listens to the server's events only while attached, reads frames
 * in batches, links answers to calls, bounds its log, follows transactions of every version and serves its page
 * only to those who may see it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { energyReadings, readFrame, statusOf, transactionNews } from '../../src/console/frames.ts';
import { attachConsole, ConsoleOptionsError, isLoopback } from '../../src/console/index.ts';
import { ConsoleRecorder } from '../../src/console/recorder.ts';
import { WaitingCalls } from '../../src/console/waiting.ts';
import type { ConsoleUpdate } from '../../src/console/wire.ts';
import { createDemoCsms } from '../../src/demo/index.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';

const HOST = '127.0.0.1';
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function demo() {
  const csms = createDemoCsms({ host: HOST });
  const { port } = await csms.server.listen(0, HOST);
  cleanup.push(() => csms.server.close());
  return { ...csms, url: `ws://${HOST}:${port}` };
}

class ResettableCharger extends v16.Client {
  onReset(): v16.ResetResponse {
    return { status: 'Accepted' };
  }
}

async function client16(url: string, identity: string, Client: typeof v16.Client = v16.Client) {
  const cp = new Client({ url, identity });
  cleanup.push(() => cp.stop());
  await cp.connect();
  await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  return cp;
}

const limits = { logSize: 50, batchSize: 20, transactions: 10, meterPoints: 100 };

describe('ConsoleRecorder', () => {
  test('listens to the server only while attached, and adds nothing to any connection', async () => {
    const { server, url } = await demo();
    const before = await client16(url, 'BEFORE');
    expect(server.events.has('message:in')).toBe(false);
    const recorder = new ConsoleRecorder(server, limits);
    expect(server.events.has('message:in')).toBe(true);
    expect(server.events.has('message:out')).toBe(true);
    await client16(url, 'AFTER');
    await before.call('Heartbeat');
    const update = recorder.flush()!;
    expect(update.log.map((entry) => [entry.identity, entry.direction, entry.action])).toEqual([
      ['AFTER', 'in', 'BootNotification'],
      ['AFTER', 'out', 'BootNotification'],
      ['BEFORE', 'in', 'Heartbeat'],
      ['BEFORE', 'out', 'Heartbeat'],
    ]);
    for (const identity of ['BEFORE', 'AFTER']) {
      const chargePoint = server.get(identity) as v16.ChargePoint;
      expect(chargePoint.events.has('message:in')).toBe(false);
      expect(chargePoint.events.has('message:out')).toBe(false);
    }
    recorder.close();
    for (const event of ['connect', 'disconnect', 'message:in', 'message:out'] as const) {
      expect(server.events.has(event)).toBe(false);
    }
    await before.call('Heartbeat');
    expect(recorder.flush()).toBeUndefined();
  });

  test('a batch holds the frames since the last one, each answer linked to its call with the latency', async () => {
    const { server, url } = await demo();
    const recorder = new ConsoleRecorder(server, limits);
    cleanup.push(async () => recorder.close());
    const cp = await client16(url, 'CP-1');
    await cp.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Faulted' });
    const update = recorder.flush()!;
    expect(update.chargePoints).toEqual([
      expect.objectContaining({
        identity: 'CP-1',
        protocol: 'ocpp1.6',
        lastAction: 'StatusNotification',
        status: { '2': 'Faulted' },
      }),
    ]);
    expect(update.log.map((e) => `${e.direction} ${e.kind} ${e.action}`)).toEqual([
      'in CALL BootNotification',
      'out CALLRESULT BootNotification',
      'in CALL StatusNotification',
      'out CALLRESULT StatusNotification',
    ]);
    const [call, answer] = update.log;
    expect(answer!.linked).toBe(call!.seq);
    expect(call!.linked).toBe(answer!.seq);
    expect(update.links).toContainEqual([call!.seq, answer!.seq, answer!.latency]);
    expect(recorder.flush()).toBeUndefined();
  });

  test('a batch is bounded: it logs the first frames, counts the others, and keeps the statuses and transactions in them', async () => {
    const { server, url } = await demo();
    const recorder = new ConsoleRecorder(server, limits);
    cleanup.push(async () => recorder.close());
    const cp = await client16(url, 'CP-2');
    for (let i = 0; i < 100; i++) await cp.call('Heartbeat');
    // the budget of this batch is spent: what follows is skimmed
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
    const timestamp = new Date().toISOString();
    const { transactionId } = await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'T',
      meterStart: 5,
      timestamp,
    });
    await cp.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp, sampledValue: [{ value: '1500' }] }],
    });
    const update = recorder.flush()!;
    expect(update.log).toHaveLength(limits.batchSize);
    expect(update.log.slice(0, 3).map((e) => `${e.direction} ${e.kind} ${e.action}`)).toEqual([
      'in CALL BootNotification',
      'out CALLRESULT BootNotification',
      'in CALL Heartbeat',
    ]);
    expect(update.skipped).toBe(2 + 200 + 2 + 2 + 2 - limits.batchSize);
    expect(update.chargePoints[0]).toMatchObject({ status: { '1': 'Preparing' }, lastAction: 'MeterValues' });
    expect(update.transactions).toEqual([
      expect.objectContaining({
        id: String(transactionId),
        identity: 'CP-2',
        meter: [expect.objectContaining({ wh: 5 }), expect.objectContaining({ wh: 1500 })],
      }),
    ]);
    // the next batch has a budget again
    await cp.call('Heartbeat');
    expect(recorder.flush()).toMatchObject({ skipped: 0, log: [{ action: 'Heartbeat' }, { action: 'Heartbeat' }] });
  });

  test('"last message" is the last frame the charge point sent: what the CSMS sends does not count', async () => {
    const { server, url } = await demo();
    const recorder = new ConsoleRecorder(server, limits);
    cleanup.push(async () => recorder.close());
    // a charge point that reads and never answers
    const silent = new WebSocket(`${url}/SILENT`, 'ocpp1.6');
    cleanup.push(async () => silent.terminate());
    await new Promise((resolve) => silent.once('open', resolve));
    const lastMessageAt = () =>
      recorder.snapshot().chargePoints.find((row) => row.identity === 'SILENT')!.lastMessageAt;
    recorder.flush();
    const connected = lastMessageAt();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const served = server.get('SILENT') as v16.ChargePoint;
    await expect(served.call('Reset', { type: 'Soft' }, { timeout: 50 })).rejects.toThrow();
    recorder.flush();
    expect(lastMessageAt()).toBe(connected);
    const answered = new Promise((resolve) => silent.once('message', resolve));
    silent.send('[2,"h1","Heartbeat",{}]');
    await answered;
    recorder.flush();
    expect(lastMessageAt()).toBeGreaterThan(connected);
  });

  test("a call sent from the page is logged with its answer, even when the batch's budget is spent", async () => {
    const { server, url } = await demo();
    const recorder = new ConsoleRecorder(server, limits);
    cleanup.push(async () => recorder.close());
    const cp = await client16(url, 'CP-5', ResettableCharger);
    for (let i = 0; i < 20; i++) await cp.call('Heartbeat');
    const served = server.get('CP-5') as v16.ChargePoint;
    recorder.pin('CP-5', 'from-the-page');
    await served.call('Reset', { type: 'Soft' }, { messageId: 'from-the-page' });
    recorder.unpin('CP-5', 'from-the-page');
    await served.call('Reset', { type: 'Hard' }, { messageId: 'not-pinned' });
    const { log, skipped } = recorder.flush()!;
    const pinned = log.filter((e) => e.messageId === 'from-the-page');
    expect(pinned.map((e) => `${e.direction} ${e.kind} ${e.action}`)).toEqual([
      'out CALL Reset',
      'in CALLRESULT Reset',
    ]);
    expect(pinned[1]!.linked).toBe(pinned[0]!.seq);
    expect(log.some((e) => e.messageId === 'not-pinned')).toBe(false);
    expect(skipped).toBe(2 + 40 + 2 - limits.batchSize);
  });

  test('the log is bounded', async () => {
    const { server, url } = await demo();
    const recorder = new ConsoleRecorder(server, limits);
    cleanup.push(async () => recorder.close());
    const cp = await client16(url, 'CP-2');
    for (let i = 0; i < 300; i++) {
      await cp.call('Heartbeat');
      if (i % 5 === 0) expect(recorder.flush()?.skipped).toBe(0);
    }
    const { log } = recorder.snapshot();
    expect(log.length).toBeGreaterThanOrEqual(limits.logSize);
    expect(log.length).toBeLessThanOrEqual(limits.logSize + 256);
    expect(log.at(-1)).toMatchObject({ kind: 'CALLRESULT', action: 'Heartbeat' });
  });

  test('a disconnected charge point is reported gone; its reconnection is back', async () => {
    const { server, url } = await demo();
    const recorder = new ConsoleRecorder(server, limits);
    cleanup.push(async () => recorder.close());
    const cp = await client16(url, 'CP-3');
    recorder.flush();
    await cp.stop();
    await expect.poll(() => server.get('CP-3')).toBeUndefined();
    const update = recorder.flush() as ConsoleUpdate;
    expect(update.gone).toEqual(['CP-3']);
    expect(recorder.snapshot().chargePoints).toEqual([]);
  });

  test('transactions of 1.6 (id in the answer) and 2.0.1 (TransactionEvent), with their energy readings', async () => {
    const { server, url } = await demo();
    const recorder = new ConsoleRecorder(server, limits);
    cleanup.push(async () => recorder.close());
    const cp = await client16(url, 'CP-4');
    const timestamp = '2025-01-01T10:00:00Z';
    const { transactionId } = await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'T',
      meterStart: 100,
      timestamp,
    });
    await cp.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: '2025-01-01T10:05:00Z', sampledValue: [{ value: '1.5', unit: 'kWh' }] }],
    });
    await cp.call('StopTransaction', { transactionId, meterStop: 2000, timestamp: '2025-01-01T10:10:00Z' });
    const station = new v201.Client({ url, identity: 'CS-5' });
    cleanup.push(() => station.stop());
    await station.connect();
    await station.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } });
    await station.call('TransactionEvent', {
      eventType: 'Started',
      timestamp,
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 'T-9' },
      meterValue: [
        {
          timestamp,
          sampledValue: [
            { value: 2, unitOfMeasure: { unit: 'kWh', multiplier: 1 } },
            { value: 7, measurand: 'Voltage' },
          ],
        },
      ],
    });
    const { transactions } = recorder.flush()!;
    const t0 = Date.parse(timestamp);
    expect(transactions).toEqual(
      expect.arrayContaining([
        {
          id: String(transactionId),
          identity: 'CP-4',
          startedAt: t0,
          endedAt: t0 + 600_000,
          meter: [
            { time: t0, wh: 100 },
            { time: t0 + 300_000, wh: 1500 },
            { time: t0 + 600_000, wh: 2000 },
          ],
        },
        { id: 'T-9', identity: 'CS-5', startedAt: t0, endedAt: undefined, meter: [{ time: t0, wh: 20_000 }] },
      ]),
    );
  });
});

test('waiting calls are bounded by generations: the older one is dropped whole', () => {
  const dropped: string[][] = [];
  const waiting = new WaitingCalls<number>(2, (generation) => dropped.push([...generation.keys()]));
  for (const key of ['a', 'b', 'c', 'd']) waiting.set(key, key.charCodeAt(0));
  expect([waiting.get('a'), waiting.has('c'), waiting.get('d')]).toEqual([97, true, 100]);
  waiting.delete('a');
  waiting.set('e', 101);
  expect(dropped).toEqual([[], ['b']]);
  expect(['a', 'b', 'c', 'd', 'e'].map((key) => waiting.has(key))).toEqual([false, false, true, true, true]);
});

describe('reading frames', () => {
  test('every message type, and anything else as BAD', () => {
    expect(readFrame('[2,"1","Reset",{"type":"Soft"}]')).toEqual({
      kind: 'CALL',
      messageId: '1',
      action: 'Reset',
      payload: { type: 'Soft' },
    });
    expect(readFrame('[3,"1",{"status":"Accepted"}]').kind).toBe('CALLRESULT');
    expect(readFrame('[4,"1","NotImplemented","",{}]').kind).toBe('CALLERROR');
    expect(readFrame('[5,"1","FormatViolation","",{}]').kind).toBe('CALLRESULTERROR');
    expect(readFrame('[6,"1","NotifyPeriodicEventStream",{}]').kind).toBe('SEND');
    for (const bad of ['', 'nope', '{}', '[9,"1"]', '[2,1,"A",{}]']) expect(readFrame(bad).kind).toBe('BAD');
  });

  test('statuses of 1.6 and 2.x', () => {
    expect(statusOf({ connectorId: 0, status: 'Available', errorCode: 'NoError' })).toEqual(['0', 'Available']);
    expect(statusOf({ evseId: 1, connectorId: 2, connectorStatus: 'Occupied' })).toEqual(['1/2', 'Occupied']);
    expect(statusOf({})).toBeUndefined();
  });

  test('energy readings skip other measurands and values that are not numbers', () => {
    expect(
      energyReadings(
        [
          {
            timestamp: 'bad',
            sampledValue: [{ value: 'x' }, { value: '5', measurand: 'Power.Active.Import' }, { value: '3' }],
          },
        ],
        42,
      ),
    ).toEqual([{ time: 42, wh: 3 }]);
    expect(transactionNews('Heartbeat', {}, 0)).toBeUndefined();
    expect(transactionNews('MeterValues', { connectorId: 1, meterValue: [] }, 0)).toBeUndefined();
  });
});

describe('attachConsole', () => {
  test('loopback addresses need no token; others do, and an empty token is refused', async () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.2', '127.0.0.1.example'].some(isLoopback)).toBe(false);
    const { server } = await demo();
    await expect(attachConsole(server, { host: '::' })).rejects.toBeInstanceOf(ConsoleOptionsError);
    await expect(attachConsole(server, { token: '' })).rejects.toBeInstanceOf(ConsoleOptionsError);
    const random = await attachConsole(server, { host: '0.0.0.0', token: true });
    cleanup.push(() => random.close());
    expect(random.token).toMatch(/^[\w-]{24}$/);
    expect(random.url).toBe(`http://127.0.0.1:${random.port}/?token=${random.token}`);
  });

  test('a call from another origin, or not as JSON, is refused; an unknown charge point is reported', async () => {
    const { server } = await demo();
    const attached = await attachConsole(server);
    cleanup.push(() => attached.close());
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(new URL('api/call', attached.url), { method: 'POST', headers, body: JSON.stringify(body) });
    const body = { identity: 'NOBODY', action: 'Reset', payload: { type: 'Soft' } };
    expect((await post({ 'content-type': 'text/plain' }, body)).status).toBe(415);
    expect((await post({ 'content-type': 'application/json', origin: 'http://evil.example' }, body)).status).toBe(403);
    const unknown = await post({ 'content-type': 'application/json' }, body);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ ok: false, refused: true, error: 'NotConnected' });
    expect((await fetch(new URL('nothing', attached.url))).status).toBe(404);
  });

  test('the page is served, gzipped when the browser accepts it', async () => {
    const { server } = await demo();
    const attached = await attachConsole(server, { title: 'Depot <A>' });
    cleanup.push(() => attached.close());
    const html = await (await fetch(attached.url)).text();
    expect(html).toContain('<title>Depot &#60;A&#62;</title>');
    const js = await fetch(new URL('app.js', attached.url), { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect((await js.text()).length).toBeGreaterThan(10_000);
  });
});
