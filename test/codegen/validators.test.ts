/**
 * The validators generated ahead of time (`generated/<version>/validators.ts`), and the format checks of
 * `src/formats.ts` they call.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validators as v16 } from '../../generated/v16/index.ts';
import { validators as v21 } from '../../generated/v21/index.ts';
import { validators as v201 } from '../../generated/v201/index.ts';
import { formatOptions, isDateTime, isUri, ucs2length } from '../../src/formats.ts';
import type { Validator } from '../../src/protocol.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a validator and returns the keyword of its first error, or `valid`. */
function verdict(validate: Validator<unknown>, payload: unknown): string {
  if (validate(payload)) {
    expect(validate.errors).toBeNull();
    return 'valid';
  }
  expect(validate.errors?.length).toBeGreaterThan(0);
  return validate.errors?.[0]?.keyword ?? 'no error given';
}

const withLenientDateTime = <T>(run: () => T): T => {
  formatOptions.lenientDateTime = true;
  try {
    return run();
  } finally {
    formatOptions.lenientDateTime = false;
  }
};

const v16Boot = { chargePointVendor: 'Vendor', chargePointModel: 'Model' };
const v2Boot = { reason: 'PowerUp', chargingStation: { model: 'Model', vendorName: 'Vendor' } };
const v16BootResponse = { status: 'Accepted', currentTime: '2024-01-01T10:00:00Z', interval: 300 };

describe('BootNotification, per version and keyword', () => {
  const table = [
    ['v16', v16.BootNotificationRequest, v16Boot, v16.BootNotificationResponse, v16BootResponse],
    ['v201', v201.BootNotificationRequest, v2Boot, v201.BootNotificationResponse, v16BootResponse],
    ['v21', v21.BootNotificationRequest, v2Boot, v21.BootNotificationResponse, v16BootResponse],
  ] as const;

  describe.each(table)('%s', (version, request, valid, response, validResponse) => {
    const vendorPath = version === 'v16' ? ['chargePointVendor'] : ['chargingStation', 'vendorName'];
    const withVendor = (value: unknown) => {
      const payload = structuredClone(valid) as unknown as Record<string, Record<string, unknown>>;
      if (vendorPath.length === 1) (payload as Record<string, unknown>)[vendorPath[0]!] = value;
      else payload[vendorPath[0]!]![vendorPath[1]!] = value;
      return payload;
    };
    const vendorMax = version === 'v16' ? 20 : 50;

    it('accepts a valid request and response', () => {
      expect(verdict(request, valid)).toBe('valid');
      expect(verdict(response, validResponse)).toBe('valid');
    });

    it.each<[string, () => unknown, string, string]>([
      ['a missing required property', () => ({}), 'required', ''],
      ['an unknown property at the root', () => ({ ...valid, foo: 1 }), 'additionalProperties', ''],
      ['a number for a string', () => withVendor(42), 'type', `/${vendorPath.join('/')}`],
      ['a string one too long', () => withVendor('x'.repeat(vendorMax + 1)), 'maxLength', `/${vendorPath.join('/')}`],
      ['an array for the payload', () => [valid], 'type', ''],
      ['null for the payload', () => null, 'type', ''],
    ])('rejects %s', (_, payload, keyword, instancePath) => {
      expect(verdict(request, payload())).toBe(keyword);
      expect(request.errors?.[0]?.instancePath).toBe(instancePath);
    });

    it('accepts a string exactly at maxLength', () => {
      expect(verdict(request, withVendor('x'.repeat(vendorMax)))).toBe('valid');
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['an enum value with a typo', { status: 'Acepted' }, 'enum'],
      ['a date-time that is no date', { currentTime: 'yesterday' }, 'format'],
      ['a fractional integer', { interval: 1.5 }, 'type'],
    ])('the response rejects %s', (_, change, keyword) => {
      expect(verdict(response, { ...validResponse, ...change })).toBe(keyword);
    });
  });

  it('minimum: 1.6 has none; 2.0.1 and 2.1 reject below it', () => {
    const v16Dir = join(root, 'schemas', 'v16');
    const withMinimum = readdirSync(v16Dir).filter((f) => readFileSync(join(v16Dir, f), 'utf8').includes('"minimum"'));
    expect(withMinimum).toEqual([]);

    const needs = (stateOfCharge: number) => ({
      evseId: 1,
      chargingNeeds: {
        requestedEnergyTransfer: 'DC',
        dcChargingParameters: { evMaxCurrent: 100, evMaxVoltage: 400, stateOfCharge },
      },
    });
    expect(verdict(v201.NotifyEVChargingNeedsRequest, needs(0))).toBe('valid');
    expect(verdict(v201.NotifyEVChargingNeedsRequest, needs(-1))).toBe('minimum');
    expect(v201.NotifyEVChargingNeedsRequest.errors?.[0]?.instancePath).toBe(
      '/chargingNeeds/dcChargingParameters/stateOfCharge',
    );
    expect(verdict(v21.CancelReservationRequest, { reservationId: 0 })).toBe('valid');
    expect(verdict(v21.CancelReservationRequest, { reservationId: -1 })).toBe('minimum');
  });
});

describe('1.6 SetChargingProfile limit: multipleOf 0.1', () => {
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

  it.each([21.4, 0.3, 0.1, 16, 0, 7.7, 1234.5])('accepts %d', (limit) => {
    expect(verdict(v16.SetChargingProfileRequest, profile(limit))).toBe('valid');
  });

  it.each([21.45, 0.05, 16.01])('rejects %d', (limit) => {
    expect(verdict(v16.SetChargingProfileRequest, profile(limit))).toBe('multipleOf');
    expect(v16.SetChargingProfileRequest.errors?.[0]?.instancePath).toBe(
      '/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit',
    );
  });
});

describe('date-time in a validator', () => {
  const at = (currentTime: string) => verdict(v16.BootNotificationResponse, { ...v16BootResponse, currentTime });

  it.each(['2024-01-01T10:00:00Z', '2024-01-01T10:00:00.123+02:00', '2024-02-29T23:59:59-05:30'])(
    'accepts %s',
    (value) => {
      expect(at(value)).toBe('valid');
    },
  );

  it('rejects a date-time without offset by default', () => {
    expect(formatOptions.lenientDateTime).toBe(false);
    expect(at('2024-01-01T10:00:00')).toBe('format');
  });

  it('accepts a date-time without offset when lenientDateTime is set, and only then', () => {
    expect(withLenientDateTime(() => at('2024-01-01T10:00:00'))).toBe('valid');
    expect(at('2024-01-01T10:00:00')).toBe('format');
  });

  it.each(['2024-02-30T10:00:00Z', '2023-02-29T10:00:00Z', '2024-01-01T25:00:00Z', '2024-01-01'])(
    'rejects %s, lenient or not',
    (value) => {
      expect(at(value)).toBe('format');
      expect(withLenientDateTime(() => at(value))).toBe('format');
    },
  );

  it('applies to 2.x too', () => {
    const response = { status: 'Accepted', interval: 300, currentTime: '2024-01-01T10:00:00' };
    expect(verdict(v201.BootNotificationResponse, response)).toBe('format');
    expect(withLenientDateTime(() => verdict(v21.BootNotificationResponse, response))).toBe('valid');
  });
});

describe('2.x customData', () => {
  it.each([
    ['v201', v201],
    ['v21', v21],
  ] as const)('%s: customData takes vendor properties; the objects around it take none', (_, validators) => {
    const custom = { vendorId: 'com.example', anything: { nested: [1, 2] }, flag: true };
    expect(verdict(validators.BootNotificationRequest, { ...v2Boot, customData: custom })).toBe('valid');
    const nested = { ...v2Boot, chargingStation: { ...v2Boot.chargingStation, customData: custom } };
    expect(verdict(validators.BootNotificationRequest, nested)).toBe('valid');
    expect(verdict(validators.BootNotificationRequest, { ...v2Boot, customData: { anything: 1 } })).toBe('required');
    expect(verdict(validators.BootNotificationRequest, { ...v2Boot, vendorExtra: 1 })).toBe('additionalProperties');
    const inner = { ...v2Boot, chargingStation: { ...v2Boot.chargingStation, vendorExtra: 1 } };
    expect(verdict(validators.BootNotificationRequest, inner)).toBe('additionalProperties');
    expect(validators.BootNotificationRequest.errors?.[0]?.instancePath).toBe('/chargingStation');
  });

  it.each([
    ['v201', v201],
    ['v21', v21],
  ] as const)('%s: DataTransfer data takes any JSON value', (_, validators) => {
    for (const data of ['text', 42, true, null, [1, 'a'], { a: 1 }]) {
      expect(verdict(validators.DataTransferRequest, { vendorId: 'com.example', data }), JSON.stringify(data)).toBe(
        'valid',
      );
    }
  });
});

describe('validation leaves the payload as it was', () => {
  const deepFreeze = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) deepFreeze(child);
      Object.freeze(value);
    }
    return value;
  };

  it('inserts no default (2.0.1 GetVariables attributeType has default Actual)', () => {
    const schema = JSON.parse(readFileSync(join(root, 'schemas', 'v201', 'GetVariablesRequest.json'), 'utf8'));
    expect(schema.definitions.GetVariableDataType.properties.attributeType.$ref).toBe(
      '#/definitions/AttributeEnumType',
    );
    expect(schema.definitions.AttributeEnumType.default).toBe('Actual');

    const payload = {
      getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
    };
    const before = structuredClone(payload);
    expect(verdict(v201.GetVariablesRequest, payload)).toBe('valid');
    expect(payload).toEqual(before);
    expect(payload.getVariableData[0]).not.toHaveProperty('attributeType');
  });

  it('neither on success nor on failure, and a frozen payload validates', () => {
    const ok = deepFreeze({ ...v2Boot, customData: { vendorId: 'x', extra: [1] } });
    expect(verdict(v21.BootNotificationRequest, ok)).toBe('valid');
    const bad = { ...v16Boot, foo: { bar: 1 } };
    const before = structuredClone(bad);
    expect(verdict(v16.BootNotificationRequest, bad)).toBe('additionalProperties');
    expect(bad).toEqual(before);
  });
});

describe('maxLength counts code points', () => {
  it('20 emoji fit a 20-character 1.6 field (40 UTF-16 units), 21 do not', () => {
    const plug = '🔌';
    expect(plug.repeat(20)).toHaveLength(40);
    expect(verdict(v16.BootNotificationRequest, { ...v16Boot, chargePointVendor: plug.repeat(20) })).toBe('valid');
    expect(verdict(v16.BootNotificationRequest, { ...v16Boot, chargePointVendor: plug.repeat(21) })).toBe('maxLength');
  });
});

describe('src/formats.ts', () => {
  describe('isDateTime', () => {
    it.each([
      '2024-01-01T10:00:00Z',
      '2024-01-01t10:00:00z',
      '2024-01-01T10:00:00.1Z',
      '2024-01-01T10:00:00.123456789+02:00',
      '2024-01-01T10:00:00-05:30',
      '2024-01-01T10:00:00+23:59',
      '2024-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '2024-12-31T23:59:60Z',
      '2024-04-30T00:00:00Z',
    ])('accepts %s', (value) => {
      expect(isDateTime(value)).toBe(true);
      expect(isDateTime(value, false)).toBe(true);
    });

    it.each([
      '',
      '2024-01-01',
      '10:00:00Z',
      '2024-01-01 10:00:00Z',
      '2024-01-01T10:00Z',
      '2024-01-01T10:00:00.Z',
      '2024-01-01T10:00:00+0200',
      '2024-01-01T10:00:00+24:00',
      '2024-01-01T10:00:00+02:60',
      '2024-00-10T10:00:00Z',
      '2024-13-01T10:00:00Z',
      '2024-01-00T10:00:00Z',
      '2024-01-32T10:00:00Z',
      '2024-04-31T10:00:00Z',
      '2024-02-30T10:00:00Z',
      '2023-02-29T10:00:00Z',
      '1900-02-29T10:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T10:60:00Z',
      '2024-01-01T10:00:61Z',
      '24-01-01T10:00:00Z',
      ' 2024-01-01T10:00:00Z',
      '2024-01-01T10:00:00Z ',
    ])('rejects %j, lenient or not', (value) => {
      expect(isDateTime(value, false)).toBe(false);
      expect(isDateTime(value, true)).toBe(false);
    });

    it('a missing offset: rejected when strict, accepted when lenient', () => {
      expect(isDateTime('2024-01-01T10:00:00', false)).toBe(false);
      expect(isDateTime('2024-01-01T10:00:00.5', true)).toBe(true);
      expect(isDateTime('2024-01-01T10:00:00', true)).toBe(true);
    });

    it('agrees with the RFC 3339 grammar, written as a regular expression, on timestamps mutated at random', () => {
      const grammar = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))?$/;
      const oracle = (value: string, lenient: boolean): boolean => {
        const m = grammar.exec(value);
        if (!m) return false;
        const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[] as [
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
        const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
        if (days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 60) return false;
        if (m[7] === undefined) return lenient;
        return m[8] === undefined || (Number(m[8]) <= 23 && Number(m[9]) <= 59);
      };
      const pad = (n: number, width: number) => String(n).padStart(width, '0');
      const timestamp = fc
        .record({
          year: fc.integer({ min: 0, max: 9999 }),
          month: fc.integer({ min: 0, max: 13 }),
          day: fc.integer({ min: 0, max: 32 }),
          hour: fc.integer({ min: 0, max: 25 }),
          minute: fc.integer({ min: 0, max: 61 }),
          second: fc.integer({ min: 0, max: 62 }),
          separator: fc.constantFrom('T', 't', ' '),
          fraction: fc.constantFrom('', '.5', '.123456', '.'),
          zone: fc.oneof(
            fc.constantFrom('', 'Z', 'z'),
            fc
              .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
              .map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
          ),
        })
        .map(
          (t) =>
            `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}${t.separator}${pad(t.hour, 2)}:${pad(t.minute, 2)}:` +
            `${pad(t.second, 2)}${t.fraction}${t.zone}`,
        );
      fc.assert(
        fc.property(
          timestamp,
          fc.array(
            fc.tuple(
              fc.nat(40),
              fc.constantFrom(...'0123456789-+:.TtZz x'),
              fc.constantFrom('set', 'insert', 'delete'),
            ),
            {
              maxLength: 2,
            },
          ),
          fc.boolean(),
          (generated, edits, lenient) => {
            let value = generated;
            for (const [at, char, edit] of edits) {
              const i = at % (value.length + 1);
              if (edit === 'insert') value = value.slice(0, i) + char + value.slice(i);
              else if (edit === 'delete') value = value.slice(0, i) + value.slice(i + 1);
              else value = value.slice(0, i) + char + value.slice(i + 1);
            }
            expect(isDateTime(value, lenient), value).toBe(oracle(value, lenient));
          },
        ),
        { numRuns: 5000 },
      );
    });

    it('the default follows formatOptions.lenientDateTime at call time', () => {
      expect(isDateTime('2024-01-01T10:00:00')).toBe(false);
      expect(withLenientDateTime(() => isDateTime('2024-01-01T10:00:00'))).toBe(true);
      expect(isDateTime('2024-01-01T10:00:00')).toBe(false);
    });
  });

  describe('isUri', () => {
    it.each([
      'http://example.com',
      'https://example.com/path?q=1#frag',
      'wss://csms.example.com:443/ocpp/CP-001',
      'ftp://user:pass@host/firmware.bin',
      'urn:OCPP:1.6:2019:12:BootNotificationRequest',
      'mailto:ops@example.com',
      'x+y.z-w:rest',
    ])('accepts %s', (value) => {
      expect(isUri(value)).toBe(true);
    });

    it.each([
      '',
      'example.com',
      '/relative/path',
      '//host/path',
      'http://exa mple.com',
      'ht tp://x',
      '1http://x',
      'http://x\n',
      'http://x\t',
      'http://x\u0000',
      'http://x\u007f',
      ':no-scheme',
    ])('rejects %j', (value) => {
      expect(isUri(value)).toBe(false);
    });
  });

  describe('ucs2length', () => {
    it.each([
      ['', 0],
      ['abc', 3],
      ['🔌', 1],
      ['a🔌b', 3],
      ['𝄞𝄞', 2],
      ['é', 1],
      ['e\u0301', 2],
      ['\ud83d', 1],
      ['\ud83dx', 2],
      ['\udc0a', 1],
      ['\udc0a\ud83d', 2],
      ['x\ud83d', 2],
    ])('%j has %i code points', (value, want) => {
      expect(ucs2length(value)).toBe(want);
      expect(ucs2length(value)).toBe([...value].length);
    });
  });
});
