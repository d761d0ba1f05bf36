/**
 * The demo CSMS behind `ocppkit serve`, over real sockets: for each version, every action a charge point may send
 * gets a response that passes the version's generated response validator; plus what the demo remembers.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { loadVersion } from '../../codegen/load.ts';
import type { VersionKey } from '../../codegen/versions.ts';
import { createDemoCsms, type DemoChargePoint, type DemoStore } from '../../src/demo/index.ts';
import type { ProtocolSpec, Subprotocol, ValidatorTable } from '../../src/protocol.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { BOOT, ISO_DATE_TIME, RawClient, until } from './helpers.ts';
import { minimalPayload } from './minimal-payload.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const REJECTED = 'BLOCKED';

const VERSIONS: { key: VersionKey; subprotocol: Subprotocol; protocol: ProtocolSpec; validators: ValidatorTable }[] = [
  { key: 'v16', subprotocol: 'ocpp1.6', protocol: v16.protocol, validators: v16.validators },
  { key: 'v201', subprotocol: 'ocpp2.0.1', protocol: v201.protocol, validators: v201.validators },
  { key: 'v21', subprotocol: 'ocpp2.1', protocol: v21.protocol, validators: v21.validators },
];

let server: ReturnType<typeof createDemoCsms>['server'] | undefined;
let store: DemoStore;
let port: number;

beforeAll(async () => {
  const demo = createDemoCsms({ host: '127.0.0.1', port: 0, settings: { rejectedIdTags: new Set([REJECTED]) } });
  server = demo.server;
  store = demo.store;
  port = (await demo.server.listen()).port;
});

afterAll(async () => {
  await server?.close();
});

/** What a validator says about a payload: `[]` when it is valid. */
function issues(validators: ValidatorTable, name: string, payload: unknown) {
  const validator = validators[name];
  if (validator === undefined) throw new Error(`no validator ${name}`);
  return validator(payload) ? [] : (validator.errors ?? [{ message: 'invalid' }]);
}

let nextId = 0;
const id = () => `m${++nextId}`;

for (const version of VERSIONS) {
  const sentByChargePoint = Object.entries(version.protocol.actions)
    .filter(([, direction]) => direction === 'cp-to-csms' || direction === 'both')
    .map(([action]) => action)
    .sort();
  const requests = new Map(
    loadVersion(ROOT, version.key)
      .filter((s) => s.role === 'request')
      .map((s) => [s.action, s.schema]),
  );

  describe(`demo CSMS, ${version.subprotocol}: every action a charge point sends`, () => {
    let client: RawClient;
    beforeAll(async () => {
      client = await RawClient.open(`ws://127.0.0.1:${port}/DEMO-${version.key}`, version.subprotocol);
    });
    afterAll(async () => {
      await client.close();
    });

    it('covers the version’s actions', () => {
      expect(sentByChargePoint.length).toBeGreaterThan(10);
    });

    it.each(sentByChargePoint)('%s: a minimal valid request gets a valid CALLRESULT', async (action) => {
      const schema = requests.get(action);
      if (schema === undefined) throw new Error(`no request schema for ${action}`);
      const payload = minimalPayload(schema) as object;
      expect(issues(version.validators, `${action}Request`, payload)).toEqual([]);
      const messageId = id();
      const frame = await client.call(messageId, action, payload);
      expect(frame.slice(0, 2)).toEqual([3, messageId]);
      expect(issues(version.validators, `${action}Response`, frame[2])).toEqual([]);
    });
  });
}

describe('demo CSMS behaviour', () => {
  let cp16: RawClient;
  let cp201: RawClient;
  let cp21: RawClient;
  beforeAll(async () => {
    cp16 = await RawClient.open(`ws://127.0.0.1:${port}/CP16`, 'ocpp1.6');
    cp201 = await RawClient.open(`ws://127.0.0.1:${port}/CP201`, 'ocpp2.0.1');
    cp21 = await RawClient.open(`ws://127.0.0.1:${port}/CP21`, 'ocpp2.1');
  });
  afterAll(async () => {
    await Promise.all([cp16.close(), cp201.close(), cp21.close()]);
  });

  it('accepts boots with the configured heartbeat interval, in every version', async () => {
    for (const [client, protocol] of [
      [cp16, 'ocpp1.6'],
      [cp201, 'ocpp2.0.1'],
      [cp21, 'ocpp2.1'],
    ] as const) {
      const [, , payload] = await client.call(id(), 'BootNotification', BOOT[protocol]);
      expect(payload).toEqual({ currentTime: expect.stringMatching(ISO_DATE_TIME), interval: 300, status: 'Accepted' });
    }
  });

  it('1.6: authorizes id tags unless configured otherwise', async () => {
    expect((await cp16.call(id(), 'Authorize', { idTag: 'TAG-1' }))[2]).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect((await cp16.call(id(), 'Authorize', { idTag: REJECTED }))[2]).toEqual({ idTagInfo: { status: 'Invalid' } });
  });

  it('1.6: StartTransaction assigns increasing transaction ids; StopTransaction ends the transaction', async () => {
    const start = (idTag: string) =>
      cp16.call(id(), 'StartTransaction', {
        connectorId: 1,
        idTag,
        meterStart: 0,
        timestamp: new Date().toISOString(),
      });
    const answers = [await start('TAG-1'), await start('TAG-2'), await start(REJECTED)].map(
      (frame) => frame[2] as v16.StartTransactionResponse,
    );
    const ids = answers.map((a) => a.transactionId);
    expect(ids.every(Number.isInteger)).toBe(true);
    expect(ids[1]).toBeGreaterThan(ids[0] as number);
    expect(ids[2]).toBeGreaterThan(ids[1] as number);
    expect(answers.map((a) => a.idTagInfo.status)).toEqual(['Accepted', 'Accepted', 'Invalid']);

    const stop = await cp16.call(id(), 'StopTransaction', {
      transactionId: ids[0],
      meterStop: 10,
      timestamp: new Date().toISOString(),
      idTag: 'TAG-1',
    });
    expect(stop[2]).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(store.transactions.get(String(ids[0]))).toMatchObject({
      identity: 'CP16',
      idTag: 'TAG-1',
      ended: expect.any(String),
    });
  });

  it('1.6: keeps meter values in memory', async () => {
    const timestamp = new Date().toISOString();
    await cp16.call(id(), 'MeterValues', {
      connectorId: 1,
      transactionId: 42,
      meterValue: [{ timestamp, sampledValue: [{ value: '10' }, { value: '230', measurand: 'Voltage' }] }],
    });
    expect(store.meterValues).toContainEqual({ identity: 'CP16', transactionId: '42', timestamp, sampledValues: 2 });
  });

  it('2.0.1 and 2.1: authorizes id tokens unless configured otherwise, in Authorize and TransactionEvent', async () => {
    for (const client of [cp201, cp21]) {
      const token = (idToken: string) => ({ idToken, type: 'ISO14443' });
      expect((await client.call(id(), 'Authorize', { idToken: token('TAG-1') }))[2]).toEqual({
        idTokenInfo: { status: 'Accepted' },
      });
      expect((await client.call(id(), 'Authorize', { idToken: token(REJECTED) }))[2]).toEqual({
        idTokenInfo: { status: 'Invalid' },
      });
      const event = await client.call(id(), 'TransactionEvent', {
        eventType: 'Started',
        timestamp: new Date().toISOString(),
        triggerReason: 'Authorized',
        seqNo: 0,
        transactionInfo: { transactionId: `tx-${client.protocol}` },
        idToken: token(REJECTED),
      });
      expect(event[2]).toEqual({ idTokenInfo: { status: 'Invalid' } });
    }
  });

  it('2.0.1: keeps the meter values of transaction events and MeterValues', async () => {
    const timestamp = new Date().toISOString();
    const meterValue = [{ timestamp, sampledValue: [{ value: 1 }, { value: 2 }, { value: 3 }] }];
    await cp201.call(id(), 'TransactionEvent', {
      eventType: 'Updated',
      timestamp,
      triggerReason: 'MeterValuePeriodic',
      seqNo: 1,
      transactionInfo: { transactionId: 'tx-mv' },
      meterValue,
    });
    await cp201.call(id(), 'MeterValues', { evseId: 1, meterValue });
    expect(store.meterValues).toContainEqual({
      identity: 'CP201',
      transactionId: 'tx-mv',
      timestamp,
      sampledValues: 3,
    });
    expect(store.meterValues).toContainEqual({
      identity: 'CP201',
      transactionId: undefined,
      timestamp,
      sampledValues: 3,
    });
  });

  it('2.1: a SEND (NotifyPeriodicEventStream) is taken in and never answered', async () => {
    const before = store.periodicEventSamples;
    const framesBefore = cp21.frames.length;
    cp21.send([
      6,
      id(),
      'NotifyPeriodicEventStream',
      {
        id: 1,
        pending: 0,
        basetime: new Date().toISOString(),
        data: [
          { t: 0, v: '1' },
          { t: 1, v: '2' },
        ],
      },
    ]);
    // frames are handled in order: once the next CALL is answered, the SEND was handled
    await cp21.call(id(), 'Heartbeat');
    expect(cp21.frames.length).toBe(framesBefore + 1);
    await until(() => store.periodicEventSamples === before + 2, 'samples counted');
  });
});

describe('the demo’s ChargePoints', () => {
  /** A MeterValues request of the version, with one sample taken at `timestamp`. */
  const meterValues = (protocol: Subprotocol, timestamp: string) => {
    const meterValue = [{ timestamp, sampledValue: [{ value: protocol === 'ocpp1.6' ? '1' : 1 }] }];
    return protocol === 'ocpp1.6' ? { connectorId: 1, meterValue } : { evseId: 1, meterValue };
  };

  it('are each version’s ChargePoint, served by the demo’s handlers writing to the demo’s store', async () => {
    const connections = [
      { identity: 'STORE_16', protocol: 'ocpp1.6', ChargePoint: v16.ChargePoint },
      { identity: 'STORE_201', protocol: 'ocpp2.0.1', ChargePoint: v201.ChargePoint },
      { identity: 'STORE_21', protocol: 'ocpp2.1', ChargePoint: v21.ChargePoint },
    ] as const;
    const clients = await Promise.all(
      connections.map(({ identity, protocol }) => RawClient.open(`ws://127.0.0.1:${port}/${identity}`, protocol)),
    );
    for (const [i, { identity, protocol, ChargePoint }] of connections.entries()) {
      const chargePoint = server?.get(identity);
      expectTypeOf(chargePoint).toEqualTypeOf<DemoChargePoint | undefined>();
      expect(chargePoint).toBeInstanceOf(ChargePoint);
      expect(chargePoint?.protocol).toBe(protocol);
      expect(chargePoint?.identity).toBe(identity);
      // the version's one object of handlers, which served the connections before, records under this identity
      const timestamp = new Date().toISOString();
      const frame = await clients[i]?.call(id(), 'MeterValues', meterValues(protocol, timestamp));
      expect(frame?.[2]).toEqual({});
      expect(store.meterValues).toContainEqual({ identity, transactionId: undefined, timestamp, sampledValues: 1 });
    }
    expect(server?.get('STORE_201')).not.toBeInstanceOf(v21.ChargePoint);
    expect(server?.get('STORE_21')).not.toBeInstanceOf(v201.ChargePoint);
    await Promise.all(clients.map((client) => client.close()));
  });

  it('serves only the versions asked for, with a store of each server’s own', async () => {
    const demo = createDemoCsms({ host: '127.0.0.1', port: 0, protocols: ['ocpp1.6'] });
    try {
      const { port: only16 } = await demo.server.listen();
      const client = await RawClient.open(`ws://127.0.0.1:${only16}/CP`, ['ocpp2.1', 'ocpp1.6']);
      expect(client.protocol).toBe('ocpp1.6');
      expect(demo.server.get('CP')).toBeInstanceOf(v16.ChargePoint);
      const timestamp = new Date().toISOString();
      await client.call(id(), 'MeterValues', meterValues('ocpp1.6', timestamp));
      const stored = { identity: 'CP', transactionId: undefined, timestamp, sampledValues: 1 };
      expect(demo.store.meterValues).toEqual([stored]);
      expect(store.meterValues).not.toContainEqual(stored);
      await client.close();
    } finally {
      await demo.server.close();
    }
  });
});

describe('the demo store stays bounded, as its comment says', () => {
  it('keeps the newest TRANSACTIONS_KEPT transactions, whatever the charge points send', async () => {
    const { DemoStore: Store, TRANSACTIONS_KEPT, stationTransactionKey: key } = await import('../../src/demo/store.ts');
    const store = new Store();
    const now = new Date().toISOString();
    // four rounds of new 2.x transaction ids, as a flood of TransactionEvents would bring
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < TRANSACTIONS_KEPT; i++) store.recordTransaction('CS-1', `r${round}-${i}`, 'Started', now);
    }
    expect(store.transactions.size).toBe(TRANSACTIONS_KEPT);
    expect(store.transactions.has(key('CS-1', 'r0-0'))).toBe(false);
    expect(store.transactions.has(key('CS-1', `r3-${TRANSACTIONS_KEPT - 1}`))).toBe(true);
    // 1.6 ids assigned by the store count against the same bound, and an Ended event still finds its transaction
    const id = store.startTransaction('CP-1', 'TAG', now);
    expect(store.transactions.size).toBe(TRANSACTIONS_KEPT);
    store.recordTransaction('CS-1', `r3-${TRANSACTIONS_KEPT - 1}`, 'Ended', now);
    expect(store.transactions.get(key('CS-1', `r3-${TRANSACTIONS_KEPT - 1}`))?.ended).toBe(now);
    expect(store.transactions.get(String(id))?.identity).toBe('CP-1');
  });

  it('2.x: two charge points that use the same transaction id have a transaction each', async () => {
    const { DemoStore: Store, stationTransactionKey: key } = await import('../../src/demo/store.ts');
    const store = new Store();
    store.recordTransaction('CS-1', 'T-1', 'Started', '2024-01-01T00:00:00Z');
    store.recordTransaction('CS-2', 'T-1', 'Started', '2024-01-01T00:00:01Z');
    store.recordTransaction('CS-2', 'T-1', 'Ended', '2024-01-01T00:01:00Z');
    expect(store.transactions.get(key('CS-1', 'T-1'))?.identity).toBe('CS-1');
    expect(store.transactions.get(key('CS-1', 'T-1'))?.ended).toBeUndefined();
    expect(store.transactions.get(key('CS-2', 'T-1'))).toMatchObject({
      identity: 'CS-2',
      ended: '2024-01-01T00:01:00Z',
    });
  });

  it('keeps the newest METER_VALUES_KEPT meter values', async () => {
    const { DemoStore: Store, METER_VALUES_KEPT } = await import('../../src/demo/store.ts');
    const store = new Store();
    const value = { timestamp: new Date().toISOString(), sampledValue: [{ value: '1' }] };
    for (let i = 0; i < 3; i++)
      store.keepMeterValues(
        'CP-1',
        `t${i}`,
        Array.from({ length: METER_VALUES_KEPT }, () => value),
      );
    expect(store.meterValues).toHaveLength(METER_VALUES_KEPT);
    expect(store.meterValues.every((kept) => kept.transactionId === 't2')).toBe(true);
  });
});
