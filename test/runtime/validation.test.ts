/** Validation glue: no mutation, date-time leniency scoped to one call, 1.6 decimals. */
import { describe, expect, test } from 'vitest';
import { formatOptions } from '../../src/formats.ts';
import type { ValidationIssue, Validator } from '../../src/protocol.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { validate } from '../../src/validation.ts';
import { rawPair } from './helpers.ts';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const STATUS = { connectorId: 1, errorCode: 'NoError', status: 'Available' } as const;

describe('validate()', () => {
  test('returns the first issue, or undefined when valid', () => {
    const validator = v16.validators.BootNotificationRequest;
    expect(validate(validator, { chargePointVendor: 'V', chargePointModel: 'M' }, false)).toBeUndefined();
    expect(validate(validator, { chargePointVendor: 'V' }, false)).toMatchObject({
      keyword: 'required',
      instancePath: '',
      params: { missingProperty: 'chargePointModel' },
    });
    expect(validate(undefined, 'anything', false)).toBeUndefined();
  });

  test('never mutates the payload (frozen payloads validate; clones stay equal)', () => {
    const payloads: [Validator<unknown>, unknown][] = [
      [
        v16.validators.MeterValuesRequest,
        {
          connectorId: 1,
          transactionId: 5,
          meterValue: [{ timestamp: '2024-01-01T00:00:00Z', sampledValue: [{ value: '12.5', unit: 'kWh' }] }],
        },
      ],
      [v16.validators.StatusNotificationRequest, { ...STATUS, timestamp: '2024-01-01T10:00:00', extra: [1, { a: 2 }] }],
      [
        v201.validators.BootNotificationRequest,
        {
          chargingStation: { model: 'M', vendorName: 'V', modem: {} },
          reason: 'PowerUp',
          customData: { vendorId: 'x', n: 1 },
        },
      ],
    ];
    for (const [validator, payload] of payloads) {
      const before = structuredClone(payload);
      deepFreeze(payload);
      for (const lenient of [false, true]) validate(validator, payload, lenient);
      expect(payload).toEqual(before);
    }
  });

  test('lenientDateTime applies to one call only and is reset, even when the validator throws', () => {
    const validator = v16.validators.StatusNotificationRequest;
    const local = { ...STATUS, timestamp: '2024-01-01T10:00:00' };
    expect(validate(validator, local, false)?.keyword).toBe('format');
    expect(validate(validator, local, true)).toBeUndefined();
    expect(formatOptions.lenientDateTime).toBe(false);
    expect(validate(validator, local, false)?.keyword).toBe('format');

    const throwing = (() => {
      expect(formatOptions.lenientDateTime).toBe(true);
      throw new Error('validator bug');
    }) as unknown as Validator<unknown>;
    expect(() => validate(throwing, {}, true)).toThrow('validator bug');
    expect(formatOptions.lenientDateTime).toBe(false);
  });

  test('a validator failing without errors still yields an issue', () => {
    const bare = (() => false) as unknown as Validator<unknown>;
    const issue = validate(bare, {}, false) as ValidationIssue;
    expect(issue.keyword).toBe('unknown');
  });
});

describe('on a connection', () => {
  class Csms extends v16.ChargePoint {
    onStatusNotification() {
      return {};
    }
  }

  test('strict by default: a timestamp without offset is a PropertyConstraintViolation', async () => {
    const { connection, peer } = rawPair('ocpp1.6');
    new Csms('CP-1', connection);
    const answer = await peer.exchange([
      2,
      's1',
      'StatusNotification',
      { ...STATUS, timestamp: '2024-01-01T10:00:00' },
    ]);
    expect(answer).toEqual([
      4,
      's1',
      'PropertyConstraintViolation',
      '/timestamp: must match format "date-time"',
      { keyword: 'format', instancePath: '/timestamp' },
    ]);
  });

  test('lenientDateTime: accepted; other connections stay strict', async () => {
    const lenient = rawPair('ocpp1.6');
    const strict = rawPair('ocpp1.6');
    new Csms('CP-1', lenient.connection, { lenientDateTime: true });
    new Csms('CP-2', strict.connection);
    const frame = { ...STATUS, timestamp: '2024-01-01T10:00:00' };
    expect(await lenient.peer.exchange([2, 's1', 'StatusNotification', frame])).toEqual([3, 's1', {}]);
    expect((await strict.peer.exchange([2, 's1', 'StatusNotification', frame]))[2]).toBe('PropertyConstraintViolation');
    // still strict about what is not a date at all
    expect(
      (await lenient.peer.exchange([2, 's2', 'StatusNotification', { ...frame, timestamp: '2024-13-01T10:00:00' }]))[2],
    ).toBe('PropertyConstraintViolation');
    expect(formatOptions.lenientDateTime).toBe(false);
  });

  test('the handler gets the payload exactly as sent', async () => {
    const seen: unknown[] = [];
    class Recording extends v16.ChargePoint {
      onMeterValues(request: v16.MeterValuesRequest) {
        seen.push(request);
        return {};
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    new Recording('CP-1', connection);
    const payload = {
      connectorId: 2,
      meterValue: [{ timestamp: '2024-01-01T00:00:00Z', sampledValue: [{ value: '1.0' }] }],
    };
    expect(await peer.exchange([2, 'm1', 'MeterValues', payload])).toEqual([3, 'm1', {}]);
    expect(seen).toEqual([payload]);
  });

  test('1.6 charging-profile decimals: 21.4 and 0.3 pass, 21.45 fails', async () => {
    class Charger extends v16.ChargePointSession {
      onSetChargingProfile() {
        return { status: 'Accepted' as const };
      }
    }
    const { connection, peer } = rawPair('ocpp1.6');
    new Charger('CP-1', connection);
    const profile = (limit: number) => ({
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 1,
        stackLevel: 0,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
      },
    });
    expect(await peer.exchange([2, 'p1', 'SetChargingProfile', profile(21.4)])).toEqual([
      3,
      'p1',
      { status: 'Accepted' },
    ]);
    expect(await peer.exchange([2, 'p2', 'SetChargingProfile', profile(0.3)])).toEqual([
      3,
      'p2',
      { status: 'Accepted' },
    ]);
    const answer = await peer.exchange([2, 'p3', 'SetChargingProfile', profile(21.45)]);
    expect(answer.slice(0, 3)).toEqual([4, 'p3', 'PropertyConstraintViolation']);
    expect(answer[4]).toEqual({
      keyword: 'multipleOf',
      instancePath: '/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit',
    });
  });
});
