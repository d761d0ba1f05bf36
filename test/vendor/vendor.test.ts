/**
 * Typed vendor messages end to end, over real sockets on 127.0.0.1: the generator's output for examples/vendor
 * (written to .scratch/, importing the runtime from src/), an `OcppServer` serving 1.6, 2.0.1 and 2.1, and a `Client`
 * of each version. Calls both ways, the wire format of each version, refusals with the CALLERROR codes of the
 * schema faults, and what is not a vendor message reaching the plain DataTransfer handler.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVendor } from '../../src/cli/vendor/generate.ts';
import type { HandlerErrorEvent } from '../../src/events.ts';
import {
  CallError,
  type DataTransferHandler,
  DataTransferStatusError,
  type HandlerContext,
  OcppError,
  RequestValidationError,
  ResponseValidationError,
  refuseDataTransfer,
  VendorRequestValidationError,
  VendorResponseValidationError,
  VendorResultValidationError,
} from '../../src/index.ts';
import { OcppServer } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { until } from '../server/helpers.ts';

type Generated = typeof import('../../examples/vendor/generated/index.ts');

const ROOT = new URL('../..', import.meta.url).pathname;
const OUT = join(ROOT, '.scratch', 'vendor-out', 'e2e');
const HOST = '127.0.0.1';
const VENDOR_ID = 'com.example.charging';

let vendor: Generated['vendor'];
/** Every vendor message a typed handler got: which side, which message, the data. */
const handled: { side: string; identity: string; message: string; data: unknown }[] = [];
/** Every DataTransfer the plain (fallback) handler of the CSMS got. */
const plain: { vendorId: string; messageId: string | undefined; data: unknown }[] = [];

let csmsDataTransfer: DataTransferHandler;
let stationDataTransfer: DataTransferHandler;

class Csms16 extends v16.ChargePoint {
  onDataTransfer(request: v16.DataTransferRequest, context: HandlerContext) {
    return csmsDataTransfer(request, context);
  }
}
class Csms201 extends v201.ChargePoint {
  onDataTransfer(request: v201.DataTransferRequest, context: HandlerContext) {
    return csmsDataTransfer(request, context);
  }
}
class Station16 extends v16.Client {
  onDataTransfer(request: v16.DataTransferRequest, context: HandlerContext) {
    return stationDataTransfer(request, context);
  }
}
class Station201 extends v201.Client {
  onDataTransfer(request: v201.DataTransferRequest, context: HandlerContext) {
    return stationDataTransfer(request, context);
  }
}
class Station21 extends v21.Client {
  onDataTransfer(request: v21.DataTransferRequest, context: HandlerContext) {
    return stationDataTransfer(request, context);
  }
}
/** A charge point that answers any DataTransfer `Accepted` with data of its own: what a broken peer sends. */
let rogueData: unknown;
class Rogue16 extends v16.Client {
  onDataTransfer() {
    return { status: 'Accepted' as const, data: rogueData as string };
  }
}
class Rogue201 extends v201.Client {
  onDataTransfer() {
    return { status: 'Accepted' as const, data: rogueData };
  }
}

function createServer() {
  return new OcppServer({
    host: HOST,
    pingInterval: 0,
    protocols: {
      'ocpp1.6': Csms16,
      'ocpp2.0.1': Csms201,
      // 2.1 with an object of handlers instead of a class
      'ocpp2.1': (identity, connection, context) =>
        new v21.ChargePoint(identity, connection, { ...context, handlers: { onDataTransfer: csmsDataTransfer } }),
    },
  });
}
let server: ReturnType<typeof createServer>;
let url = '';
const clients: { stop(): Promise<void> }[] = [];

async function connect<C extends { connect(): Promise<void>; stop(): Promise<void> }>(client: C, identity: string) {
  const registered = new Promise<void>((resolve) => {
    const listener = ({ identity: id }: { identity: string }) => {
      if (id === identity) resolve();
    };
    server.events.on('connect', listener);
  });
  clients.push(client);
  await Promise.all([client.connect(), registered]);
  return client;
}

const options = (identity: string) => ({ url, identity, reconnect: false, pingInterval: 0 });

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const generated = await generateVendor({
    folder: join(ROOT, 'examples', 'vendor'),
    out: OUT,
    runtime: '../../../src/index.ts',
  });
  for (const [name, text] of Object.entries(generated.files)) writeFileSync(join(OUT, name), text);
  ({ vendor } = (await import(pathToFileURL(join(OUT, 'index.ts')).href)) as Generated);

  csmsDataTransfer = vendor.handlers(
    {
      MeterSnapshot: (data, context) => {
        handled.push({ side: 'csms', identity: context.identity, message: context.vendorMessageId, data });
        return { stored: data.readings.length > 0 };
      },
      Ping: (data, context) => {
        handled.push({ side: 'csms', identity: context.identity, message: 'Ping', data });
        return { nonce: data.nonce, uptime: 7 };
      },
    },
    {
      fallback: ({ vendorId, messageId, data }) => {
        plain.push({ vendorId, messageId, data });
        return { status: 'Accepted', data: 'plain' };
      },
    },
  );
  // no fallback on the charge point side: the default answers
  stationDataTransfer = vendor.chargePointHandlers({
    SetLimit: (data, context) => {
      handled.push({ side: 'cp', identity: context.identity, message: 'SetLimit', data });
      if (data.unit === 'W') return refuseDataTransfer();
      if (data.connectorId === 9) throw new OcppError('PropertyConstraintViolation', 'no connector 9');
      if (data.connectorId === 99) return { applied: 'maybe' } as never;
      return { applied: true, ...(data.limit > 32 ? { effectiveLimit: 32 } : {}) };
    },
    Ping: async ({ nonce }) => ({ nonce: nonce.toUpperCase() }),
  });

  server = createServer();
  const { port } = await server.listen(0, HOST);
  url = `ws://${HOST}:${port}`;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()));
  await server?.close();
});

/** The frames of one connection, parsed, as they go out and come in. */
function frames(endpoint: { events: v16.ChargePoint['events'] }) {
  const out: unknown[][] = [];
  const received: unknown[][] = [];
  endpoint.events.on('message:out', ({ data }) => out.push(JSON.parse(data) as unknown[]));
  endpoint.events.on('message:in', ({ data }) => received.push(JSON.parse(data) as unknown[]));
  return { out, received };
}

function csmsSide<T>(identity: string, type: abstract new (...args: never[]) => T): T {
  const chargePoint = server.get(identity);
  if (!(chargePoint instanceof type)) throw new Error(`${identity} is not connected as ${type.name}`);
  return chargePoint;
}

async function callError(promise: Promise<unknown>): Promise<CallError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CallError);
  return error as CallError;
}

describe('OCPP 1.6: data is JSON text on the wire', () => {
  let station: Station16;
  let csms: Csms16;
  beforeAll(async () => {
    station = await connect(new Station16(options('CP-16')), 'CP-16');
    csms = csmsSide('CP-16', Csms16);
  });

  it('the CSMS calls the charge point: typed data in, typed data out, a JSON string on the wire', async () => {
    const wire = frames(csms);
    const answer = await vendor.call(csms, 'SetLimit', { connectorId: 1, limit: 40, unit: 'A' });
    expect(answer).toEqual({ applied: true, effectiveLimit: 32 });
    const request = wire.out.find((frame) => frame[2] === 'DataTransfer');
    expect(request).toEqual([
      2,
      expect.any(String),
      'DataTransfer',
      { vendorId: VENDOR_ID, messageId: 'SetLimit', data: '{"connectorId":1,"limit":40,"unit":"A"}' },
    ]);
    expect(wire.received).toContainEqual([
      3,
      request?.[1],
      { status: 'Accepted', data: '{"applied":true,"effectiveLimit":32}' },
    ]);
    expect(handled.at(-1)).toEqual({
      side: 'cp',
      identity: 'CP-16',
      message: 'SetLimit',
      data: { connectorId: 1, limit: 40, unit: 'A' },
    });
  });

  it('the charge point calls the CSMS, and a message sent by both sides goes both ways', async () => {
    const wire = frames(csms);
    const snapshot = { timestamp: '2026-01-02T03:04:05Z', readings: [{ phase: 'L2' as const, current: 9.5 }] };
    expect(await vendor.call(station, 'MeterSnapshot', snapshot)).toEqual({ stored: true });
    expect(wire.received).toContainEqual([
      2,
      expect.any(String),
      'DataTransfer',
      { vendorId: VENDOR_ID, messageId: 'MeterSnapshot', data: JSON.stringify(snapshot) },
    ]);
    expect(handled.at(-1)).toMatchObject({ side: 'csms', identity: 'CP-16', data: snapshot });
    expect(await vendor.call(station, 'Ping', { nonce: 'from-cp' })).toEqual({ nonce: 'from-cp', uptime: 7 });
    expect(await vendor.call(csms, 'Ping', { nonce: 'from-csms' })).toEqual({ nonce: 'FROM-CSMS' });
  });

  it('refuses data that fails its schema with the 1.6 code of the fault; the handler is never called', async () => {
    const before = handled.length;
    const send = (data?: string) =>
      station.call('DataTransfer', {
        vendorId: VENDOR_ID,
        messageId: 'MeterSnapshot',
        ...(data === undefined ? {} : { data }),
      });
    const missing = await callError(send(JSON.stringify({ readings: [{ phase: 'L1', current: 1 }] })));
    expect([missing.code, missing.description]).toEqual([
      'OccurenceConstraintViolation',
      '/data: missing required property "timestamp"',
    ]);
    expect(missing.details).toEqual({ keyword: 'required', instancePath: '/data' });
    const phase = await callError(
      send(JSON.stringify({ timestamp: '2026-01-02T03:04:05Z', readings: [{ phase: 'L4', current: 1 }] })),
    );
    expect([phase.code, phase.description]).toEqual([
      'PropertyConstraintViolation',
      '/data/readings/0/phase: must be one of the allowed values',
    ]);
    const type = await callError(
      send(JSON.stringify({ timestamp: '2026-01-02T03:04:05Z', readings: [{ phase: 'L1', current: '1' }] })),
    );
    expect(type.code).toBe('TypeConstraintViolation');
    const notJson = await callError(send('{"timestamp":'));
    expect([notJson.code, notJson.description]).toEqual(['FormationViolation', '/data: must be JSON text']);
    const absent = await callError(send());
    expect([absent.code, absent.description]).toEqual([
      'OccurenceConstraintViolation',
      'payload: missing required property "data"',
    ]);
    // the other way: the CSMS's data fails the charge point's schema
    const low = await callError(
      csms.call('DataTransfer', {
        vendorId: VENDOR_ID,
        messageId: 'SetLimit',
        data: '{"connectorId":0,"limit":1,"unit":"A"}',
      }),
    );
    expect([low.code, low.description]).toEqual(['PropertyConstraintViolation', '/data/connectorId: must be >= 1']);
    expect(handled.length).toBe(before);
  });

  it('compares vendorId and messageId case-insensitively, as 1.6 CiStrings are', async () => {
    const answer = await station.call('DataTransfer', {
      vendorId: VENDOR_ID.toUpperCase(),
      messageId: 'ping',
      data: '{"nonce":"n"}',
    });
    expect(answer).toEqual({ status: 'Accepted', data: '{"nonce":"n","uptime":7}' });
  });

  it('rejects an answer whose data is not JSON text', async () => {
    rogueData = 'applied';
    const rogue = await connect(new Rogue16(options('ROGUE-16')), 'ROGUE-16');
    const error = await vendor.call(csmsSide('ROGUE-16', Csms16), 'Ping', { nonce: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorResultValidationError);
    expect((error as VendorResultValidationError).issue.keyword).toBe('contentMediaType');
    expect((error as Error).message).toBe(
      `DataTransfer ${VENDOR_ID} Ping: the answer's data is invalid: /data: must be JSON text`,
    );
    await rogue.stop();
  });
});

describe('OCPP 2.0.1: data is sent as is', () => {
  let station: Station201;
  let csms: Csms201;
  beforeAll(async () => {
    station = await connect(new Station201(options('CS-201')), 'CS-201');
    csms = csmsSide('CS-201', Csms201);
  });

  it('calls both ways with the data as a JSON value on the wire', async () => {
    const wire = frames(csms);
    expect(await vendor.call(csms, 'SetLimit', { connectorId: 2, limit: 16, unit: 'A' })).toEqual({ applied: true });
    expect(wire.out.find((frame) => frame[2] === 'DataTransfer')).toEqual([
      2,
      expect.any(String),
      'DataTransfer',
      { vendorId: VENDOR_ID, messageId: 'SetLimit', data: { connectorId: 2, limit: 16, unit: 'A' } },
    ]);
    expect(wire.received).toContainEqual([3, expect.any(String), { status: 'Accepted', data: { applied: true } }]);
    const snapshot = {
      timestamp: '2026-01-02T03:04:05.5+01:00',
      readings: [
        { phase: 'L1' as const, current: 1 },
        { phase: 'L3' as const, current: 2 },
      ],
    };
    expect(await vendor.call(station, 'MeterSnapshot', snapshot)).toEqual({ stored: true });
    expect(wire.received).toContainEqual([
      2,
      expect.any(String),
      'DataTransfer',
      { vendorId: VENDOR_ID, messageId: 'MeterSnapshot', data: snapshot },
    ]);
  });

  it('refuses data that fails its schema with the 2.x code of the fault; the handler is never called', async () => {
    const before = handled.length;
    const send = (data: unknown) =>
      station.call('DataTransfer', { vendorId: VENDOR_ID, messageId: 'MeterSnapshot', data });
    const cases: [unknown, string, string][] = [
      [{ readings: [] }, 'OccurrenceConstraintViolation', '/data: missing required property "timestamp"'],
      [
        { timestamp: '2026-01-02T03:04:05Z', readings: [{ phase: 'N', current: 1 }] },
        'PropertyConstraintViolation',
        '/data/readings/0/phase: must be one of the allowed values',
      ],
      [
        { timestamp: '2026-01-02 03:04', readings: [{ phase: 'L1', current: 1 }] },
        'PropertyConstraintViolation',
        '/data/timestamp: must match format "date-time"',
      ],
      [
        { timestamp: '2026-01-02T03:04:05Z', readings: [] },
        'OccurrenceConstraintViolation',
        '/data/readings: must not have fewer than 1 items',
      ],
      [{ timestamp: 5, readings: [] }, 'TypeConstraintViolation', '/data/timestamp: must be string'],
      [
        { timestamp: '2026-01-02T03:04:05Z', readings: [{ phase: 'L1', current: 1 }], extra: true },
        'FormatViolation',
        '/data: has a property the schema does not allow',
      ],
      ['a string', 'TypeConstraintViolation', '/data: must be object'],
    ];
    for (const [data, code, description] of cases) {
      const error = await callError(send(data));
      expect([error.code, error.description], JSON.stringify(data)).toEqual([code, description]);
    }
    expect(handled.length).toBe(before);
  });

  it('what is not one of its messages reaches the plain DataTransfer handler', async () => {
    plain.length = 0;
    expect(await station.call('DataTransfer', { vendorId: VENDOR_ID, messageId: 'Reboot', data: [1] })).toEqual({
      status: 'Accepted',
      data: 'plain',
    });
    expect(await station.call('DataTransfer', { vendorId: 'org.example.other', messageId: 'Ping' })).toEqual({
      status: 'Accepted',
      data: 'plain',
    });
    // SetLimit exists, but the CSMS never receives it: not a message for this side
    await station.call('DataTransfer', { vendorId: VENDOR_ID, messageId: 'SetLimit', data: {} });
    // 2.x compares exactly
    await station.call('DataTransfer', { vendorId: VENDOR_ID.toUpperCase(), messageId: 'Ping', data: { nonce: 'n' } });
    expect(plain).toEqual([
      { vendorId: VENDOR_ID, messageId: 'Reboot', data: [1] },
      { vendorId: 'org.example.other', messageId: 'Ping', data: undefined },
      { vendorId: VENDOR_ID, messageId: 'SetLimit', data: {} },
      { vendorId: VENDOR_ID.toUpperCase(), messageId: 'Ping', data: { nonce: 'n' } },
    ]);
  });

  it('without a fallback: UnknownVendorId and UnknownMessageId', async () => {
    const call = (payload: v201.DataTransferRequest) => csms.call('DataTransfer', payload);
    expect(await call({ vendorId: 'org.example.other', messageId: 'SetLimit' })).toEqual({ status: 'UnknownVendorId' });
    expect(await call({ vendorId: VENDOR_ID, messageId: 'Nope' })).toEqual({ status: 'UnknownMessageId' });
    expect(await call({ vendorId: VENDOR_ID })).toEqual({ status: 'UnknownMessageId' });
    // MeterSnapshot is the charge point's to send
    expect(await call({ vendorId: VENDOR_ID, messageId: 'MeterSnapshot', data: {} })).toEqual({
      status: 'UnknownMessageId',
    });
  });

  it('refuses our own invalid data before sending anything', async () => {
    const wire = frames(csms);
    const error = await vendor
      .call(station, 'MeterSnapshot', { timestamp: 'now', readings: [{ phase: 'L1', current: 1 }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorRequestValidationError);
    expect(error).toBeInstanceOf(RequestValidationError);
    const { issue, message, vendorId, vendorMessageId } = error as VendorRequestValidationError;
    expect([issue.keyword, issue.instancePath, vendorId, vendorMessageId]).toEqual([
      'format',
      '/timestamp',
      VENDOR_ID,
      'MeterSnapshot',
    ]);
    expect(message).toBe(
      `DataTransfer ${VENDOR_ID} MeterSnapshot: the request's data is invalid: /data/timestamp: must match format "date-time"`,
    );
    const sent = await vendor.call(csms, 'SetLimit', { connectorId: 1, limit: -1, unit: 'A' }).catch((e: unknown) => e);
    expect(sent).toBeInstanceOf(VendorRequestValidationError);
    expect(wire.out).toEqual([]);
    expect(wire.received).toEqual([]);
  });

  it('a refusal, an OcppError and an invalid answer of the handler', async () => {
    const refused = await vendor.call(csms, 'SetLimit', { connectorId: 1, limit: 1, unit: 'W' }).catch((e) => e);
    expect(refused).toBeInstanceOf(DataTransferStatusError);
    expect([refused.status, refused.message]).toEqual([
      'Rejected',
      `DataTransfer ${VENDOR_ID} SetLimit was answered Rejected`,
    ]);
    const thrown = await callError(vendor.call(csms, 'SetLimit', { connectorId: 9, limit: 1, unit: 'A' }));
    expect([thrown.code, thrown.description]).toEqual(['PropertyConstraintViolation', 'no connector 9']);

    const errors: HandlerErrorEvent[] = [];
    station.events.on('handler:error', (event) => errors.push(event));
    const invalid = await callError(vendor.call(csms, 'SetLimit', { connectorId: 99, limit: 1, unit: 'A' }));
    expect(invalid.code).toBe('InternalError');
    await until(() => errors.length === 1, 'handler:error');
    const reported = errors[0]?.error as Error;
    expect(reported).toBeInstanceOf(VendorResponseValidationError);
    expect(reported).toBeInstanceOf(ResponseValidationError);
    expect(reported.message).toBe(
      `DataTransfer ${VENDOR_ID} SetLimit: the handler's response data is invalid: /data/applied: must be boolean`,
    );
  });

  it('rejects an answer whose data fails its schema', async () => {
    rogueData = { applied: 'yes' };
    const rogue = await connect(new Rogue201(options('ROGUE-201')), 'ROGUE-201');
    const chargePoint = csmsSide('ROGUE-201', Csms201);
    const error = await vendor
      .call(chargePoint, 'SetLimit', { connectorId: 1, limit: 1, unit: 'A' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorResultValidationError);
    const { issue, response } = error as VendorResultValidationError;
    expect([issue.keyword, issue.instancePath]).toEqual(['type', '/applied']);
    expect(response).toEqual({ status: 'Accepted', data: { applied: 'yes' } });
    rogueData = undefined;
    const missing = await vendor.call(chargePoint, 'Ping', { nonce: 'x' }).catch((e: unknown) => e);
    expect((missing as VendorResultValidationError).issue.keyword).toBe('required');
    expect((missing as Error).message).toMatch(/payload: missing required property "data"$/);
    await rogue.stop();
  });
});

describe('OCPP 2.1: the handler in an object of handlers', () => {
  it('calls both ways', async () => {
    const station = await connect(new Station21(options('CS-21')), 'CS-21');
    const csms = csmsSide('CS-21', v21.ChargePoint);
    expect(await vendor.call(station, 'Ping', { nonce: 'a' })).toEqual({ nonce: 'a', uptime: 7 });
    expect(await vendor.call(csms, 'Ping', { nonce: 'b' })).toEqual({ nonce: 'B' });
    expect(await vendor.call(csms, 'SetLimit', { connectorId: 1, limit: 6, unit: 'A' })).toEqual({ applied: true });
  });
});
