/**
 * `schemas:sync --from`: a fixture update of the official 2.0.1 files (a new optional field, a new enum value, a
 * removed field, an optional field made required, a shared definition changed in every file), synced from a folder
 * and from a zip into a temporary copy of `schemas/`; the report's exact text; codegen on the result, type-checked;
 * the input checks, which leave `schemas/` as it was.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, type Zippable, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { type JsonSchema, loadVersion } from '../../codegen/load.ts';
import { renderVersion } from '../../codegen/main.ts';
import { buildModel } from '../../codegen/model.ts';
import { diffSchemas, renderReport, type SchemaFile } from '../../codegen/schema-diff.ts';
import { CHANGESET_FRONT_MATTER, type Provenance, syncFrom } from '../../codegen/sync-schemas.ts';
import { versions } from '../../codegen/versions.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const official = join(repo, 'schemas', 'v201');
const v201 = versions.find((v) => v.key === 'v201')!;
const hash = (data: Buffer | Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
const temp = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `ocppkit-${prefix}-`));
  temps.push(dir);
  return dir;
};

/** A repository root with a copy of `schemas/`, which the sync may replace. */
function repoCopy(): string {
  const root = temp('root');
  cpSync(join(repo, 'schemas'), join(root, 'schemas'), { recursive: true });
  return root;
}

/** Every file under a folder with its sha256: to show that a failed sync changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) visit(path);
      else out[relative(dir, path)] = hash(readFileSync(path));
    }
  };
  visit(dir);
  return out;
}

const read = (dir: string, file: string): JsonSchema => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonSchema;
const write = (dir: string, file: string, schema: JsonSchema): void =>
  writeFileSync(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
const definition = (schema: JsonSchema, name: string): JsonSchema =>
  (schema.definitions as Record<string, JsonSchema>)[name] as JsonSchema;
const propertiesOf = (node: JsonSchema): Record<string, JsonSchema> => node.properties as Record<string, JsonSchema>;

/** The files holding `StatusInfoType`, a definition shared by many messages. */
const statusInfoFiles = readdirSync(official).filter((f) =>
  readFileSync(join(official, f), 'utf8').includes('"StatusInfoType"'),
);

/** A copy of the official 2.0.1 files, as a newer OCA release might publish them. */
function fixtureUpdate(dir: string): string {
  cpSync(official, dir, { recursive: true });
  const boot = read(dir, 'BootNotificationRequest.json');
  propertiesOf(definition(boot, 'ChargingStationType')).fixtureHardwareVersion = {
    description: 'Defines the hardware version of the Charging Station.\r\n',
    type: 'string',
    maxLength: 50,
  };
  (definition(boot, 'BootReasonEnumType').enum as string[]).push('FixtureShutdown');
  delete propertiesOf(definition(boot, 'ModemType')).imsi;
  write(dir, 'BootNotificationRequest.json', boot);

  const authorize = read(dir, 'AuthorizeRequest.json');
  (authorize.required as string[]).push('certificate');
  write(dir, 'AuthorizeRequest.json', authorize);

  for (const file of statusInfoFiles) {
    const schema = read(dir, file);
    propertiesOf(definition(schema, 'StatusInfoType')).additionalInfo!.maxLength = 1024;
    write(dir, file, schema);
  }

  const heartbeat = read(dir, 'HeartbeatRequest.json');
  definition(heartbeat, 'CustomDataType').description = 'Custom data, reworded.';
  write(dir, 'HeartbeatRequest.json', heartbeat);

  // the same content in another layout: no change to report
  const reset = readFileSync(join(dir, 'ResetRequest.json'), 'utf8');
  writeFileSync(join(dir, 'ResetRequest.json'), JSON.stringify(JSON.parse(reset), null, 4).replace(/\n/g, '\r\n'));
  return dir;
}

const SUMMARY = (source: string): string =>
  `OCPP 2.0.1 schemas updated to the OCA's files in \`${source}\`: the types and validators of \`ocppkit/v201\` ` +
  'change as follows.';

const FIXTURE_REPORT = (source: string): string =>
  `${SUMMARY(source)}

Fields:

- AuthorizeRequest.certificate: optional → required
- BootNotificationRequest.chargingStation.modem.imsi: removed
- BootNotificationRequest.chargingStation.fixtureHardwareVersion: added (optional, string)
- BootNotificationResponse.statusInfo.additionalInfo: maxLength 512 → 1024 (in StatusInfoType, also at ${statusInfoFiles.length - 1} other places)

Enums:

- BootReasonEnumType: added "FixtureShutdown"

Other:

- HeartbeatRequest: descriptions or other annotations changed
`;

/** The fixture update as the OCA's zip: the files in a subfolder, deflated, beside files that are not schemas. */
function fixtureZip(at: string): string {
  const folder = fixtureUpdate(join(temp('zip-src'), 'files'));
  const schemas: Zippable = {};
  for (const file of readdirSync(folder)) schemas[file] = readFileSync(join(folder, file));
  const zip = zipSync(
    {
      'OCPP-2.0.1_part3_JSON_schemas': schemas,
      'README.txt': new TextEncoder().encode('JSON schemas of OCPP 2.0.1'),
      __MACOSX: { 'OCPP-2.0.1_part3_JSON_schemas': { '._BootNotificationRequest.json': new Uint8Array([0, 5, 22]) } },
    },
    { level: 6 },
  );
  writeFileSync(at, zip);
  return at;
}

describe('schemas:sync --from: the fixture update', () => {
  const root = repoCopy();
  const before = snapshot(join(root, 'schemas'));
  const from = fixtureUpdate(join(temp('oca'), 'OCPP-2.0.1_JSON_schemas'));
  const result = syncFrom({ root, version: 'v201', from });

  it('every file holding StatusInfoType refers to it once (the report counts the places)', () => {
    expect(statusInfoFiles.length).toBeGreaterThan(2);
    for (const file of statusInfoFiles) {
      expect(readFileSync(join(official, file), 'utf8').split('"#/definitions/StatusInfoType"'), file).toHaveLength(2);
    }
  });

  it('reports each change in its exact text', () => {
    expect(result.report.actions).toEqual([]);
    expect(result.report.fields).toEqual([
      'AuthorizeRequest.certificate: optional → required',
      'BootNotificationRequest.chargingStation.modem.imsi: removed',
      'BootNotificationRequest.chargingStation.fixtureHardwareVersion: added (optional, string)',
      `BootNotificationResponse.statusInfo.additionalInfo: maxLength 512 → 1024 (in StatusInfoType, also at ${statusInfoFiles.length - 1} other places)`,
    ]);
    expect(result.report.enums).toEqual(['BootReasonEnumType: added "FixtureShutdown"']);
    expect(result.report.other).toEqual(['HeartbeatRequest: descriptions or other annotations changed']);
    expect(result.report.breaking).toBe(true);
    expect(result.markdown).toBe(FIXTURE_REPORT('OCPP-2.0.1_JSON_schemas'));
  });

  it('prints the report, the notes and the changeset path', () => {
    expect(result.text).toBe(
      `schemas/v201: 128 files from OCPP-2.0.1_JSON_schemas\n\n${FIXTURE_REPORT('OCPP-2.0.1_JSON_schemas')}
Notes:
- 1 file(s) differ in layout only (same JSON content)
- some changes can break code that uses these types (removals, changes of required-ness or type): consider a major bump in the changeset

Changeset: ${relative(root, result.changeset!)} (edit it as needed, then \`npm run codegen\`)
`,
    );
  });

  it('writes the report as a changeset named after the new files', () => {
    expect(result.changeset).toMatch(/[/\\]\.changeset[/\\]schemas-v201-[0-9a-f]{8}\.md$/);
    expect(readFileSync(result.changeset!, 'utf8')).toBe(
      `${CHANGESET_FRONT_MATTER}\n${FIXTURE_REPORT('OCPP-2.0.1_JSON_schemas')}`,
    );
    expect(CHANGESET_FRONT_MATTER).toBe('---\n"ocppkit": minor\n---\n');
  });

  it('replaces schemas/v201 with the files as given, and nothing else', () => {
    const after = snapshot(join(root, 'schemas'));
    const changed = Object.keys(after).filter((path) => after[path] !== before[path]);
    const expected = [
      'AuthorizeRequest.json',
      'BootNotificationRequest.json',
      'HeartbeatRequest.json',
      'ResetRequest.json',
      ...statusInfoFiles,
    ].map((f) => join('v201', f));
    expect(changed.sort()).toEqual([...expected, 'provenance.json'].sort());
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const file of readdirSync(from)) {
      expect(readFileSync(join(root, 'schemas', 'v201', file)).equals(readFileSync(join(from, file))), file).toBe(true);
    }
  });

  it('records the source and a sha256 per file; the other versions keep their records', () => {
    const previous = JSON.parse(readFileSync(join(repo, 'schemas', 'provenance.json'), 'utf8')) as Provenance;
    const provenance = JSON.parse(readFileSync(join(root, 'schemas', 'provenance.json'), 'utf8')) as Provenance;
    expect(provenance.from).toEqual({ v201: { name: 'OCPP-2.0.1_JSON_schemas' } });
    expect(Object.keys(provenance.source?.bundles ?? {})).toEqual([
      'lib/schemas/ocpp1_6.json',
      'lib/schemas/ocpp2_1.json',
    ]);
    for (const file of readdirSync(join(root, 'schemas', 'v201'))) {
      expect(provenance.files[`v201/${file}`], file).toBe(hash(readFileSync(join(root, 'schemas', 'v201', file))));
    }
    const others = (p: Provenance) => Object.entries(p.files).filter(([path]) => !path.startsWith('v201/'));
    expect(others(provenance)).toEqual(others(previous));
    expect(Object.keys(provenance.files)).toEqual(
      [...Object.keys(provenance.files)].sort((a, b) => {
        const order = (p: string) => versions.findIndex((v) => p.startsWith(`${v.key}/`));
        return order(a) - order(b) || (a < b ? -1 : 1);
      }),
    );
  });

  it('leaves no temporary folder behind', () => {
    expect(readdirSync(join(root, 'schemas')).sort()).toEqual(['provenance.json', 'v16', 'v201', 'v21']);
  });

  it('codegen on the result: the new field and enum value, the removed field, the required one', async () => {
    const files = await renderVersion(buildModel(v201, loadVersion(root, 'v201')));
    const all = Object.values(files).join('\n');
    expect(all).toMatch(/\bfixtureHardwareVersion\?: string;/);
    expect(all).not.toMatch(/\bimsi\?/);
    expect(files['enums.ts']).toMatch(/FixtureShutdown['"]?: ['"]FixtureShutdown['"]/);
    expect(all).toMatch(/\bcertificate: string;/);
  });

  it('the regenerated code type-checks, and uses the new types', async () => {
    const files = await renderVersion(buildModel(v201, loadVersion(root, 'v201')));
    // two levels below the root, like generated/v201, so that `../../src/generated-runtime.ts` resolves
    const dir = join(repo, '.scratch', `sync-fixture-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    temps.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    for (const [name, text] of Object.entries(files)) {
      for (const [, specifier] of text.matchAll(/from '(\.[^']+)'/g)) {
        expect(existsSync(join(dir, specifier as string)), `${name} imports ${specifier}`).toBe(true);
      }
    }
    writeFileSync(
      join(dir, 'uses.ts'),
      `import { type AuthorizeRequest, type BootNotificationRequest, BootReasonEnumType } from './index.ts';

export const boot: BootNotificationRequest = {
  reason: BootReasonEnumType.FixtureShutdown,
  chargingStation: { model: 'M1', vendorName: 'V', fixtureHardwareVersion: 'rev B', modem: { iccid: '8931' } },
};
// @ts-expect-error imsi is gone
export const modem: NonNullable<BootNotificationRequest['chargingStation']['modem']> = { imsi: '2040' };
// @ts-expect-error certificate is required now
export const authorize: AuthorizeRequest = { idToken: { idToken: 'A1', type: 'Central' } };
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true }, include: ['./*.ts'] }),
    );
    const tsc = spawnSync(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);
});

describe('schemas:sync --from: the OCA zip', () => {
  const root = repoCopy();
  const zip = fixtureZip(join(temp('oca-zip'), 'OCPP-2.0.1_part3_JSON_schemas.zip'));
  const result = syncFrom({ root, version: 'v201', from: zip });

  it('is deflated, with schemas in a subfolder beside other files', () => {
    const methods = new Set<number>();
    unzipSync(readFileSync(zip), {
      filter: (file) => {
        methods.add(file.compression);
        return false;
      },
    });
    expect([...methods]).toEqual([8]);
  });

  it('gives the same report, names the zip and its sha256, and skips the other files', () => {
    expect(result.markdown).toBe(FIXTURE_REPORT('OCPP-2.0.1_part3_JSON_schemas.zip'));
    expect(result.source).toEqual({
      name: 'OCPP-2.0.1_part3_JSON_schemas.zip',
      kind: 'zip',
      sha256: hash(readFileSync(zip)),
    });
    expect(result.ignored).toEqual([
      'README.txt',
      '__MACOSX/OCPP-2.0.1_part3_JSON_schemas/._BootNotificationRequest.json',
    ]);
    expect(result.text).toContain(
      `schemas/v201: 128 files from OCPP-2.0.1_part3_JSON_schemas.zip (sha256 ${hash(readFileSync(zip))})`,
    );
    expect(result.text).toContain(
      '- skipped 2 file(s) that are not schemas: README.txt, __MACOSX/OCPP-2.0.1_part3_JSON_schemas/._BootNotificationRequest.json',
    );
    const provenance = JSON.parse(readFileSync(join(root, 'schemas', 'provenance.json'), 'utf8')) as Provenance;
    expect(provenance.from).toEqual({
      v201: { name: 'OCPP-2.0.1_part3_JSON_schemas.zip', sha256: hash(readFileSync(zip)) },
    });
  });

  it('writes the same files as the folder', () => {
    const folder = fixtureUpdate(join(temp('cmp'), 'files'));
    for (const file of readdirSync(folder)) {
      expect(readFileSync(join(root, 'schemas', 'v201', file)).equals(readFileSync(join(folder, file))), file).toBe(
        true,
      );
    }
  });
});

describe('schemas:sync --from: other outcomes', () => {
  it('no change of content: says so, writes no changeset, records the new source', () => {
    const root = repoCopy();
    const from = join(temp('same'), 'same-files');
    cpSync(official, from, { recursive: true });
    const result = syncFrom({ root, version: 'v201', from });
    expect(result.markdown).toBe('');
    expect(result.changeset).toBeUndefined();
    expect(existsSync(join(root, '.changeset'))).toBe(false);
    expect(result.text).toBe(
      'schemas/v201: 128 files from same-files\n\nNo changes to the content of the OCPP 2.0.1 schemas: no changeset written.\n',
    );
    const provenance = JSON.parse(readFileSync(join(root, 'schemas', 'provenance.json'), 'utf8')) as Provenance;
    expect(provenance.from).toEqual({ v201: { name: 'same-files' } });
  });

  it('removed files: reported as a removed action and a warning', () => {
    const root = repoCopy();
    const from = join(temp('removed'), 'files');
    cpSync(official, from, { recursive: true });
    rmSync(join(from, 'CostUpdatedRequest.json'));
    rmSync(join(from, 'CostUpdatedResponse.json'));
    const result = syncFrom({ root, version: 'v201', from });
    expect(result.report.actions).toEqual(['removed action CostUpdated']);
    expect(result.warnings).toEqual([
      '2 file(s) of the previous set are not in files: CostUpdatedRequest.json, CostUpdatedResponse.json',
    ]);
    expect(readFileSync(result.changeset!, 'utf8')).toContain(
      '<!-- Check before committing, then delete this comment:\n- 2 file(s) of the previous set are not in files',
    );
    expect(existsSync(join(root, 'schemas', 'v201', 'CostUpdatedRequest.json'))).toBe(false);
    const provenance = JSON.parse(readFileSync(join(root, 'schemas', 'provenance.json'), 'utf8')) as Provenance;
    expect(Object.keys(provenance.files).filter((p) => p.startsWith('v201/CostUpdated'))).toEqual([]);
  });

  it('--report: the changeset goes where it is told', () => {
    const root = repoCopy();
    const result = syncFrom({
      root,
      version: 'v201',
      from: fixtureUpdate(join(temp('report'), 'files')),
      report: 'notes/v201-update.md',
    });
    expect(result.changeset).toBe(join(root, 'notes', 'v201-update.md'));
    expect(readFileSync(result.changeset!, 'utf8')).toBe(`${CHANGESET_FRONT_MATTER}\n${FIXTURE_REPORT('files')}`);
    expect(result.text).toContain('\nChangeset: notes/v201-update.md (edit it as needed');
  });

  it('warns about overlays on files whose content changed', () => {
    const root = repoCopy();
    const overlays = join(root, 'schemas', 'overlays');
    mkdirSync(overlays);
    const overlay = (name: string, file: string, path: string, value: unknown) =>
      writeFileSync(
        join(overlays, name),
        JSON.stringify({ version: 'v201', file, why: 'test', patch: [{ op: 'replace', path, value }] }),
      );
    overlay('01-imsi.json', 'BootNotificationRequest.json', '/definitions/ModemType/properties/imsi/maxLength', 25);
    overlay('02-certificate.json', 'AuthorizeRequest.json', '/properties/certificate/maxLength', 6000);
    overlay(
      '03-info.json',
      'ResetResponse.json',
      '/definitions/StatusInfoType/properties/additionalInfo/maxLength',
      1024,
    );
    overlay('04-untouched.json', 'HeartbeatResponse.json', '/properties/currentTime/description', 'The time.');
    writeFileSync(
      join(overlays, '05-v21.json'),
      JSON.stringify({ version: 'v21', file: 'BootNotificationRequest.json', why: 'test', patch: [] }),
    );
    const result = syncFrom({ root, version: 'v201', from: fixtureUpdate(join(temp('overlay'), 'files')) });
    expect(result.warnings).toEqual([
      'schemas/overlays/01-imsi.json no longer applies to BootNotificationRequest.json (overlay BootNotificationRequest.json: /definitions/ModemType/properties/imsi/maxLength does not exist): update or remove it',
      'schemas/overlays/02-certificate.json patches AuthorizeRequest.json, whose content changed: check that the correction is still right and needed',
      'schemas/overlays/03-info.json patches ResetResponse.json, which changed and already holds the correction: the overlay can go',
    ]);
    expect(result.text).toContain(`\nWarnings:\n- ${result.warnings[0]}\n`);
    expect(readdirSync(overlays)).toHaveLength(5);
  });
});

describe('schemas:sync --from: input checks leave schemas/ as it was', () => {
  const root = repoCopy();
  const before = snapshot(join(root, 'schemas'));
  const source = (edit: (dir: string) => void): string => {
    const dir = join(temp('bad'), 'files');
    cpSync(official, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const rejects = (from: string, message: RegExp, version = 'v201') => {
    expect(() => syncFrom({ root, version, from })).toThrow(message);
    expect(snapshot(join(root, 'schemas'))).toEqual(before);
    expect(existsSync(join(root, '.changeset'))).toBe(false);
  };

  it('an unknown version', () => {
    rejects(official, /^unknown version "v3": use one of v16, v201, v21$/, 'v3');
  });

  it('a missing folder', () => {
    rejects(join(temp('missing'), 'nowhere'), /nowhere does not exist: pass the folder or the \.zip/);
  });

  it('a file that is neither a folder nor a zip', () => {
    const file = join(temp('text'), 'schemas.txt');
    writeFileSync(file, 'not a zip');
    rejects(file, /schemas\.txt is neither a folder nor a zip file$/);
  });

  it('a damaged zip', () => {
    const file = join(temp('damaged'), 'schemas.zip');
    writeFileSync(file, fixtureZipBytes().subarray(0, 2000));
    rejects(file, /^cannot read the zip .*schemas\.zip: /);
  });

  it('a folder without schema files', () => {
    const dir = join(temp('empty'), 'docs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'README.txt'), 'nothing here');
    rejects(dir, /docs holds no JSON schema files with official names/);
  });

  it('a file that is not JSON', () => {
    rejects(
      source((dir) => writeFileSync(join(dir, 'HeartbeatRequest.json'), '{ "$id": ')),
      /^the v201 schema files are not usable:\n {2}HeartbeatRequest\.json is not JSON: /,
    );
  });

  it('a JSON file that is not a schema', () => {
    rejects(
      source((dir) => writeFileSync(join(dir, 'HeartbeatRequest.json'), '{ "type": "object" }')),
      /\n {2}HeartbeatRequest\.json has no \$id: not an OCPP schema$/,
    );
  });

  it('an $id that does not match the file name', () => {
    rejects(
      source((dir) => {
        const schema = read(dir, 'HeartbeatRequest.json');
        schema.$id = 'urn:OCPP:Cp:2:2020:3:HeartbeatResponse';
        write(dir, 'HeartbeatRequest.json', schema);
      }),
      /\n {2}HeartbeatRequest\.json: its \$id urn:OCPP:Cp:2:2020:3:HeartbeatResponse names Heartbeat's response, but the file name stands for Heartbeat's request$/,
    );
  });

  it('a request without its response, and a response without its request', () => {
    rejects(
      source((dir) => {
        rmSync(join(dir, 'HeartbeatResponse.json'));
        rmSync(join(dir, 'ResetRequest.json'));
      }),
      /:\n {2}HeartbeatRequest\.json has no response: HeartbeatResponse\.json is missing\n {2}ResetResponse\.json has no request: ResetRequest\.json is missing$/,
    );
  });

  it('a report path that is a folder', () => {
    expect(() => syncFrom({ root, version: 'v201', from: official, report: 'schemas' })).toThrow(
      /^the report path schemas is a folder: give a file name/,
    );
    expect(snapshot(join(root, 'schemas'))).toEqual(before);
  });

  it('the same file twice', () => {
    const dir = join(temp('twice'), 'files');
    cpSync(official, join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'));
    cpSync(join(official, 'ResetRequest.json'), join(dir, 'b', 'ResetRequest.json'));
    rejects(dir, /ResetRequest\.json is in .* twice \(a\/ResetRequest\.json, b\/ResetRequest\.json\)/);
  });
});

/** A small valid zip, for the damaged-zip case. */
function fixtureZipBytes(): Buffer {
  const files: Zippable = {};
  for (const file of readdirSync(official).slice(0, 20)) files[file] = readFileSync(join(official, file));
  return Buffer.from(zipSync({ schemas: files }, { level: 6 }));
}

describe('the change report on small schemas', () => {
  const file = (name: string, schema: JsonSchema): SchemaFile => {
    const role = name.endsWith('Response') ? 'response' : 'request';
    const action = name.replace(/(Request|Response)$/, '');
    return { file: `${name}.json`, action, role, schema };
  };
  const obj = (
    properties: Record<string, JsonSchema>,
    required: string[] = [],
    extra: JsonSchema = {},
  ): JsonSchema => ({
    type: 'object',
    properties,
    required,
    ...extra,
  });

  it('actions added and removed; 2.1 SEND messages have a request only', () => {
    const report = diffSchemas(
      [
        file('GoneRequest', obj({})),
        file('GoneResponse', obj({})),
        file('KeptRequest', obj({})),
        file('KeptResponse', obj({})),
      ],
      [
        file('KeptRequest', obj({})),
        file('NewRequest', obj({})),
        file('NewResponse', obj({})),
        { file: 'NotifyThing.json', action: 'NotifyThing', role: 'request', schema: obj({}) },
      ],
    );
    expect(report.actions).toEqual([
      'removed action Gone',
      'removed message KeptResponse',
      'added action New (request and response)',
      'added action NotifyThing (request only)',
    ]);
    expect(report.breaking).toBe(true);
  });

  it('types, required-ness, arrays, inline enums, constraints and ids', () => {
    const before = file('ThingRequest', {
      $id: 'urn:OCPP:Cp:2:2025:1:ThingRequest',
      ...obj(
        {
          count: { type: 'integer' },
          kind: { type: 'string', enum: ['A', 'B'] },
          items: { type: 'array', items: { $ref: '#/definitions/ItemType' } },
          note: { type: 'string' },
        },
        ['count', 'note'],
      ),
      definitions: { ItemType: obj({ id: { type: 'integer' }, name: { type: 'string', maxLength: 10 } }, ['id']) },
    });
    const after = file('ThingRequest', {
      $id: 'urn:OCPP:Cp:2:2026:1:ThingRequest',
      ...obj(
        {
          count: { type: 'number' },
          kind: { type: 'string', enum: ['A', 'C'] },
          items: { type: 'array', items: { $ref: '#/definitions/ItemType' } },
          note: { type: 'string' },
          extra: { type: 'array', items: { type: 'string' } },
        },
        ['count', 'extra'],
      ),
      definitions: { ItemType: obj({ id: { type: 'string' }, name: { type: 'string', maxLength: 12 } }, ['id']) },
    });
    const report = diffSchemas([before], [after]);
    expect(report.fields).toEqual([
      'ThingRequest.count: type integer → number',
      'ThingRequest.items.id: type integer → string',
      'ThingRequest.items.name: maxLength 10 → 12',
      'ThingRequest.note: required → optional',
      'ThingRequest.extra: added (required, string[])',
    ]);
    expect(report.enums).toEqual(['ThingRequest.kind: added "C"', 'ThingRequest.kind: removed "B"']);
    expect(report.other).toEqual([
      'ThingRequest: $id "urn:OCPP:Cp:2:2025:1:ThingRequest" → "urn:OCPP:Cp:2:2026:1:ThingRequest"',
    ]);
    expect(renderReport(report, 'Summary.')).toBe(`Summary.

Fields:

- ThingRequest.count: type integer → number
- ThingRequest.items.id: type integer → string
- ThingRequest.items.name: maxLength 10 → 12
- ThingRequest.note: required → optional
- ThingRequest.extra: added (required, string[])

Enums:

- ThingRequest.kind: added "C"
- ThingRequest.kind: removed "B"

Other:

- ThingRequest: $id "urn:OCPP:Cp:2:2025:1:ThingRequest" → "urn:OCPP:Cp:2:2026:1:ThingRequest"
`);
  });

  it('a recursive definition is walked once per path', () => {
    const node = (maxLength: number): JsonSchema => ({
      ...obj({ child: { $ref: '#/definitions/NodeType' }, name: { type: 'string', maxLength } }),
    });
    const tree = (maxLength: number): SchemaFile =>
      file('TreeRequest', {
        ...obj({ root: { $ref: '#/definitions/NodeType' } }),
        definitions: { NodeType: node(maxLength) },
      });
    expect(diffSchemas([tree(5)], [tree(6)]).fields).toEqual(['TreeRequest.root.name: maxLength 5 → 6']);
  });

  it('layout and key order are not changes', () => {
    const a = file('XRequest', obj({ a: { type: 'string' }, b: { type: 'integer' } }, ['a']));
    const b = file('XRequest', {
      required: ['a'],
      properties: { b: { type: 'integer' }, a: { type: 'string' } },
      type: 'object',
    });
    expect(diffSchemas([a], [b])).toMatchObject({ actions: [], fields: [], enums: [], other: [], changedFiles: [] });
  });
});

describe('the schemas:sync command line', () => {
  const tsx = join(repo, 'node_modules', '.bin', 'tsx');
  const run = (...args: string[]) =>
    spawnSync(tsx, ['codegen/sync-schemas.ts', ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });

  it('--version without --from is a usage error, and writes nothing', () => {
    const result = run('--version', 'v201');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('schemas:sync: --version and --from go together');
    expect(result.stderr).toContain(
      'npm run schemas:sync -- --version <v> --from <folder|file.zip> [--report <file.md>]',
    );
  });

  it('an unknown version fails before anything is read or written', () => {
    const before = snapshot(join(repo, 'schemas'));
    const result = run('--version', 'v3', '--from', official);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('schemas:sync: unknown version "v3": use one of v16, v201, v21\n');
    expect(snapshot(join(repo, 'schemas'))).toEqual(before);
  });
});
