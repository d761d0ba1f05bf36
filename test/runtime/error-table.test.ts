/**
 * Every row of OCPP-J-RULES.md "Which error for which fault", per version, with the exact frame sent back.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { OcppConnection } from '../../src/connection.ts';
import type { EndpointOptions } from '../../src/endpoint.ts';
import { OcppError, ResponseValidationError } from '../../src/errors.ts';
import type { EndpointEventMap } from '../../src/events.ts';
import type { HandlerContext } from '../../src/messages.ts';
import type { Validator } from '../../src/protocol.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { flush, rawPair } from './helpers.ts';

type AnyChargePoint = InstanceType<typeof v16.ChargePoint>;
type AnyChargePointClass = new (
  identity: string,
  connection: OcppConnection,
  options?: EndpointOptions,
) => AnyChargePoint;

const NOW = '2024-01-01T00:00:00Z';

/** Held handler promises, by DataTransfer messageId, for the duplicate-id and deadline rows. */
const held = new Map<string, { resolve: (v: object) => void; signal: AbortSignal }>();

/** Handlers shared by the three versions (methods named on<Action>; unknown names are ignored). */
const handlers = {
  onHeartbeat() {
    return { currentTime: NOW };
  },
  onBootNotification() {
    return { currentTime: NOW, interval: 10, status: 'Accepted' };
  },
  onStatusNotification() {
    return {};
  },
  onAuthorize() {
    return {};
  },
  onMeterValues() {
    return {};
  },
  onNotifyEVChargingNeeds() {
    return { status: 'Accepted' };
  },
  onDataTransfer(request: { messageId?: string }, context: HandlerContext): unknown {
    switch (request.messageId) {
      case 'ocpp-error':
        throw new OcppError('NotSupported', 'No such vendor extension', { hint: 'ask the vendor' });
      case 'ocpp-format':
        throw new OcppError('FormatViolation', 'Vendor data is garbled');
      case 'ocpp-occurrence':
        throw new OcppError('OccurenceConstraintViolation', 'Missing vendor field');
      case 'throw':
        throw new Error('database password is hunter2');
      case 'reject':
        return Promise.reject(new Error('database password is hunter2'));
      case 'invalid':
        return { status: 'Maybe' };
      case 'not-object':
        return undefined;
      case 'hold':
        return new Promise((resolve) => held.set(context.messageId, { resolve, signal: context.signal }));
      default:
        return { status: 'Accepted' };
    }
  },
};

/** A class of `base`'s version with the handlers above that are actions of that version. */
function tableClass(base: unknown): AnyChargePointClass {
  const Base = base as typeof v16.ChargePoint;
  class TableChargePoint extends Base {}
  const actions = Base.versionSide?.protocol.actions ?? {};
  for (const [name, handler] of Object.entries(handlers)) {
    if (Object.hasOwn(actions, name.slice(2))) Object.assign(TableChargePoint.prototype, { [name]: handler });
  }
  return TableChargePoint;
}

interface VersionCase {
  protocol: 'ocpp1.6' | 'ocpp2.0.1' | 'ocpp2.1';
  Csms: AnyChargePointClass;
  validators: Readonly<Record<string, Validator<unknown>>>;
  framing: string;
  occurrence: string;
  format: string;
  duplicate: string;
  /** Payloads hitting one schema keyword each (the test first checks the keyword is the validator's first). */
  schema: { keyword: string; action: string; payload: object; instancePath: string; code: string }[];
}

const v16Schema: VersionCase['schema'] = [
  {
    keyword: 'required',
    action: 'BootNotification',
    payload: { chargePointVendor: 'V' },
    instancePath: '',
    code: 'OccurenceConstraintViolation',
  },
  {
    keyword: 'type',
    action: 'BootNotification',
    payload: { chargePointVendor: 5, chargePointModel: 'M' },
    instancePath: '/chargePointVendor',
    code: 'TypeConstraintViolation',
  },
  {
    keyword: 'maxLength',
    action: 'BootNotification',
    payload: { chargePointVendor: 'x'.repeat(21), chargePointModel: 'M' },
    instancePath: '/chargePointVendor',
    code: 'TypeConstraintViolation',
  },
  {
    keyword: 'enum',
    action: 'StatusNotification',
    payload: { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' },
    instancePath: '/status',
    code: 'PropertyConstraintViolation',
  },
  {
    keyword: 'format',
    action: 'StatusNotification',
    payload: { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: 'yesterday' },
    instancePath: '/timestamp',
    code: 'PropertyConstraintViolation',
  },
  {
    keyword: 'additionalProperties',
    action: 'BootNotification',
    payload: { chargePointVendor: 'V', chargePointModel: 'M', colour: 'red' },
    instancePath: '',
    code: 'FormationViolation',
  },
];

function v2Schema(occurrence: string, format: string): VersionCase['schema'] {
  const boot = { chargingStation: { model: 'M', vendorName: 'V' }, reason: 'PowerUp' };
  const needs = (dc: object) => ({
    evseId: 1,
    chargingNeeds: {
      requestedEnergyTransfer: 'DC',
      dcChargingParameters: { evMaxCurrent: 100, evMaxVoltage: 400, ...dc },
    },
  });
  const hashData = {
    hashAlgorithm: 'SHA256',
    issuerNameHash: 'a',
    issuerKeyHash: 'b',
    serialNumber: 'c',
    responderURL: 'http://ocsp.example',
  };
  return [
    {
      keyword: 'required',
      action: 'BootNotification',
      payload: { chargingStation: boot.chargingStation },
      instancePath: '',
      code: occurrence,
    },
    {
      keyword: 'type',
      action: 'Authorize',
      payload: { idToken: { idToken: 5, type: 'ISO14443' } },
      instancePath: '/idToken/idToken',
      code: 'TypeConstraintViolation',
    },
    {
      keyword: 'maxLength',
      action: 'BootNotification',
      payload: { ...boot, chargingStation: { model: 'x'.repeat(21), vendorName: 'V' } },
      instancePath: '/chargingStation/model',
      code: 'TypeConstraintViolation',
    },
    {
      keyword: 'enum',
      action: 'BootNotification',
      payload: { ...boot, reason: 'Boredom' },
      instancePath: '/reason',
      code: 'PropertyConstraintViolation',
    },
    {
      keyword: 'format',
      action: 'StatusNotification',
      payload: { timestamp: 'yesterday', connectorStatus: 'Available', evseId: 1, connectorId: 1 },
      instancePath: '/timestamp',
      code: 'PropertyConstraintViolation',
    },
    {
      keyword: 'minimum',
      action: 'NotifyEVChargingNeeds',
      payload: needs({ stateOfCharge: -1 }),
      instancePath: '/chargingNeeds/dcChargingParameters/stateOfCharge',
      code: 'PropertyConstraintViolation',
    },
    {
      keyword: 'maximum',
      action: 'NotifyEVChargingNeeds',
      payload: needs({ stateOfCharge: 101 }),
      instancePath: '/chargingNeeds/dcChargingParameters/stateOfCharge',
      code: 'PropertyConstraintViolation',
    },
    {
      keyword: 'minItems',
      action: 'MeterValues',
      payload: { evseId: 1, meterValue: [] },
      instancePath: '/meterValue',
      code: occurrence,
    },
    {
      keyword: 'maxItems',
      action: 'Authorize',
      payload: { idToken: { idToken: 'A', type: 'ISO14443' }, iso15118CertificateHashData: Array(5).fill(hashData) },
      instancePath: '/iso15118CertificateHashData',
      code: occurrence,
    },
    {
      keyword: 'additionalProperties',
      action: 'BootNotification',
      payload: { ...boot, colour: 'red' },
      instancePath: '',
      code: format,
    },
  ];
}

const versions: VersionCase[] = [
  {
    protocol: 'ocpp1.6',
    Csms: tableClass(v16.ChargePoint),
    validators: v16.validators,
    framing: 'FormationViolation',
    occurrence: 'OccurenceConstraintViolation',
    format: 'FormationViolation',
    duplicate: 'ProtocolError',
    schema: v16Schema,
  },
  {
    protocol: 'ocpp2.0.1',
    Csms: tableClass(v201.ChargePoint),
    validators: v201.validators,
    framing: 'RpcFrameworkError',
    occurrence: 'OccurrenceConstraintViolation',
    format: 'FormatViolation',
    duplicate: 'RpcFrameworkError',
    schema: v2Schema('OccurrenceConstraintViolation', 'FormatViolation'),
  },
  {
    protocol: 'ocpp2.1',
    Csms: tableClass(v21.ChargePoint),
    validators: v21.validators,
    framing: 'RpcFrameworkError',
    occurrence: 'OccurrenceConstraintViolation',
    format: 'FormatViolation',
    duplicate: 'RpcFrameworkError',
    schema: v2Schema('OccurrenceConstraintViolation', 'FormatViolation'),
  },
];

const open: AnyChargePoint[] = [];
afterEach(async () => {
  held.clear();
  await Promise.all(open.splice(0).map((cp) => cp.close()));
});

describe.each(versions)('$protocol', (v) => {
  function setup(options: EndpointOptions = {}) {
    const { connection, peer } = rawPair(v.protocol);
    const cp = new v.Csms('CP-1', connection, { maxBadFrames: 0, ...options });
    open.push(cp);
    const events: { [K in keyof EndpointEventMap]?: EndpointEventMap[K][] } = {};
    for (const name of ['validation:failed', 'handler:error', 'bad-frame'] as const) {
      cp.events.on(name, (e) => {
        const list: unknown[] = events[name] ?? [];
        list.push(e);
        events[name] = list as never;
      });
    }
    return { cp, peer, events };
  }

  describe('frame unreadable: CALLERROR with id "-1" (or the readable id)', () => {
    test('not JSON', async () => {
      const { peer } = setup();
      expect(await peer.exchange('[2, "a1", "Heartbeat", {')).toEqual([
        4,
        '-1',
        v.framing,
        'Frame is not valid JSON',
        {},
      ]);
    });
    test('not an array', async () => {
      const { peer } = setup();
      expect(await peer.exchange({ 0: 2, 1: 'a1' })).toEqual([4, '-1', v.framing, 'Frame is not a JSON array', {}]);
    });
    test('message type unreadable, id readable', async () => {
      const { peer } = setup();
      expect(await peer.exchange(['2', 'a1', 'Heartbeat', {}])).toEqual([
        4,
        'a1',
        v.framing,
        'Message type is unreadable',
        {},
      ]);
    });
    test('message type and id unreadable', async () => {
      const { peer } = setup();
      expect(await peer.exchange([])).toEqual([4, '-1', v.framing, 'Message type is unreadable', {}]);
    });
  });

  describe('bad arity, id or action type', () => {
    test('CALL with 3 elements', async () => {
      const { peer } = setup();
      expect(await peer.exchange([2, 'a1', 'Heartbeat'])).toEqual([
        4,
        'a1',
        v.framing,
        'CALL: expected 4 elements',
        {},
      ]);
    });
    test('CALL with 5 elements', async () => {
      const { peer } = setup();
      expect(await peer.exchange([2, 'a1', 'Heartbeat', {}, {}])).toEqual([
        4,
        'a1',
        v.framing,
        'CALL: expected 4 elements',
        {},
      ]);
    });
    test('action not a string', async () => {
      const { peer } = setup();
      expect(await peer.exchange([2, 'a1', 42, {}])).toEqual([4, 'a1', v.framing, 'CALL: action must be a string', {}]);
    });
    test('id of 37 characters', async () => {
      const { peer } = setup();
      expect(await peer.exchange([2, 'x'.repeat(37), 'Heartbeat', {}])).toEqual([
        4,
        '-1',
        v.framing,
        'CALL: message id must be a string of 1 to 36 characters',
        {},
      ]);
    });
    test('id not a string', async () => {
      const { peer } = setup();
      expect(await peer.exchange([2, 17, 'Heartbeat', {}])).toEqual([
        4,
        '-1',
        v.framing,
        'CALL: message id must be a string of 1 to 36 characters',
        {},
      ]);
    });
    test('empty id', async () => {
      const { peer } = setup();
      expect((await peer.exchange([2, '', 'Heartbeat', {}])).slice(0, 3)).toEqual([4, '-1', v.framing]);
    });
    test('payload an array, null, a string: the payload is wrong, not the frame', async () => {
      const { peer } = setup();
      for (const payload of [[], null, 'x']) {
        expect(await peer.exchange([2, 'n1', 'BootNotification', payload])).toEqual([
          4,
          'n1',
          v.format,
          'CALL: payload must be a JSON object',
          {},
        ]);
      }
      expect(JSON.stringify(await peer.exchange('[2,"n1","BootNotification",null]'))).toBe(
        `[4,"n1","${v.format}","CALL: payload must be a JSON object",{}]`,
      );
    });
    test('an id of 36 characters is fine', async () => {
      const { peer } = setup();
      const id = 'y'.repeat(36);
      expect(await peer.exchange([2, id, 'Heartbeat', {}])).toEqual([3, id, { currentTime: NOW }]);
    });
  });

  test('unknown message type: ignored, no reply, loop goes on', async () => {
    const { peer, events } = setup();
    peer.send([7, 'a1', 'Heartbeat', {}]);
    peer.send([1, 'a2', {}]);
    if (v.protocol !== 'ocpp2.1') {
      // 5 and 6 exist only in 2.1
      peer.send([5, 'a3', 'InternalError', '', {}]);
      peer.send([6, 'a4', 'NotifyPeriodicEventStream', {}]);
    }
    expect(await peer.drain()).toEqual([]);
    expect(events['bad-frame']?.map((e) => e.kind)).toEqual(
      v.protocol === 'ocpp2.1' ? ['unknown-type', 'unknown-type'] : Array(4).fill('unknown-type'),
    );
    expect(await peer.exchange([2, 'a5', 'Heartbeat', {}])).toEqual([3, 'a5', { currentTime: NOW }]);
  });

  test('unknown action (case-sensitive): NotImplemented', async () => {
    const { peer } = setup();
    const description = `Action is not implemented in ${v.protocol}`;
    expect(await peer.exchange([2, 'a1', 'Teleport', {}])).toEqual([4, 'a1', 'NotImplemented', description, {}]);
    expect(await peer.exchange([2, 'a2', 'heartbeat', {}])).toEqual([4, 'a2', 'NotImplemented', description, {}]);
    expect(await peer.exchange([2, 'a3', 'toString', {}])).toEqual([4, 'a3', 'NotImplemented', description, {}]);
  });

  test('known action without a handler: NotSupported', async () => {
    const { peer } = setup();
    expect(await peer.exchange([2, 'a1', 'FirmwareStatusNotification', { status: 'Idle' }])).toEqual([
      4,
      'a1',
      'NotSupported',
      'Action "FirmwareStatusNotification" is not supported',
      {},
    ]);
  });

  test('action of the other direction: NotSupported', async () => {
    const { peer } = setup();
    expect(await peer.exchange([2, 'a1', 'Reset', { type: 'Soft' }])).toEqual([
      4,
      'a1',
      'NotSupported',
      'Action "Reset" is not supported',
      {},
    ]);
  });

  describe('schema faults', () => {
    for (const [i, row] of v.schema.entries()) {
      test(`${row.keyword} → ${row.code}`, async () => {
        // the payload hits the intended keyword first
        const validator = v.validators[`${row.action}Request`];
        expect(validator?.(structuredClone(row.payload))).toBe(false);
        expect(validator?.errors?.[0]?.keyword).toBe(row.keyword);

        const { peer, events } = setup();
        const id = `s${i}`;
        const answer = await peer.exchange([2, id, row.action, row.payload]);
        expect(answer).toEqual([
          4,
          id,
          row.code,
          expect.any(String),
          { keyword: row.keyword, instancePath: row.instancePath },
        ]);
        const description = answer[3] as string;
        expect(description.length).toBeLessThanOrEqual(255);
        expect(description.startsWith(row.instancePath === '' ? 'payload: ' : `${row.instancePath}: `)).toBe(true);
        expect(events['validation:failed']).toEqual([
          expect.objectContaining({ direction: 'in', kind: 'request', action: row.action, messageId: id }),
        ]);
      });
    }

    test('a schema failure never echoes the offending value', async () => {
      const { peer } = setup();
      const secret = 'S3CR3T-VALUE-THAT-MUST-NOT-LEAK';
      const payload =
        v.protocol === 'ocpp1.6'
          ? { chargePointVendor: secret, chargePointModel: 'M' }
          : { chargingStation: { model: secret, vendorName: 'V' }, reason: 'PowerUp' };
      const answer = await peer.exchange([2, 'a1', 'BootNotification', payload]);
      expect(answer[2]).toBe('TypeConstraintViolation');
      expect(JSON.stringify(answer)).not.toContain(secret);
    });
  });

  test('the same id while that CALL is handled: error for the duplicate, the original answered once', async () => {
    const { peer } = setup();
    const request = { vendorId: 'acme', messageId: 'hold' };
    peer.send([2, 'dup', 'DataTransfer', request]);
    await flush();
    expect(held.has('dup')).toBe(true);
    expect(await peer.exchange([2, 'dup', 'DataTransfer', request])).toEqual([
      4,
      'dup',
      v.duplicate,
      'Message id is already in use by a CALL being handled',
      {},
    ]);
    held.get('dup')?.resolve({ status: 'Accepted' });
    expect(await peer.next()).toEqual([3, 'dup', { status: 'Accepted' }]);
    expect(await peer.drain()).toEqual([]);
    // once answered, the id may be used again
    expect(await peer.exchange([2, 'dup', 'DataTransfer', { vendorId: 'acme' }])).toEqual([
      3,
      'dup',
      { status: 'Accepted' },
    ]);
  });

  describe('handler throws an OcppError: its code, description, details', () => {
    test('as thrown', async () => {
      const { peer, events } = setup();
      expect(await peer.exchange([2, 'a1', 'DataTransfer', { vendorId: 'acme', messageId: 'ocpp-error' }])).toEqual([
        4,
        'a1',
        'NotSupported',
        'No such vendor extension',
        { hint: 'ask the vendor' },
      ]);
      expect(events['handler:error']).toBeUndefined();
    });
    test("in this version's spelling", async () => {
      const { peer } = setup();
      expect(await peer.exchange([2, 'a1', 'DataTransfer', { vendorId: 'acme', messageId: 'ocpp-format' }])).toEqual([
        4,
        'a1',
        v.format,
        'Vendor data is garbled',
        {},
      ]);
      expect(
        await peer.exchange([2, 'a2', 'DataTransfer', { vendorId: 'acme', messageId: 'ocpp-occurrence' }]),
      ).toEqual([4, 'a2', v.occurrence, 'Missing vendor field', {}]);
    });
  });

  describe('handler throws anything else or times out: InternalError, generic, {}', () => {
    const generic = [4, 'a1', 'InternalError', 'An internal error occurred while handling the request', {}];
    test('sync throw', async () => {
      const { peer, events } = setup();
      const answer = await peer.exchange([2, 'a1', 'DataTransfer', { vendorId: 'acme', messageId: 'throw' }]);
      expect(answer).toEqual(generic);
      expect(JSON.stringify(answer)).not.toContain('hunter2');
      expect(events['handler:error']).toEqual([
        expect.objectContaining({
          phase: 'handler',
          action: 'DataTransfer',
          messageId: 'a1',
          error: expect.any(Error),
        }),
      ]);
    });
    test('async rejection', async () => {
      const { peer } = setup();
      const answer = await peer.exchange([2, 'a1', 'DataTransfer', { vendorId: 'acme', messageId: 'reject' }]);
      expect(answer).toEqual(generic);
    });
    test('deadline passes: InternalError, signal aborted, late answer dropped', async () => {
      const { peer, events } = setup({ handlerTimeout: 30 });
      peer.send([2, 'a1', 'DataTransfer', { vendorId: 'acme', messageId: 'hold' }]);
      await flush();
      const pending = held.get('a1');
      expect(pending?.signal.aborted).toBe(false);
      expect(await peer.next()).toEqual(generic);
      expect(pending?.signal.aborted).toBe(true);
      expect(events['handler:error']?.[0]?.error).toMatchObject({ name: 'HandlerTimeoutError' });
      pending?.resolve({ status: 'Accepted' });
      expect(await peer.drain()).toEqual([]);
    });
  });

  describe('handler returns an invalid response: not sent, InternalError, the application told', () => {
    test('fails the schema', async () => {
      const { peer, events } = setup();
      expect(await peer.exchange([2, 'a1', 'DataTransfer', { vendorId: 'acme', messageId: 'invalid' }])).toEqual([
        4,
        'a1',
        'InternalError',
        'An internal error occurred while handling the request',
        {},
      ]);
      expect(events['validation:failed']).toEqual([
        expect.objectContaining({ direction: 'out', kind: 'response', action: 'DataTransfer', messageId: 'a1' }),
      ]);
      const error = events['handler:error']?.[0];
      expect(error?.phase).toBe('response');
      expect(error?.error).toBeInstanceOf(ResponseValidationError);
      expect(error?.error instanceof ResponseValidationError && error.error.issue.keyword).toBe('enum');
    });
    test('not an object', async () => {
      const { peer, events } = setup();
      expect(
        (await peer.exchange([2, 'a1', 'DataTransfer', { vendorId: 'acme', messageId: 'not-object' }])).slice(0, 3),
      ).toEqual([4, 'a1', 'InternalError']);
      expect(events['handler:error']?.[0]?.error).toBeInstanceOf(ResponseValidationError);
    });
  });

  describe('never answer a CALLRESULT or CALLERROR', () => {
    test('CALLRESULT with an unknown id: dropped, no reply', async () => {
      const { peer, events } = setup();
      peer.send([3, 'nobody-asked', { status: 'Accepted' }]);
      peer.send([4, 'nobody-asked', 'InternalError', '', {}]);
      expect(await peer.drain()).toEqual([]);
      expect(events['bad-frame']?.map((e) => [e.kind, e.messageId])).toEqual([
        ['unknown-id', 'nobody-asked'],
        ['unknown-id', 'nobody-asked'],
      ]);
    });
    test('malformed CALLRESULT and CALLERROR: no reply', async () => {
      const { peer } = setup();
      peer.send([3, 'x']);
      peer.send([3, 'x', []]);
      peer.send([4, 'x', 'InternalError']);
      peer.send([4, 'x', 5, '', {}]);
      expect(await peer.drain()).toEqual([]);
    });
  });

  test('a bad frame never stops the loop', async () => {
    const { peer } = setup();
    peer.send('garbage');
    peer.send([2, 'a1', 'Teleport', {}]);
    peer.send([2, 'a2', 'Heartbeat', {}]);
    const frames = await peer.drain();
    expect(frames.map((f) => f[0])).toEqual([4, 4, 3]);
    expect(frames[2]).toEqual([3, 'a2', { currentTime: NOW }]);
  });
});
