/**
 * `npm run schemas:sync`: writes the official OCPP JSON schemas into `schemas/<version>/`, one file per
 * schema under the official file name, and records their provenance.
 *
 * No registry package ships the official files byte for byte. The bundles in `ocpp-rpc` (pinned below)
 * hold the official content; they rewrite only `$schema` and `$id`, which this script puts back in the
 * official forms. The content is never edited here: corrections are overlays (`schemas/overlays/`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import security from './data/v16-security-extension.json' with { type: 'json' };
import { type SchemaRole, type VersionKey, versions } from './versions.ts';

export const SOURCE_PACKAGE = 'ocpp-rpc';
export const SOURCE_VERSION = '2.2.1';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const securityActions = new Set(security.actions);

interface OfficialForm {
  file: string;
  $schema: string;
  idKey: 'id' | '$id';
  id: string;
}

const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';
const DRAFT_06 = 'http://json-schema.org/draft-06/schema#';

/** Parses the bundle's rewritten `$id` (`urn:BootNotification.req`, `urn:BootNotificationRequest`). */
export function parseBundleId(bundleId: string): { action: string; role: SchemaRole } {
  const name = bundleId.replace(/^urn:/, '');
  const match = /^(.+?)(\.req|\.conf|Request|Response)?$/.exec(name);
  if (!match?.[1]) throw new Error(`unexpected schema id ${bundleId}`);
  const suffix = match[2];
  return { action: match[1], role: suffix === '.conf' || suffix === 'Response' ? 'response' : 'request' };
}

/** The official file name, `$schema` and id of one schema. */
export function officialForm(version: VersionKey, action: string, role: SchemaRole): OfficialForm {
  if (version === 'v16') {
    const file = role === 'request' ? `${action}.json` : `${action}Response.json`;
    if (securityActions.has(action)) {
      const id = `urn:OCPP:Cp:1.6:2020:3:${action}.${role === 'request' ? 'req' : 'conf'}`;
      return { file, $schema: DRAFT_06, idKey: '$id', id };
    }
    const id = `urn:OCPP:1.6:2019:12:${action}${role === 'request' ? 'Request' : 'Response'}`;
    return { file, $schema: DRAFT_04, idKey: 'id', id };
  }
  const name =
    action === 'NotifyPeriodicEventStream' ? action : `${action}${role === 'request' ? 'Request' : 'Response'}`;
  const date = version === 'v201' ? '2020:3' : '2025:1';
  return { file: `${name}.json`, $schema: DRAFT_06, idKey: '$id', id: `urn:OCPP:Cp:2:${date}:${name}` };
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Serialises a schema with `$schema` and its id first, the rest in the bundle's order. */
export function restoreOfficialForm(schema: Record<string, unknown>, form: OfficialForm): string {
  const { $schema: _schema, $id: _id, id: _legacyId, ...content } = schema;
  const restored = { $schema: form.$schema, [form.idKey]: form.id, ...content };
  return `${JSON.stringify(restored, null, 2)}\n`;
}

function sync(): void {
  const require = createRequire(import.meta.url);
  const bundleDir = join(dirname(require.resolve(`${SOURCE_PACKAGE}/package.json`)), 'lib', 'schemas');
  const installed = require(`${SOURCE_PACKAGE}/package.json`).version;
  if (installed !== SOURCE_VERSION) {
    throw new Error(`${SOURCE_PACKAGE} ${installed} is installed; schemas come from ${SOURCE_VERSION} (run npm ci)`);
  }
  const provenance = {
    description:
      'Official OCPP JSON schemas, written by `npm run schemas:sync` from the bundles of the source package. ' +
      'Content as published by the OCA; `$schema` and `$id`/`id` restored to the official forms.',
    source: { package: SOURCE_PACKAGE, version: SOURCE_VERSION, bundles: {} as Record<string, string> },
    files: {} as Record<string, string>,
  };
  for (const version of versions) {
    const bundleText = readFileSync(join(bundleDir, version.bundle));
    provenance.source.bundles[`lib/schemas/${version.bundle}`] = sha256(bundleText);
    const outDir = join(root, 'schemas', version.key);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const bundle = JSON.parse(bundleText.toString('utf8')) as Record<string, unknown>[];
    const written: Record<string, string> = {};
    for (const schema of bundle) {
      const { action, role } = parseBundleId(String(schema.$id));
      const form = officialForm(version.key, action, role);
      const text = restoreOfficialForm(schema, form);
      if (written[form.file]) throw new Error(`two schemas map to ${version.key}/${form.file}`);
      writeFileSync(join(outDir, form.file), text);
      written[form.file] = sha256(text);
    }
    for (const file of Object.keys(written).sort())
      provenance.files[`${version.key}/${file}`] = written[file] as string;
    console.log(`schemas/${version.key}: ${bundle.length} files`);
  }
  writeFileSync(join(root, 'schemas', 'provenance.json'), `${JSON.stringify(provenance, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) sync();
