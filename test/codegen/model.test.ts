/**
 * The neutral model built from the real schemas, and the specification data of `codegen/data/` checked against
 * the schemas and against what was generated from them.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import directions from '../../codegen/data/directions.json' with { type: 'json' };
import transactionMessages from '../../codegen/data/transaction-messages.json' with { type: 'json' };
import v16Names from '../../codegen/data/v16-names.json' with { type: 'json' };
import security from '../../codegen/data/v16-security-extension.json' with { type: 'json' };
import { actionOfId, type JsonSchema, type LoadedSchema, loadVersion } from '../../codegen/load.ts';
import {
  buildModel,
  byName,
  chargePointSendMessages,
  chargePointSends,
  csmsSends,
  type VersionModel,
} from '../../codegen/model.ts';
import { type VersionInfo, type VersionKey, versions } from '../../codegen/versions.ts';
import * as v16 from '../../generated/v16/index.ts';
import * as v21 from '../../generated/v21/index.ts';
import * as v201 from '../../generated/v201/index.ts';
import type { Direction } from '../../src/protocol.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const info = (key: VersionKey): VersionInfo => versions.find((v) => v.key === key)!;
const directionTable = directions as Record<string, Record<string, Direction>>;
const models = new Map<VersionKey, VersionModel>(versions.map((v) => [v.key, buildModel(v, loadVersion(root, v.key))]));
const model = (key: VersionKey): VersionModel => models.get(key)!;
const generated = { v16, v201, v21 } as const;

const countBy = (m: VersionModel): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const a of m.actions) counts[a.direction] = (counts[a.direction] ?? 0) + 1;
  return counts;
};

describe('buildModel on the real schemas', () => {
  it.each([
    ['v16', 39, { 'cp-to-csms': 13, 'csms-to-cp': 25, both: 1 }],
    ['v201', 64, { 'cp-to-csms': 24, 'csms-to-cp': 39, both: 1 }],
    ['v21', 91, { 'cp-to-csms': 35, 'csms-to-cp': 54, both: 1, 'send-cp-to-csms': 1 }],
  ] as const)('%s: %i actions by direction', (key, total, byDirection) => {
    expect(model(key).actions).toHaveLength(total);
    expect(countBy(model(key))).toEqual(byDirection);
  });

  it.each([
    ['v16', 14, 26, 0],
    ['v201', 25, 40, 0],
    ['v21', 36, 55, 1],
  ] as const)('%s: the charge point sends %i CALLs, the CSMS %i, SEND messages %i', (key, cp, csms, send) => {
    expect(chargePointSends(model(key))).toHaveLength(cp);
    expect(csmsSends(model(key))).toHaveLength(csms);
    expect(chargePointSendMessages(model(key))).toHaveLength(send);
    for (const m of [chargePointSends, csmsSends]) {
      expect(m(model(key)).map((a) => a.name)).toContain('DataTransfer');
    }
  });

  it('2.1 NotifyPeriodicEventStream is the only SEND and has no response', () => {
    const sends = model('v21').actions.filter((a) => a.direction === 'send-cp-to-csms');
    expect(sends.map((a) => a.name)).toEqual(['NotifyPeriodicEventStream']);
    expect(sends[0]?.response).toBeUndefined();
    expect(sends[0]?.request.file).toBe('NotifyPeriodicEventStream.json');
    for (const a of model('v21').actions.filter((x) => x !== sends[0])) expect(a.response, a.name).toBeDefined();
  });

  it.each(versions.map((v) => v.key))('%s: payload type names and files follow one rule', (key) => {
    for (const a of model(key).actions) {
      expect(a.request.typeName).toBe(`${a.name}Request`);
      if (a.response) expect(a.response.typeName).toBe(`${a.name}Response`);
      if (key === 'v16') {
        expect(a.request.file).toBe(`${a.name}.json`);
        expect(a.response?.file).toBe(`${a.name}Response.json`);
      } else if (a.response) {
        expect(a.request.file).toBe(`${a.name}Request.json`);
        expect(a.response.file).toBe(`${a.name}Response.json`);
      }
    }
  });

  it.each(versions.map((v) => v.key))('%s: actions and types are sorted and unique', (key) => {
    const names = model(key).actions.map((a) => a.name);
    expect(names).toEqual([...new Set(names)].sort(byName));
    const types = model(key).types.map((t) => t.name);
    expect(types).toEqual([...new Set(types)].sort(byName));
  });

  it('byName sorts the same under every locale of the environment: case-insensitive first, then lower first', () => {
    expect(['Ya', 'Iz', 'AFRRSignal', 'AdjustPeriodicEventStream', 'Ib'].sort(byName)).toEqual([
      'AdjustPeriodicEventStream',
      'AFRRSignal',
      'Ib',
      'Iz',
      'Ya',
    ]);
  });

  it('the model order does not depend on LANG (lt_LT sorts Y with I by default)', () => {
    const url = (path: string) => new URL(path, import.meta.url).href;
    const script = `
      import { buildModel } from '${url('../../codegen/model.ts')}';
      import { loadVersion } from '${url('../../codegen/load.ts')}';
      import { versions } from '${url('../../codegen/versions.ts')}';
      const m = buildModel(versions[2], loadVersion(${JSON.stringify(root)}, 'v21'));
      console.log(JSON.stringify({ locale: new Intl.Collator().resolvedOptions().locale, types: m.types.map((t) => t.name) }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, LC_ALL: 'lt_LT.UTF-8', LANG: 'lt_LT.UTF-8' },
      encoding: 'utf8',
    });
    const { locale, types } = JSON.parse(out) as { locale: string; types: string[] };
    expect(locale).toBe('lt-LT');
    expect(types).toEqual(model('v21').types.map((t) => t.name));
  });

  it.each([
    ['v16', 49, 11],
    ['v201', 88, 55],
    ['v21', 110, 122],
  ] as const)('%s: %i enums and %i objects', (key, enums, objects) => {
    expect(model(key).types.filter((t) => t.kind === 'enum')).toHaveLength(enums);
    expect(model(key).types.filter((t) => t.kind === 'object')).toHaveLength(objects);
  });

  describe('refuses schemas and directions that disagree', () => {
    const extra: LoadedSchema = {
      file: 'Foo.json',
      action: 'Foo',
      role: 'request',
      schema: { type: 'object', properties: {} },
    };

    it('an action without a direction', () => {
      expect(() => buildModel(info('v16'), [...loadVersion(root, 'v16'), extra])).toThrow(
        'ocpp1.6: Foo is missing from codegen/data/directions.json',
      );
    });

    it('a direction without schemas', () => {
      const schemas = loadVersion(root, 'v16').filter((s) => s.action !== 'Heartbeat');
      expect(() => buildModel(info('v16'), schemas)).toThrow(
        'ocpp1.6: Heartbeat is in directions.json but has no schema',
      );
    });

    it('a CALL without its response', () => {
      const schemas = loadVersion(root, 'v201').filter((s) => s.file !== 'HeartbeatResponse.json');
      expect(() => buildModel(info('v201'), schemas)).toThrow(
        'ocpp2.0.1: Heartbeat is cp-to-csms but lacks a response schema',
      );
    });

    it('a SEND with a response', () => {
      const schemas = [
        ...loadVersion(root, 'v21'),
        { ...extra, file: 'x.json', action: 'NotifyPeriodicEventStream', role: 'response' as const },
      ];
      expect(() => buildModel(info('v21'), schemas)).toThrow(
        'ocpp2.1: NotifyPeriodicEventStream is send-cp-to-csms but has a response schema',
      );
    });

    it('a response without its request', () => {
      const schemas = loadVersion(root, 'v16').filter((s) => s.file !== 'Heartbeat.json');
      expect(() => buildModel(info('v16'), schemas)).toThrow('ocpp1.6: Heartbeat has no request schema');
    });
  });
});

describe('codegen/data/directions.json against the schema files', () => {
  it('has exactly the three subprotocols', () => {
    expect(Object.keys(directionTable).sort()).toEqual(versions.map((v) => v.subprotocol).sort());
  });

  it.each(versions)('$subprotocol: every action has schemas and every schema has an action', (v) => {
    const byAction = new Map<string, Set<string>>();
    for (const file of readdirSync(join(root, 'schemas', v.key))) {
      const raw = JSON.parse(readFileSync(join(root, 'schemas', v.key, file), 'utf8')) as JsonSchema;
      const { action, role } = actionOfId(String(raw.$id ?? raw.id));
      byAction.set(action, (byAction.get(action) ?? new Set()).add(role));
    }
    const table = directionTable[v.subprotocol]!;
    expect([...byAction.keys()].sort()).toEqual(Object.keys(table).sort());
    for (const [action, roles] of byAction) {
      const want = table[action] === 'send-cp-to-csms' ? ['request'] : ['request', 'response'];
      expect([...roles].sort(), action).toEqual(want);
    }
  });

  it('the 1.6 security extension actions are 1.6 actions', () => {
    const table = directionTable['ocpp1.6']!;
    for (const action of security.actions) expect(table, action).toHaveProperty(action);
  });
});

describe('codegen/data/v16-names.json against the 1.6 schemas', () => {
  interface NameEntry {
    schema: string;
    pointer: string;
    kind: string;
    name: string;
    schemaDefinitionName?: string;
    usedAt?: string[];
  }
  const entries = v16Names as NameEntry[];
  const fileOf = (schemaName: string): string => {
    const match = /^(\w+)\.(req|conf)$/.exec(schemaName);
    if (!match) throw new Error(`not a 1.6 schema name: ${schemaName}`);
    return match[2] === 'req' ? `${match[1]}.json` : `${match[1]}Response.json`;
  };
  const raw = (file: string): JsonSchema =>
    JSON.parse(readFileSync(join(root, 'schemas', 'v16', file), 'utf8')) as JsonSchema;
  const resolve = (schema: JsonSchema, pointer: string): unknown =>
    pointer
      .split('/')
      .slice(1)
      .reduce<unknown>((node, token) => {
        if (typeof node !== 'object' || node === null || !Object.hasOwn(node, token)) return undefined;
        return (node as JsonSchema)[token];
      }, schema);

  it('names 90 places', () => {
    expect(entries).toHaveLength(90);
  });

  it('every pointer exists in its schema and has the stated kind', () => {
    for (const entry of entries) {
      const where = `${entry.schema}${entry.pointer}`;
      const node = resolve(raw(fileOf(entry.schema)), entry.pointer) as JsonSchema | undefined;
      expect(node, where).toBeDefined();
      expect(['enum', 'object'], where).toContain(entry.kind);
      if (entry.kind === 'enum') expect(Array.isArray(node?.enum), where).toBe(true);
      else expect(node?.type, where).toBe('object');
    }
  });

  it('a definition entry points at its definition, and each usedAt refers to it', () => {
    const definitions = entries.filter((e) => e.schemaDefinitionName);
    expect(definitions).toHaveLength(20);
    for (const entry of definitions) {
      expect(entry.pointer).toBe(`/definitions/${entry.schemaDefinitionName}`);
      expect(entry.usedAt?.length, entry.name).toBeGreaterThan(0);
      for (const use of entry.usedAt ?? []) {
        expect(resolve(raw(fileOf(entry.schema)), use), `${entry.schema}${use}`).toEqual({
          $ref: `#/definitions/${entry.schemaDefinitionName}`,
        });
      }
    }
  });

  it('names each place once, and one name always has one kind', () => {
    const places = entries.map((e) => `${e.schema}${e.pointer}`);
    expect(new Set(places).size).toBe(places.length);
    const kinds = new Map<string, string>();
    for (const e of entries) {
      expect(kinds.get(e.name) ?? e.kind, e.name).toBe(e.kind);
      kinds.set(e.name, e.kind);
    }
  });

  it('every inline enum and object of the 1.6 schemas has a name', () => {
    const named = new Set(entries.map((e) => `${fileOf(e.schema)}${e.pointer}`));
    const unnamed: string[] = [];
    for (const file of readdirSync(join(root, 'schemas', 'v16'))) {
      const visit = (node: JsonSchema, pointer: string): void => {
        if (pointer && (Array.isArray(node.enum) || node.type === 'object') && !named.has(`${file}${pointer}`)) {
          unnamed.push(`${file}${pointer}`);
        }
        for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
          visit(child, `${pointer}/properties/${key}`);
        }
        if (node.items) visit(node.items as JsonSchema, `${pointer}/items`);
        for (const [key, child] of Object.entries((node.definitions ?? {}) as Record<string, JsonSchema>)) {
          visit(child, `${pointer}/definitions/${key}`);
        }
      };
      visit(raw(file), '');
    }
    expect(unnamed).toEqual([]);
  });
});

describe('1.6 names as the specification gives them', () => {
  const enums = {
    RegistrationStatus: ['Accepted', 'Pending', 'Rejected'],
    ChargePointStatus: [
      'Available',
      'Preparing',
      'Charging',
      'SuspendedEVSE',
      'SuspendedEV',
      'Finishing',
      'Reserved',
      'Unavailable',
      'Faulted',
    ],
    AuthorizationStatus: ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'],
  };

  it.each(Object.entries(enums))('%s is exported with the specification values', (name, values) => {
    const exported = (v16 as unknown as Record<string, Record<string, string>>)[name];
    expect(exported).toBeDefined();
    expect(Object.values(exported ?? {}).sort()).toEqual([...values].sort());
  });

  it.each([
    'ChargePointErrorCode',
    'UnitOfMeasure',
    'Measurand',
    'ReadingContext',
    'ValueFormat',
    'Phase',
    'Location',
    'ChargingProfilePurposeType',
    'ChargingProfileKindType',
    'ChargingRateUnitType',
    'RecurrencyKindType',
    'MessageTrigger',
    'Reason',
    'UpdateType',
    'ResetType',
    'AvailabilityType',
  ])('enum %s is a run-time export', (name) => {
    expect(v16).toHaveProperty(name);
  });

  it('UnitOfMeasure holds both Celsius (the specification) and Celcius (the schemas)', () => {
    expect(v16.UnitOfMeasure.Celsius).toBe('Celsius');
    expect(v16.UnitOfMeasure.Celcius).toBe('Celcius');
    expect(v16.UnitOfMeasure.kWh).toBe('kWh');
  });

  it('multi-part values get underscore keys', () => {
    expect(v16.Measurand.Energy_Active_Import_Register).toBe('Energy.Active.Import.Register');
    expect(v16.Phase.L1_N).toBe('L1-N');
    expect(Object.keys(v16.ChargePointErrorCode)).toHaveLength(16);
  });

  it.each([
    'IdTagInfo',
    'MeterValue',
    'SampledValue',
    'ChargingProfile',
    'ChargingSchedule',
    'ChargingSchedulePeriod',
    'KeyValue',
    'AuthorizationData',
  ])('object %s is a datatype of the model and of generated/v16/datatypes.ts', (name) => {
    expect(model('v16').types.find((t) => t.name === name)?.kind).toBe('object');
    expect(readFileSync(join(root, 'generated', 'v16', 'datatypes.ts'), 'utf8')).toContain(
      `export interface ${name} {`,
    );
  });
});

/** What `endpoints.ts` adds to a version's run-time exports: the runtime bound to it. */
const ENDPOINT_EXPORTS = ['ChargePoint', 'Csms', 'ChargePointSession', 'Client', 'on', 'after'];

describe('generated/<version>/ run-time exports against the model and directions.json', () => {
  it.each(versions)('$key: enums exported at run time are the model enums', (v) => {
    const enumNames = model(v.key)
      .types.filter((t) => t.kind === 'enum')
      .map((t) => t.name);
    const runtime = Object.keys(generated[v.key]).filter(
      (k) => !['Action', 'protocol', 'call', 'callResult', 'validators', ...ENDPOINT_EXPORTS].includes(k),
    );
    expect(runtime.sort()).toEqual(enumNames.sort());
    for (const t of model(v.key).types.filter((x) => x.kind === 'enum')) {
      const exported = (generated[v.key] as unknown as Record<string, Record<string, string>>)[t.name];
      expect(Object.values(exported ?? {}), t.name).toEqual(t.schema.enum);
    }
  });

  it.each(versions)('$key: protocol carries the subprotocol and directions.json', (v) => {
    const { protocol } = generated[v.key];
    expect(protocol.subprotocol).toBe(v.subprotocol);
    expect(protocol.actions).toEqual(directionTable[v.subprotocol]);
    expect(Object.keys(protocol.actions)).toEqual(Object.keys(directionTable[v.subprotocol]!).sort(byName));
  });

  it.each(versions)('$key: Action maps every action to itself', (v) => {
    const { Action } = generated[v.key];
    const actions = Object.keys(directionTable[v.subprotocol]!).sort(byName);
    expect(Object.keys(Action)).toEqual(actions);
    expect(Object.values(Action)).toEqual(actions);
  });

  it.each(versions)('$key: a call class per action, a callResult class per answered action', (v) => {
    const mod = generated[v.key];
    const table = directionTable[v.subprotocol]!;
    const all = Object.keys(table).sort();
    const answered = all.filter((a) => table[a] !== 'send-cp-to-csms');
    expect(Object.keys(mod.call).sort()).toEqual(all);
    expect(Object.keys(mod.callResult).sort()).toEqual(answered);
    const carriers = [mod.call, mod.callResult] as unknown as Record<string, new (p: object) => { action: string }>[];
    for (const carrier of carriers) {
      for (const [name, Carrier] of Object.entries(carrier)) {
        const payload = {};
        const message = new Carrier(payload) as { action: string; payload: object };
        expect(message.action).toBe(name);
        expect(message.payload).toBe(payload);
      }
    }
  });

  it.each(versions)('$key: a validator per payload schema', (v) => {
    const table = directionTable[v.subprotocol]!;
    const want = Object.keys(table)
      .flatMap((a) => (table[a] === 'send-cp-to-csms' ? [`${a}Request`] : [`${a}Request`, `${a}Response`]))
      .sort();
    expect(Object.keys(generated[v.key].validators).sort()).toEqual(want);
    for (const validate of Object.values(generated[v.key].validators)) expect(typeof validate).toBe('function');
  });
});

describe('codegen/data/transaction-messages.json', () => {
  interface Entry {
    transactionRelated: { action: string; direction: string }[];
    notTransactionRelated?: Record<string, string>;
    otherQueuedNotTransactionRelated?: { action: string }[];
  }
  const table = transactionMessages as unknown as Record<string, Entry>;

  it('covers the three subprotocols', () => {
    expect(Object.keys(table).sort()).toEqual(versions.map((v) => v.subprotocol).sort());
  });

  it.each([
    ['ocpp1.6', ['StartTransaction', 'StopTransaction', 'MeterValues']],
    ['ocpp2.0.1', ['TransactionEvent']],
    ['ocpp2.1', ['TransactionEvent']],
  ])('%s: transaction-related messages %j exist and are sent by the charge point', (subprotocol, want) => {
    const entry = table[subprotocol]!;
    expect(entry.transactionRelated.map((t) => t.action)).toEqual(want);
    for (const t of entry.transactionRelated) {
      expect(t.direction, t.action).toBe('cp-to-csms');
      expect(directionTable[subprotocol]?.[t.action], t.action).toBe('cp-to-csms');
    }
  });

  it.each(versions.map((v) => v.subprotocol))('%s: every other action named is an action', (subprotocol) => {
    const entry = table[subprotocol]!;
    const named = [
      ...Object.keys(entry.notTransactionRelated ?? {}),
      ...(entry.otherQueuedNotTransactionRelated ?? []).map((o) => o.action),
    ];
    for (const action of named) expect(directionTable[subprotocol], action).toHaveProperty(action);
    for (const o of entry.otherQueuedNotTransactionRelated ?? []) {
      expect(directionTable[subprotocol]?.[o.action], o.action).toBe('cp-to-csms');
    }
  });
});
