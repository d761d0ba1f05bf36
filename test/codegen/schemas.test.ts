/**
 * The official schema files in `schemas/`: byte for byte as recorded in `schemas/provenance.json`, in the
 * official id forms, and reproducible from the pinned source package by the logic of `npm run schemas:sync`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import security from '../../codegen/data/v16-security-extension.json' with { type: 'json' };
import {
  officialForm,
  parseBundleId,
  restoreOfficialForm,
  SOURCE_PACKAGE,
  SOURCE_VERSION,
} from '../../codegen/sync-schemas.ts';
import { type VersionKey, versions } from '../../codegen/versions.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const bundleDir = join(dirname(require.resolve(`${SOURCE_PACKAGE}/package.json`)), 'lib', 'schemas');

const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';
const DRAFT_06 = 'http://json-schema.org/draft-06/schema#';

interface Provenance {
  source: { package: string; version: string; bundles: Record<string, string> };
  /** Versions synced from the OCA's own files (`schemas:sync --from`), not from the pinned bundles. */
  from?: Record<string, { name: string }>;
  files: Record<string, string>;
}
const provenance = JSON.parse(readFileSync(join(root, 'schemas', 'provenance.json'), 'utf8')) as Provenance;
/** The versions that come from the pinned bundles: the bundle checks apply to them only. */
const pinned = versions.filter((v) => provenance.from?.[v.key] === undefined);

const hash = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const filesOf = (version: VersionKey): string[] =>
  readdirSync(join(root, 'schemas', version))
    .filter((f) => f.endsWith('.json'))
    .sort();
const readSchema = (version: VersionKey, file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(root, 'schemas', version, file), 'utf8')) as Record<string, unknown>;

describe('schemas/ against provenance.json', () => {
  it.each(
    (
      [
        ['v16', 78],
        ['v201', 128],
        ['v21', 181],
      ] as const
    ).filter(([version]) => pinned.some((v) => v.key === version)),
  )('%s holds %i schema files and nothing else', (version, count) => {
    expect(readdirSync(join(root, 'schemas', version))).toHaveLength(count);
    expect(filesOf(version)).toHaveLength(count);
  });

  it.each(versions.map((v) => v.key))('%s: every file is recorded, every record has its file', (version) => {
    const recorded = Object.keys(provenance.files)
      .filter((path) => path.startsWith(`${version}/`))
      .map((path) => path.slice(version.length + 1))
      .sort();
    expect(filesOf(version)).toEqual(recorded);
  });

  it('records no file outside the three version folders', () => {
    const outside = Object.keys(provenance.files).filter((path) => !/^(v16|v201|v21)\/[^/]+\.json$/.test(path));
    expect(outside).toEqual([]);
  });

  it.each(versions.map((v) => v.key))('%s: every file has the recorded sha256', (version) => {
    const mismatched = filesOf(version).filter(
      (file) => hash(readFileSync(join(root, 'schemas', version, file))) !== provenance.files[`${version}/${file}`],
    );
    expect(mismatched).toEqual([]);
  });

  it('names the pinned source package, and the installed bundles are the recorded ones', () => {
    expect(provenance.source.package).toBe(SOURCE_PACKAGE);
    expect(provenance.source.version).toBe(SOURCE_VERSION);
    expect(require(`${SOURCE_PACKAGE}/package.json`).version).toBe(SOURCE_VERSION);
    expect(Object.keys(provenance.source.bundles).sort()).toEqual(pinned.map((v) => `lib/schemas/${v.bundle}`).sort());
    for (const { bundle } of pinned) {
      expect(hash(readFileSync(join(bundleDir, bundle))), bundle).toBe(
        provenance.source.bundles[`lib/schemas/${bundle}`],
      );
    }
  });
});

describe('official id forms', () => {
  const securityActions = new Set(security.actions);

  /** The 1.6 action and role a file name stands for (`BootNotification.json`, `BootNotificationResponse.json`). */
  const v16FileAction = (file: string) => {
    const name = basename(file, '.json');
    return name.endsWith('Response')
      ? { action: name.slice(0, -'Response'.length), role: 'response' as const }
      : { action: name, role: 'request' as const };
  };

  it('1.6 core: draft-04 with `id: urn:OCPP:1.6:2019:12:<Action>Request|Response`', () => {
    const core = filesOf('v16').filter((f) => !securityActions.has(v16FileAction(f).action));
    expect(core).toHaveLength(56);
    for (const file of core) {
      const { action, role } = v16FileAction(file);
      const schema = readSchema('v16', file);
      expect(Object.keys(schema).slice(0, 2), file).toEqual(['$schema', 'id']);
      expect(schema.$schema, file).toBe(DRAFT_04);
      expect(schema.id, file).toBe(`urn:OCPP:1.6:2019:12:${action}${role === 'request' ? 'Request' : 'Response'}`);
      expect(schema, file).not.toHaveProperty('$id');
    }
  });

  it('1.6 security extension: the 11 actions are draft-06 with `$id: urn:OCPP:Cp:1.6:2020:3:<Action>.req|.conf`', () => {
    expect(security.actions).toHaveLength(11);
    const extension = filesOf('v16').filter((f) => securityActions.has(v16FileAction(f).action));
    expect(extension).toHaveLength(22);
    for (const file of extension) {
      const { action, role } = v16FileAction(file);
      const schema = readSchema('v16', file);
      expect(Object.keys(schema).slice(0, 2), file).toEqual(['$schema', '$id']);
      expect(schema.$schema, file).toBe(DRAFT_06);
      expect(schema.$id, file).toBe(`urn:OCPP:Cp:1.6:2020:3:${action}.${role === 'request' ? 'req' : 'conf'}`);
      expect(schema, file).not.toHaveProperty('id');
    }
  });

  it('1.6 examples, literally', () => {
    expect(readSchema('v16', 'BootNotification.json').id).toBe('urn:OCPP:1.6:2019:12:BootNotificationRequest');
    expect(readSchema('v16', 'GetLog.json').$id).toBe('urn:OCPP:Cp:1.6:2020:3:GetLog.req');
    expect(readSchema('v16', 'GetLogResponse.json').$id).toBe('urn:OCPP:Cp:1.6:2020:3:GetLog.conf');
  });

  it.each([
    ['v201', '2020:3'],
    ['v21', '2025:1'],
  ] as const)('%s: draft-06 with `$id: urn:OCPP:Cp:2:%s:<file name>`', (version, date) => {
    for (const file of filesOf(version)) {
      const schema = readSchema(version, file);
      expect(Object.keys(schema).slice(0, 2), file).toEqual(['$schema', '$id']);
      expect(schema.$schema, file).toBe(DRAFT_06);
      expect(schema.$id, file).toBe(`urn:OCPP:Cp:2:${date}:${basename(file, '.json')}`);
      expect(schema, file).not.toHaveProperty('id');
    }
  });

  it('2.x examples, literally', () => {
    expect(readSchema('v201', 'BootNotificationRequest.json').$id).toBe('urn:OCPP:Cp:2:2020:3:BootNotificationRequest');
    expect(readSchema('v21', 'NotifyPeriodicEventStream.json').$id).toBe(
      'urn:OCPP:Cp:2:2025:1:NotifyPeriodicEventStream',
    );
  });
});

describe('schemas:sync helpers', () => {
  it.each([
    ['urn:BootNotification.req', { action: 'BootNotification', role: 'request' }],
    ['urn:BootNotification.conf', { action: 'BootNotification', role: 'response' }],
    ['urn:BootNotificationRequest', { action: 'BootNotification', role: 'request' }],
    ['urn:BootNotificationResponse', { action: 'BootNotification', role: 'response' }],
    ['urn:RequestStartTransactionRequest', { action: 'RequestStartTransaction', role: 'request' }],
    ['urn:NotifyPeriodicEventStream', { action: 'NotifyPeriodicEventStream', role: 'request' }],
  ])('parseBundleId(%s)', (id, want) => {
    expect(parseBundleId(id)).toEqual(want);
  });

  it('parseBundleId rejects an id without a name', () => {
    expect(() => parseBundleId('urn:')).toThrow(/unexpected schema id/);
  });

  it.each([
    [
      'v16',
      'BootNotification',
      'response',
      {
        file: 'BootNotificationResponse.json',
        $schema: DRAFT_04,
        idKey: 'id',
        id: 'urn:OCPP:1.6:2019:12:BootNotificationResponse',
      },
    ],
    [
      'v16',
      'GetLog',
      'request',
      { file: 'GetLog.json', $schema: DRAFT_06, idKey: '$id', id: 'urn:OCPP:Cp:1.6:2020:3:GetLog.req' },
    ],
    [
      'v201',
      'Heartbeat',
      'request',
      { file: 'HeartbeatRequest.json', $schema: DRAFT_06, idKey: '$id', id: 'urn:OCPP:Cp:2:2020:3:HeartbeatRequest' },
    ],
    [
      'v21',
      'NotifyPeriodicEventStream',
      'request',
      {
        file: 'NotifyPeriodicEventStream.json',
        $schema: DRAFT_06,
        idKey: '$id',
        id: 'urn:OCPP:Cp:2:2025:1:NotifyPeriodicEventStream',
      },
    ],
  ] as const)('officialForm(%s, %s, %s)', (version, action, role, want) => {
    expect(officialForm(version, action, role)).toEqual(want);
  });

  it('restoreOfficialForm puts $schema and the id first, drops the bundle ids, keeps the rest in order', () => {
    const text = restoreOfficialForm(
      { $schema: 'http://json-schema.org/draft-07/schema', $id: 'urn:X.req', type: 'object', properties: {} },
      { file: 'X.json', $schema: DRAFT_04, idKey: 'id', id: 'urn:OCPP:1.6:2019:12:XRequest' },
    );
    expect(text).toBe(
      `{\n  "$schema": "${DRAFT_04}",\n  "id": "urn:OCPP:1.6:2019:12:XRequest",\n  "type": "object",\n  "properties": {}\n}\n`,
    );
  });

  it.each(pinned)('$key: the bundle in $bundle reproduces schemas/$key byte for byte', (info) => {
    const bundle = JSON.parse(readFileSync(join(bundleDir, info.bundle), 'utf8')) as Record<string, unknown>[];
    const produced = new Map<string, string>();
    for (const schema of bundle) {
      const { action, role } = parseBundleId(String(schema.$id));
      const form = officialForm(info.key, action, role);
      expect(produced.has(form.file), `two schemas map to ${form.file}`).toBe(false);
      produced.set(form.file, restoreOfficialForm(schema, form));
    }
    expect([...produced.keys()].sort()).toEqual(filesOf(info.key));
    const differing = [...produced].filter(
      ([file, text]) => readFileSync(join(root, 'schemas', info.key, file), 'utf8') !== text,
    );
    expect(differing.map(([file]) => file)).toEqual([]);
  });
});
