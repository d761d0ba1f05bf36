/** Given/want tables for each transform of the codegen pipeline, one describe per exported function. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StructureKind } from 'ts-morph';
import { afterEach, describe, expect, it } from 'vitest';
import {
  enumKey,
  enumStatements,
  markUntyped,
  objectStatements,
  readableDescriptions,
  readableText,
  referencedTypes,
  renderEnum,
  renderObject,
} from '../../codegen/emit.ts';
import { formatTypeScript } from '../../codegen/format.ts';
import {
  actionOfId,
  applyOverlay,
  type JsonSchema,
  type LoadedSchema,
  loadOverlays,
  loadVersion,
  normalise,
  type Overlay,
} from '../../codegen/load.ts';
import { buildModel, type NamedType, nameSubSchemas, payloadTypeName } from '../../codegen/model.ts';
import { toValidatorSchema } from '../../codegen/validators.ts';
import { type VersionKey, versions } from '../../codegen/versions.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const info = (key: VersionKey) => versions.find((v) => v.key === key)!;

describe('actionOfId', () => {
  it.each([
    ['urn:OCPP:1.6:2019:12:BootNotificationRequest', 'BootNotification', 'request'],
    ['urn:OCPP:1.6:2019:12:BootNotificationResponse', 'BootNotification', 'response'],
    ['urn:OCPP:Cp:1.6:2020:3:GetLog.req', 'GetLog', 'request'],
    ['urn:OCPP:Cp:1.6:2020:3:GetLog.conf', 'GetLog', 'response'],
    ['urn:OCPP:Cp:2:2020:3:RequestStartTransactionRequest', 'RequestStartTransaction', 'request'],
    ['urn:OCPP:Cp:2:2020:3:RequestStopTransactionResponse', 'RequestStopTransaction', 'response'],
    ['urn:OCPP:Cp:2:2025:1:RequestBatterySwapResponse', 'RequestBatterySwap', 'response'],
    ['urn:OCPP:Cp:2:2025:1:NotifyPeriodicEventStream', 'NotifyPeriodicEventStream', 'request'],
  ])('%s → %s %s', (id, action, role) => {
    expect(actionOfId(id)).toEqual({ action, role });
  });

  it('an id without a name throws', () => {
    expect(() => actionOfId('urn:OCPP:Cp:2:2020:3:')).toThrow(
      'cannot read an action from schema id urn:OCPP:Cp:2:2020:3:',
    );
  });
});

describe('applyOverlay', () => {
  const base = (): JsonSchema => ({
    type: 'object',
    properties: {
      a: { type: 'string', maxLength: 20 },
      'x/y': { type: 'string' },
      'm~n': { type: 'integer' },
      status: { type: 'string', enum: ['Accepted', 'Rejected'] },
    },
    required: ['a'],
  });
  const overlay = (...patch: Overlay['patch']): Overlay => ({ version: 'v16', file: 'X.json', why: 'test', patch });
  const patched = (...patch: Overlay['patch']): JsonSchema => {
    const schema = base();
    applyOverlay(schema, overlay(...patch));
    return schema;
  };
  const at = (schema: JsonSchema, ...path: string[]): unknown =>
    path.reduce<unknown>((node, key) => (node as JsonSchema)[key], schema);

  it('replace: a value that exists', () => {
    expect(at(patched({ op: 'replace', path: '/properties/a/maxLength', value: 25 }), 'properties', 'a')).toEqual({
      type: 'string',
      maxLength: 25,
    });
  });

  it('add: a new member', () => {
    const schema = patched({ op: 'add', path: '/properties/b', value: { type: 'integer' } });
    expect(at(schema, 'properties', 'b')).toEqual({ type: 'integer' });
    expect(Object.keys(at(schema, 'properties') as JsonSchema)).toEqual(['a', 'x/y', 'm~n', 'status', 'b']);
  });

  it('remove: a member that exists', () => {
    expect(at(patched({ op: 'remove', path: '/properties/a/maxLength' }), 'properties', 'a')).toEqual({
      type: 'string',
    });
  });

  it.each([
    [{ op: 'add', path: '/required/-', value: 'b' }, ['a', 'b']],
    [{ op: 'add', path: '/required/0', value: 'z' }, ['z', 'a']],
    [{ op: 'add', path: '/required/1', value: 'z' }, ['a', 'z']],
    [{ op: 'replace', path: '/required/0', value: 'z' }, ['z']],
    [{ op: 'remove', path: '/required/0' }, []],
  ] as const)('arrays as RFC 6902: %o → %o', (step, want) => {
    expect(patched(step).required).toEqual(want);
  });

  it('appends an enum value with /-', () => {
    const schema = patched({ op: 'add', path: '/properties/status/enum/-', value: 'Pending' });
    expect(at(schema, 'properties', 'status', 'enum')).toEqual(['Accepted', 'Rejected', 'Pending']);
  });

  it('unescapes ~1 and ~0 in pointer tokens', () => {
    const schema = patched(
      { op: 'replace', path: '/properties/x~1y/type', value: 'integer' },
      { op: 'remove', path: '/properties/m~0n' },
    );
    expect(at(schema, 'properties', 'x/y')).toEqual({ type: 'integer' });
    expect(at(schema, 'properties')).not.toHaveProperty('m~n');
  });

  it('copies the value: a later change to the overlay does not reach the schema', () => {
    const value = { type: 'integer' };
    const schema = base();
    applyOverlay(schema, overlay({ op: 'add', path: '/properties/b', value }));
    value.type = 'string';
    expect(at(schema, 'properties', 'b')).toEqual({ type: 'integer' });
  });

  it.each([
    ['replace of a missing member', { op: 'replace', path: '/properties/missing' }],
    ['remove of a missing member', { op: 'remove', path: '/properties/a/minLength' }],
    ['a missing parent', { op: 'replace', path: '/properties/missing/type', value: 'string' }],
    ['a missing grandparent', { op: 'add', path: '/properties/missing/deeper/type', value: 'string' }],
    ['a path through a string', { op: 'add', path: '/type/x', value: 1 }],
    ['an inherited name', { op: 'replace', path: '/properties/a/constructor', value: 1 }],
    ['an array index past the end', { op: 'add', path: '/required/2', value: 'b' }],
    ['replace at the array end', { op: 'replace', path: '/required/1', value: 'b' }],
    ['remove with /-', { op: 'remove', path: '/required/-' }],
    ['a non-numeric array index', { op: 'add', path: '/required/first', value: 'b' }],
  ] as const)('%s throws, naming the overlay and the path', (_, step) => {
    expect(() => applyOverlay(base(), overlay(step))).toThrow(`overlay X.json: ${step.path} does not exist`);
  });

  it('an empty path throws', () => {
    expect(() => applyOverlay(base(), overlay({ op: 'replace', path: '', value: {} }))).toThrow(/empty path/);
  });
});

describe('loadOverlays and loadVersion on a temporary root', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const fixture = (overlays: Record<string, unknown>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ocppkit-codegen-'));
    roots.push(dir);
    const write = (path: string, value: unknown) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), `${JSON.stringify(value, null, 2)}\n`);
    };
    write('schemas/v16/Foo.json', {
      $schema: 'http://json-schema.org/draft-04/schema#',
      id: 'urn:OCPP:1.6:2019:12:FooRequest',
      title: 'FooRequest',
      type: 'object',
      properties: { name: { type: 'string', maxLength: 20 } },
      additionalProperties: false,
      required: ['name'],
    });
    write('schemas/v16/FooResponse.json', {
      $schema: 'http://json-schema.org/draft-04/schema#',
      id: 'urn:OCPP:1.6:2019:12:FooResponse',
      type: 'object',
      properties: {},
      additionalProperties: false,
    });
    for (const [file, overlay] of Object.entries(overlays)) write(`schemas/overlays/${file}`, overlay);
    return dir;
  };

  const fooOverlay = {
    version: 'v16',
    file: 'Foo.json',
    why: 'the specification says 25',
    patch: [{ op: 'replace', path: '/properties/name/maxLength', value: 25 }],
  };
  const otherVersion = { version: 'v201', file: 'BarRequest.json', why: 'x', patch: [] };

  it('without an overlays folder there are no overlays', () => {
    expect(loadOverlays(fixture({}), 'v16')).toEqual([]);
  });

  it('returns the overlays of the asked version only, by file name order', () => {
    const second = { ...fooOverlay, why: 'second' };
    const dir = fixture({ '002-foo.json': second, '001-foo.json': fooOverlay, '003-bar.json': otherVersion });
    expect(loadOverlays(dir, 'v16')).toEqual([fooOverlay, second]);
    expect(loadOverlays(dir, 'v201')).toEqual([otherVersion]);
  });

  it('applies an overlay to its file, names action and role from the id, normalises, leaves the files alone', () => {
    const dir = fixture({ '001-foo.json': fooOverlay, '003-bar.json': otherVersion });
    const before = readFileSync(join(dir, 'schemas/v16/Foo.json'), 'utf8');
    const loaded = loadVersion(dir, 'v16');
    expect(loaded).toEqual<LoadedSchema[]>([
      {
        file: 'Foo.json',
        action: 'Foo',
        role: 'request',
        schema: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 25 } },
          additionalProperties: false,
          required: ['name'],
        },
      },
      {
        file: 'FooResponse.json',
        action: 'Foo',
        role: 'response',
        schema: { type: 'object', properties: {}, additionalProperties: false },
      },
    ]);
    expect(readFileSync(join(dir, 'schemas/v16/Foo.json'), 'utf8')).toBe(before);
  });

  it('without overlays the file is loaded as it is (normalised)', () => {
    const [foo] = loadVersion(fixture({}), 'v16');
    expect(foo?.schema.properties).toEqual({ name: { type: 'string', maxLength: 20 } });
  });

  it('an overlay for an unknown file throws', () => {
    const dir = fixture({ '001-typo.json': { ...fooOverlay, file: 'Fooo.json' } });
    expect(() => loadVersion(dir, 'v16')).toThrow('overlay for unknown schema Fooo.json');
  });

  it('an overlay whose patch does not fit its file throws', () => {
    const dir = fixture({
      '001-foo.json': { ...fooOverlay, patch: [{ op: 'replace', path: '/properties/nam/maxLength', value: 1 }] },
    });
    expect(() => loadVersion(dir, 'v16')).toThrow('overlay Foo.json: /properties/nam/maxLength does not exist');
  });

  it('an overlay for an unknown version throws instead of being skipped', () => {
    const dir = fixture({ '001-foo.json': { ...fooOverlay, version: 'v1.6' } });
    expect(() => loadOverlays(dir, 'v16')).toThrow('overlay Foo.json: unknown version v1.6');
  });

  it('the repository has no overlay today, and its versions load', () => {
    for (const { key } of versions) expect(loadOverlays(root, key)).toEqual([]);
  });
});

describe('normalise', () => {
  it.each<[string, JsonSchema, JsonSchema]>([
    [
      'drops $schema, $id, id, title, javaType and comment',
      {
        $schema: 'http://json-schema.org/draft-06/schema#',
        $id: 'urn:OCPP:Cp:2:2025:1:XRequest',
        id: 'urn:x',
        title: 'X',
        comment: 'OCPP 2.1 Edition 1 (c) OCA',
        javaType: 'XRequest',
        type: 'object',
      },
      { type: 'object' },
    ],
    [
      'drops them at every depth',
      {
        definitions: {
          T: { javaType: 'T', title: 'T', type: 'object', properties: { a: { javaType: 'A', type: 'string' } } },
        },
      },
      { definitions: { T: { type: 'object', properties: { a: { type: 'string' } } } } },
    ],
    [
      'keeps properties named like the dropped keywords',
      {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          title: { type: 'string', title: 'the title' },
          javaType: { type: 'string' },
          comment: { type: 'string' },
          $id: { type: 'string' },
        },
        required: ['id', 'title'],
      },
      {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          title: { type: 'string' },
          javaType: { type: 'string' },
          comment: { type: 'string' },
          $id: { type: 'string' },
        },
        required: ['id', 'title'],
      },
    ],
    [
      'keeps definitions named like the dropped keywords',
      { definitions: { id: { type: 'string' }, title: { type: 'string' } } },
      { definitions: { id: { type: 'string' }, title: { type: 'string' } } },
    ],
    [
      'keeps enum values and required names equal to keywords',
      { type: 'string', enum: ['id', 'title', 'comment'] },
      { type: 'string', enum: ['id', 'title', 'comment'] },
    ],
    [
      'drops additionalProperties on a non-object type',
      { type: 'string', additionalProperties: false, enum: ['A'] },
      { type: 'string', enum: ['A'] },
    ],
    [
      'keeps additionalProperties on an object',
      { type: 'object', additionalProperties: false, properties: {} },
      { type: 'object', additionalProperties: false, properties: {} },
    ],
    [
      'keeps additionalProperties where no type is given',
      { additionalProperties: false, properties: {} },
      { additionalProperties: false, properties: {} },
    ],
    [
      'drops additionalItems beside a single items schema',
      { type: 'array', additionalItems: false, items: { type: 'string' }, minItems: 1 },
      { type: 'array', items: { type: 'string' }, minItems: 1 },
    ],
    [
      'keeps additionalItems beside a tuple',
      { type: 'array', additionalItems: false, items: [{ type: 'string' }] },
      { type: 'array', additionalItems: false, items: [{ type: 'string' }] },
    ],
    [
      'keeps validation keywords and descriptions',
      { type: 'number', multipleOf: 0.1, minimum: 0, description: 'd', default: 1, format: 'date-time' },
      { type: 'number', multipleOf: 0.1, minimum: 0, description: 'd', default: 1, format: 'date-time' },
    ],
  ])('%s', (_, given, want) => {
    const copy = structuredClone(given);
    expect(normalise(given)).toEqual(want);
    expect(given).toEqual(copy);
  });

  it('leaves no annotation in any real schema, and keeps the real properties named id', () => {
    const dropped = ['$schema', '$id', 'javaType', 'comment', 'title'];
    for (const { key } of versions) {
      const loaded = loadVersion(root, key);
      const text = JSON.stringify(loaded.map((s) => s.schema));
      for (const keyword of dropped) expect(text, `${key} ${keyword}`).not.toContain(`"${keyword}":`);
    }
    const [evse] = loadVersion(root, 'v201').filter((s) => s.file === 'ChangeAvailabilityRequest.json');
    const definitions = evse?.schema.definitions as Record<string, JsonSchema>;
    expect(definitions.EVSEType?.properties).toHaveProperty('id');
  });
});

describe('nameSubSchemas', () => {
  type Registry = Parameters<typeof nameSubSchemas>[2];
  /** A registry that records what it is given. */
  const recorder = () => {
    const registered: [string, JsonSchema][] = [];
    const registry: Registry = {
      types: new Map<string, NamedType>(),
      register: (name: string, schema: JsonSchema) => {
        registered.push([name, schema]);
      },
    };
    return { registry, registered };
  };
  const none = () => undefined;
  const same = (key: string) => key;

  it('2.x: a $ref becomes a tsType reference, keeping its description; definitions are registered', () => {
    const { registry, registered } = recorder();
    const typed = nameSubSchemas(
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { $ref: '#/definitions/RegistrationStatusEnumType', description: 'The status.' },
          statusInfo: { $ref: '#/definitions/StatusInfoType' },
          list: { type: 'array', items: { $ref: '#/definitions/StatusInfoType' }, minItems: 1 },
          interval: { type: 'integer' },
        },
        required: ['status'],
        definitions: {
          RegistrationStatusEnumType: { description: 'Registration.', type: 'string', enum: ['Accepted'] },
          StatusInfoType: {
            type: 'object',
            properties: { reasonCode: { type: 'string' }, customData: { $ref: '#/definitions/CustomDataType' } },
          },
          CustomDataType: { type: 'object', properties: { vendorId: { type: 'string' } } },
        },
      },
      'X.json',
      registry,
      none,
      same,
    );
    expect(typed).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { tsType: 'RegistrationStatusEnumType', description: 'The status.' },
        statusInfo: { tsType: 'StatusInfoType' },
        list: { type: 'array', items: { tsType: 'StatusInfoType' }, minItems: 1 },
        interval: { type: 'integer' },
      },
      required: ['status'],
    });
    expect(registered).toEqual([
      ['RegistrationStatusEnumType', { description: 'Registration.', type: 'string', enum: ['Accepted'] }],
      [
        'StatusInfoType',
        { type: 'object', properties: { reasonCode: { type: 'string' }, customData: { tsType: 'CustomDataType' } } },
      ],
      ['CustomDataType', { type: 'object', properties: { vendorId: { type: 'string' } } }],
    ]);
  });

  it('defName renames definitions and their references alike', () => {
    const { registry, registered } = recorder();
    const typed = nameSubSchemas(
      {
        type: 'object',
        properties: { status: { $ref: '#/definitions/InstallCertificateStatusEnumType' } },
        definitions: { InstallCertificateStatusEnumType: { type: 'string', enum: ['Accepted'] } },
      },
      'InstallCertificateResponse.json',
      registry,
      none,
      (key) => (key === 'InstallCertificateStatusEnumType' ? 'CertificateStatusEnumType' : key),
    );
    expect(typed.properties).toEqual({ status: { tsType: 'CertificateStatusEnumType' } });
    expect(registered.map(([name]) => name)).toEqual(['CertificateStatusEnumType']);
  });

  it('1.6: inline enums and objects are named by pointer, items included', () => {
    const { registry, registered } = recorder();
    const names: Record<string, string> = {
      '/properties/idTagInfo': 'IdTagInfo',
      '/properties/idTagInfo/properties/status': 'AuthorizationStatus',
      '/properties/meterValue/items': 'MeterValue',
    };
    const typed = nameSubSchemas(
      {
        type: 'object',
        properties: {
          idTagInfo: {
            type: 'object',
            properties: { status: { type: 'string', enum: ['Accepted', 'Blocked'] }, parentIdTag: { type: 'string' } },
            required: ['status'],
          },
          meterValue: { type: 'array', items: { type: 'object', properties: { timestamp: { type: 'string' } } } },
        },
      },
      'AuthorizeResponse.json',
      registry,
      (pointer) => names[pointer],
      same,
    );
    expect(typed).toEqual({
      type: 'object',
      properties: {
        idTagInfo: { tsType: 'IdTagInfo' },
        meterValue: { type: 'array', items: { tsType: 'MeterValue' } },
      },
    });
    expect(registered).toEqual([
      ['AuthorizationStatus', { type: 'string', enum: ['Accepted', 'Blocked'] }],
      [
        'IdTagInfo',
        {
          type: 'object',
          properties: { status: { tsType: 'AuthorizationStatus' }, parentIdTag: { type: 'string' } },
          required: ['status'],
        },
      ],
      ['MeterValue', { type: 'object', properties: { timestamp: { type: 'string' } } }],
    ]);
  });

  it.each<[string, JsonSchema, string]>([
    [
      'an unnamed inline enum',
      { type: 'object', properties: { status: { type: 'string', enum: ['A'] } } },
      'X.json/properties/status: an enum or object without a name',
    ],
    [
      'an unnamed inline object',
      { type: 'object', properties: { info: { type: 'object', properties: {} } } },
      'X.json/properties/info: an enum or object without a name',
    ],
    [
      'an unnamed enum under items',
      { type: 'object', properties: { list: { type: 'array', items: { type: 'string', enum: ['A'] } } } },
      'X.json/properties/list/items: an enum or object without a name',
    ],
    [
      'a $ref outside the definitions',
      { type: 'object', properties: { a: { $ref: 'other.json#/definitions/A' } } },
      'X.json/properties/a: unsupported $ref other.json#/definitions/A',
    ],
  ])('%s throws', (_, schema, message) => {
    expect(() => nameSubSchemas(schema, 'X.json', recorder().registry, none, same)).toThrow(message);
  });

  it('an unnamed string or number stays inline', () => {
    const { registry, registered } = recorder();
    const schema = { type: 'object', properties: { a: { type: 'string', maxLength: 5 }, b: { type: 'number' } } };
    expect(nameSubSchemas(schema, 'X.json', registry, none, same)).toEqual(schema);
    expect(registered).toEqual([]);
  });

  describe('the type registry, through buildModel', () => {
    const v16 = () => loadVersion(root, 'v16');
    const v201 = () => loadVersion(root, 'v201');
    const fileOf = (schemas: LoadedSchema[], file: string) => schemas.find((s) => s.file === file)!.schema;
    const child = (node: JsonSchema, ...path: string[]) =>
      path.reduce((n, key) => (n as Record<string, JsonSchema>)[key]!, node) as JsonSchema;

    it('one name in several places with one shape is one type', () => {
      const model = buildModel(info('v16'), v16());
      expect(model.types.filter((t) => t.name === 'IdTagInfo')).toHaveLength(1);
    });

    it('two shapes under one name throw', () => {
      const schemas = v16();
      const idTagInfo = child(fileOf(schemas, 'StartTransactionResponse.json'), 'properties', 'idTagInfo');
      (idTagInfo.properties as Record<string, JsonSchema>).extra = { type: 'string' };
      expect(() => buildModel(info('v16'), schemas)).toThrow(
        'type IdTagInfo has two different shapes (second at StartTransactionResponse.json/properties/idTagInfo)',
      );
    });

    it('a property named description counts in the shape', () => {
      const schemas = loadVersion(root, 'v21');
      const tariff = child(fileOf(schemas, 'SetDefaultTariffRequest.json'), 'definitions', 'TariffType');
      expect(child(tariff, 'properties', 'description')).toHaveProperty('type', 'array');
      child(tariff, 'properties', 'description').maxItems = 99;
      expect(() => buildModel(info('v21'), schemas)).toThrow(/type TariffType has two different shapes/);
    });

    it('a description that differs between places is dropped; one that agrees is kept', () => {
      const agreeing = buildModel(info('v201'), v201()).types.find((t) => t.name === 'CustomDataType');
      expect(agreeing?.description).toMatch(/^This class does not get 'AdditionalProperties = false'/);

      const schemas = v201();
      child(fileOf(schemas, 'HeartbeatRequest.json'), 'definitions', 'CustomDataType').description = 'Other.';
      const model = buildModel(info('v201'), schemas);
      const custom = model.types.find((t) => t.name === 'CustomDataType');
      expect(custom).toBeDefined();
      expect(custom?.description).toBeUndefined();
    });
  });
});

describe('enumKey', () => {
  it.each([
    ['Energy.Active.Import.Register', 'Energy_Active_Import_Register'],
    ['L1-N', 'L1_N'],
    ['L1-L2', 'L1_L2'],
    ['kWh', 'kWh'],
    ['Celsius', 'Celsius'],
    ['SoC', 'SoC'],
    ['AC_single_phase', 'AC_single_phase'],
    ['ISO 15118-20', 'ISO_15118_20'],
    ['a -. b', 'a_b'],
    ['15118', '_15118'],
    ['$x', '$x'],
  ])('%s → %s', (value, key) => {
    expect(enumKey(value)).toBe(key);
  });
});

describe('renderEnum', () => {
  const type = (values: string[], description?: string): NamedType => ({
    name: 'Phase',
    kind: 'enum',
    schema: { type: 'string', enum: values },
    description,
  });

  it('renders a const object and a same-named union type', async () => {
    expect(await formatTypeScript(renderEnum(type(['L1', 'L1-N', 'Energy.Active.Import.Register'])))).toBe(
      'export const Phase = {\n' +
        "  L1: 'L1',\n" +
        "  L1_N: 'L1-N',\n" +
        "  Energy_Active_Import_Register: 'Energy.Active.Import.Register',\n" +
        '} as const;\n' +
        'export type Phase = (typeof Phase)[keyof typeof Phase];\n',
    );
  });

  it('puts the description in a doc comment, line by line, with */ escaped', async () => {
    expect(await formatTypeScript(renderEnum(type(['A'], 'First line.\r\nSecond */ line.\r\n')))).toBe(
      '/**\n * First line.\n * Second *\\/ line.\n */\n' +
        "export const Phase = {\n  A: 'A',\n} as const;\n" +
        'export type Phase = (typeof Phase)[keyof typeof Phase];\n',
    );
  });

  it('is the text of a source file built from structures: a const statement and a type alias', () => {
    expect(enumStatements(type(['A'])).map((s) => [s.kind, 'name' in s ? s.name : undefined])).toEqual([
      [StructureKind.VariableStatement, undefined],
      [StructureKind.TypeAlias, 'Phase'],
    ]);
  });

  it('throws when two values share a key', () => {
    expect(() => renderEnum(type(['L1-N', 'L1.N']))).toThrow('enum Phase: values L1-N and L1.N share the key L1_N');
  });
});

describe('referencedTypes', () => {
  it.each<[string, JsonSchema, string[]]>([
    ['none', { type: 'object', properties: { a: { type: 'string' } } }, []],
    [
      'properties and items, once each',
      {
        type: 'object',
        properties: {
          a: { tsType: 'A' },
          b: { type: 'array', items: { tsType: 'B' } },
          c: { tsType: 'A', description: 'again' },
        },
      },
      ['A', 'B'],
    ],
    ['a property named tsType is not a reference', { type: 'object', properties: { tsType: { type: 'string' } } }, []],
  ])('%s', (_, schema, want) => {
    expect([...referencedTypes(schema)].sort()).toEqual(want);
  });

  it('adds to the set it is given', () => {
    const into = new Set(['Z']);
    expect(referencedTypes({ properties: { a: { tsType: 'A' } } }, into)).toBe(into);
    expect([...into]).toEqual(['Z', 'A']);
  });
});

describe('markUntyped', () => {
  it('types a schema without any typing keyword as unknown, below the root only', () => {
    const given: JsonSchema = {
      type: 'object',
      properties: {
        data: { description: 'Data without specified length or format.' },
        text: { type: 'string' },
        ref: { tsType: 'CustomDataType' },
        list: { type: 'array', items: {} },
        nested: { type: 'object', properties: { any: {} } },
      },
    };
    expect(markUntyped(given)).toEqual({
      type: 'object',
      properties: {
        data: { description: 'Data without specified length or format.', tsType: 'unknown' },
        text: { type: 'string' },
        ref: { tsType: 'CustomDataType' },
        list: { type: 'array', items: { tsType: 'unknown' } },
        nested: { type: 'object', properties: { any: { tsType: 'unknown' } } },
      },
    });
    expect(given.properties).toHaveProperty('data', { description: 'Data without specified length or format.' });
    expect(markUntyped({})).toEqual({});
  });
});

describe('renderObject', () => {
  it.each<[string, JsonSchema, string | undefined, string]>([
    [
      'required and optional members, references, doc comments',
      {
        type: 'object',
        additionalProperties: false,
        properties: { a: { type: 'string', description: 'An a.' }, b: { tsType: 'Foo' } },
        required: ['a'],
      },
      'The X.',
      '/**\n * The X.\n */\nexport interface X {\n  /**\n   * An a.\n   */\n  a: string;\n  b?: Foo;\n}\n',
    ],
    [
      'an untyped member is unknown, not an object',
      { type: 'object', additionalProperties: false, properties: { data: { description: 'Any.' } } },
      undefined,
      'export interface X {\n  /**\n   * Any.\n   */\n  data?: unknown;\n}\n',
    ],
    [
      'an index signature only where the schema allows more properties (printed before the properties)',
      { type: 'object', properties: { vendorId: { type: 'string' } }, required: ['vendorId'] },
      undefined,
      'export interface X {\n  [k: string]: unknown;\n  vendorId: string;\n}\n',
    ],
    [
      'an inline object keeps its members and comments in the member type',
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          inner: {
            type: 'object',
            additionalProperties: false,
            properties: { n: { type: 'integer', description: 'A count.' } },
            required: ['n'],
          },
        },
      },
      undefined,
      'export interface X {\n  inner?: {\n    /**\n     * A count.\n     */\n    n: number;\n  };\n}\n',
    ],
  ])('%s', async (_, schema, description, want) => {
    expect(await formatTypeScript(await renderObject('X', schema, description))).toBe(want);
  });

  it('copies the structures of each declaration, in order', async () => {
    const statements = await objectStatements([
      { name: 'A', schema: { type: 'object', properties: {} } },
      { name: 'B', schema: { type: 'object', additionalProperties: false, properties: { a: { tsType: 'A' } } } },
    ]);
    expect(statements.map((s) => [s.kind, 'name' in s ? s.name : undefined])).toEqual([
      [StructureKind.Interface, 'A'],
      [StructureKind.Interface, 'B'],
    ]);
  });
});

describe('toValidatorSchema', () => {
  it('turns references into $refs and drops descriptions, but not a property named description', () => {
    const given: JsonSchema = {
      type: 'object',
      description: 'root',
      additionalProperties: false,
      properties: {
        status: { tsType: 'RegistrationStatus', description: 'x' },
        description: { type: 'string', maxLength: 10, description: 'the description property' },
        list: { type: 'array', items: { tsType: 'MeterValue' }, minItems: 1 },
      },
      required: ['status', 'description'],
    };
    const copy = structuredClone(given);
    expect(toValidatorSchema(given)).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { $ref: 'RegistrationStatus' },
        description: { type: 'string', maxLength: 10 },
        list: { type: 'array', items: { $ref: 'MeterValue' }, minItems: 1 },
      },
      required: ['status', 'description'],
    });
    expect(given).toEqual(copy);
  });

  it('keeps enums and formats', () => {
    expect(toValidatorSchema({ type: 'string', enum: ['A', 'B'], format: 'date-time' })).toEqual({
      type: 'string',
      enum: ['A', 'B'],
      format: 'date-time',
    });
  });
});

describe('payloadTypeName', () => {
  it.each([
    ['BootNotification', 'request', 'BootNotificationRequest'],
    ['BootNotification', 'response', 'BootNotificationResponse'],
    ['NotifyPeriodicEventStream', 'request', 'NotifyPeriodicEventStreamRequest'],
    ['RequestStartTransaction', 'response', 'RequestStartTransactionResponse'],
  ] as const)('%s %s → %s', (action, role, want) => {
    expect(payloadTypeName(action, role)).toBe(want);
  });
});

describe('readableText and readableDescriptions', () => {
  it.each([
    ['When &lt;&lt;cmn_registrationstatusenumtype,Status&gt;&gt; is Accepted', 'When Status is Accepted'],
    [
      'see &lt;&lt;reportchargingprofilesrequest, ReportChargingProfilesRequest&gt;&gt;.',
      'see ReportChargingProfilesRequest.',
    ],
    ['a bare &lt;&lt;anchor&gt;&gt; reference', 'a bare anchor reference'],
    ['charging &amp; idle, a &lt; b', 'charging & idle, a < b'],
    ['plain text stays', 'plain text stays'],
  ])('%s', (given, want) => {
    expect(readableText(given)).toBe(want);
  });

  it('rewrites description annotations at any depth, and nothing else', () => {
    const schema = {
      description: 'a &amp; b',
      properties: {
        description: { type: 'string', description: '&lt;&lt;x,Y&gt;&gt;' },
        note: { enum: ['&amp;'] },
      },
    };
    expect(readableDescriptions(schema)).toEqual({
      description: 'a & b',
      properties: { description: { type: 'string', description: 'Y' }, note: { enum: ['&amp;'] } },
    });
  });
});
