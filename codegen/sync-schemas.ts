/**
 * `npm run schemas:sync`: writes the official OCPP JSON schemas into `schemas/<version>/`, one file per
 * schema under the official file name, and records their provenance.
 *
 * No registry package ships the official files byte for byte. The bundles in `ocpp-rpc` (pinned below)
 * hold the official content; they rewrite only `$schema` and `$id`, which this script puts back in the
 * official forms. The content is never edited here: corrections are overlays (`schemas/overlays/`).
 *
 * `npm run schemas:sync -- --version <v> --from <folder or .zip>` takes one version's files as the OCA
 * publishes them instead, copies them as they are, and reports what changed (`syncFrom`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import security from './data/v16-security-extension.json' with { type: 'json' };
import { applyOverlay, type JsonSchema, type Overlay } from './load.ts';
import {
  type ChangeReport,
  canonical,
  diffSchemas,
  isEmptyReport,
  renderReport,
  type SchemaFile,
} from './schema-diff.ts';
import { actionOfFile, checkSchemas, type OfficialSchema, readSchemaSource } from './schema-source.ts';
import { type SchemaRole, type VersionKey, versions } from './versions.ts';

export const SOURCE_PACKAGE = 'ocpp-rpc';
export const SOURCE_VERSION = '2.2.1';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
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

/** What `schemas/provenance.json` holds. `from` appears once a version has been synced from the OCA's files. */
export interface Provenance {
  description: string;
  /** The pinned package and the sha256 of each bundle still in use. */
  source?: { package: string; version: string; bundles: Record<string, string> };
  /** Per version synced with `--from`: the folder's or zip's name, and the zip's sha256. */
  from?: Partial<Record<VersionKey, { name: string; sha256?: string }>>;
  /** `<version>/<file>`: the sha256 of each file in `schemas/`. */
  files: Record<string, string>;
}

const PINNED_DESCRIPTION =
  'Official OCPP JSON schemas, written by `npm run schemas:sync` from the bundles of the source package. ' +
  'Content as published by the OCA; `$schema` and `$id`/`id` restored to the official forms.';
const MIXED_DESCRIPTION =
  'Official OCPP JSON schemas, written by `npm run schemas:sync`. The versions under `from` are the files ' +
  'the OCA publishes, copied as they are (a leading byte-order mark dropped); the others come from the bundles ' +
  'of the source package, content as published by the OCA, `$schema` and `$id`/`id` restored to the official forms.';

function readProvenance(root: string): Provenance | undefined {
  const path = join(root, 'schemas', 'provenance.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Provenance) : undefined;
}

function sync(root: string): void {
  const require = createRequire(import.meta.url);
  const bundleDir = join(dirname(require.resolve(`${SOURCE_PACKAGE}/package.json`)), 'lib', 'schemas');
  const installed = require(`${SOURCE_PACKAGE}/package.json`).version;
  if (installed !== SOURCE_VERSION) {
    throw new Error(`${SOURCE_PACKAGE} ${installed} is installed; schemas come from ${SOURCE_VERSION} (run npm ci)`);
  }
  for (const [key, from] of Object.entries(readProvenance(root)?.from ?? {})) {
    console.warn(`schemas/${key} came from ${from.name}; it is rewritten from ${SOURCE_PACKAGE} ${SOURCE_VERSION}`);
  }
  const provenance = {
    description: PINNED_DESCRIPTION,
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

/** What `syncFrom` takes. */
export interface SyncFromOptions {
  /** The repository's root: `schemas/` and `.changeset/` are under it. */
  root: string;
  /** `v16`, `v201` or `v21`. */
  version: string;
  /** A folder, or the OCA's zip, holding the version's JSON schema files (in a subfolder or not). */
  from: string;
  /**
   * Where to write the report as a changeset, relative to `root`. The default is
   * `.changeset/schemas-<version>-<hash>.md`, the hash being that of the new files.
   */
  report?: string | undefined;
}

/** What `syncFrom` did. */
export interface SyncFromResult {
  version: VersionKey;
  /** The folder's or zip's name, and the zip's sha256. */
  source: { name: string; kind: 'folder' | 'zip'; sha256: string | undefined };
  /** The files written to `schemas/<version>/`. */
  files: string[];
  /** The files of the source that are not schemas and were skipped. */
  ignored: string[];
  report: ChangeReport;
  /** The report as markdown (without front matter); empty when nothing changed. */
  markdown: string;
  /** Things to check before committing: removed files, overlays on changed files. */
  warnings: string[];
  /** What to do next, and what changed besides content. */
  notes: string[];
  /** The changeset written (absolute path), or undefined when nothing changed. */
  changeset: string | undefined;
  /** Everything the command prints. */
  text: string;
}

/** The front matter of the changeset the report is written as. */
export const CHANGESET_FRONT_MATTER = '---\n"ocppkit": minor\n---\n';

/** The files of `schemas/<version>/` as they are now (none for a version not synced yet). */
function currentSchemas(root: string, version: VersionKey): { file: string; bytes: Buffer; schema: SchemaFile }[] {
  const dir = join(root, 'schemas', version);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const bytes = readFileSync(join(dir, file));
      const parsed = JSON.parse(bytes.toString('utf8')) as JsonSchema;
      return { file, bytes, schema: { file, ...actionOfFile(version, file), schema: parsed } };
    });
}

/** Warnings for the overlays of a version whose target file changed or went away. */
function overlayWarnings(
  root: string,
  version: VersionKey,
  changed: readonly string[],
  now: ReadonlyMap<string, JsonSchema>,
): string[] {
  const dir = join(root, 'schemas', 'overlays');
  if (!existsSync(dir)) return [];
  const warnings: string[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const at = `schemas/overlays/${name}`;
    let overlay: Overlay;
    try {
      overlay = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Overlay;
    } catch (error) {
      warnings.push(`${at} is not JSON (${(error as Error).message}): codegen fails on it`);
      continue;
    }
    if (overlay.version !== version || !changed.includes(overlay.file)) continue;
    const schema = now.get(overlay.file);
    if (!schema) {
      warnings.push(`${at} patches ${overlay.file}, which the new files no longer have: remove the overlay`);
      continue;
    }
    const patched = structuredClone(schema);
    try {
      applyOverlay(patched, overlay);
    } catch (error) {
      warnings.push(`${at} no longer applies to ${overlay.file} (${(error as Error).message}): update or remove it`);
      continue;
    }
    warnings.push(
      canonical(patched) === canonical(schema)
        ? `${at} patches ${overlay.file}, which changed and already holds the correction: the overlay can go`
        : `${at} patches ${overlay.file}, whose content changed: check that the correction is still right and needed`,
    );
  }
  return warnings;
}

/**
 * Replaces `schemas/<version>/` and `schemas/provenance.json` at once: everything is written beside them first,
 * then renamed into place, so a failure never leaves a half-written folder.
 */
function replaceVersion(root: string, version: VersionKey, files: readonly OfficialSchema[], provenance: string): void {
  const schemas = join(root, 'schemas');
  mkdirSync(schemas, { recursive: true });
  for (const stale of readdirSync(schemas)) {
    if (stale.startsWith(`.${version}.sync-`)) rmSync(join(schemas, stale), { recursive: true, force: true });
  }
  const tag = `${process.pid}-${Date.now()}`;
  const dir = join(schemas, version);
  const next = join(schemas, `.${version}.sync-new-${tag}`);
  const old = join(schemas, `.${version}.sync-old-${tag}`);
  const provenancePath = join(schemas, 'provenance.json');
  const nextProvenance = join(schemas, `.${version}.sync-provenance-${tag}.json`);
  try {
    mkdirSync(next);
    for (const f of files) writeFileSync(join(next, f.file), f.bytes);
    writeFileSync(nextProvenance, provenance);
  } catch (error) {
    rmSync(next, { recursive: true, force: true });
    rmSync(nextProvenance, { force: true });
    throw error;
  }
  const hadDir = existsSync(dir);
  if (hadDir) renameSync(dir, old);
  try {
    renameSync(next, dir);
  } catch (error) {
    if (hadDir) renameSync(old, dir);
    rmSync(next, { recursive: true, force: true });
    rmSync(nextProvenance, { force: true });
    throw error;
  }
  renameSync(nextProvenance, provenancePath);
  rmSync(old, { recursive: true, force: true });
}

/** The provenance after syncing `version` from the OCA's files; the other versions' records stay. */
function provenanceAfter(
  previous: Provenance | undefined,
  version: VersionKey,
  source: { name: string; sha256: string | undefined },
  written: Record<string, string>,
): Provenance {
  const info = versions.find((v) => v.key === version);
  const bundles = { ...previous?.source?.bundles };
  delete bundles[`lib/schemas/${info?.bundle}`];
  const entry = source.sha256 ? { name: source.name, sha256: source.sha256 } : { name: source.name };
  const recorded = { ...previous?.from, [version]: entry };
  const from: Provenance['from'] = {};
  for (const v of versions) {
    const entry = recorded[v.key];
    if (entry) from[v.key] = entry;
  }
  const files: Record<string, string> = {};
  for (const v of versions) {
    if (v.key === version) {
      for (const file of Object.keys(written).sort()) files[`${version}/${file}`] = written[file] as string;
    } else {
      const keys = Object.keys(previous?.files ?? {}).filter((k) => k.startsWith(`${v.key}/`));
      for (const key of keys.sort()) files[key] = previous?.files[key] as string;
    }
  }
  return {
    description: MIXED_DESCRIPTION,
    ...(previous?.source && Object.keys(bundles).length ? { source: { ...previous.source, bundles } } : {}),
    from,
    files,
  };
}

const list = (title: string, lines: readonly string[]): string =>
  lines.length ? `\n${title}:\n${lines.map((l) => `- ${l}`).join('\n')}\n` : '';

/**
 * `schemas:sync --from`: replaces `schemas/<version>/` with the OCA's files from a folder or zip, records them in
 * `schemas/provenance.json`, and writes the change report as a changeset. Overlays are not applied (codegen does).
 * Throws, writing nothing, when the version is unknown or the files are not usable.
 */
export function syncFrom(options: SyncFromOptions): SyncFromResult {
  const info = versions.find((v) => v.key === options.version);
  if (!info) {
    throw new Error(`unknown version "${options.version}": use one of ${versions.map((v) => v.key).join(', ')}`);
  }
  const version = info.key;
  const reportPath = options.report === undefined ? undefined : resolve(options.root, options.report);
  if (reportPath && existsSync(reportPath) && statSync(reportPath).isDirectory()) {
    throw new Error(`the report path ${options.report} is a folder: give a file name (schemas-update.md)`);
  }
  const source = readSchemaSource(options.from);
  const next = checkSchemas(version, source.files);
  const previous = currentSchemas(options.root, version);
  const report = diffSchemas(
    previous.map((p) => p.schema),
    next.map(({ file, action, role, schema }) => ({ file, action, role, schema })),
  );

  const before = new Map(previous.map((p) => [p.file, p]));
  const written: Record<string, string> = {};
  for (const f of next) written[f.file] = sha256(f.bytes);
  const reformatted = next.filter((f) => {
    const old = before.get(f.file);
    return old && !old.bytes.equals(f.bytes) && canonical(old.schema.schema) === canonical(f.schema);
  });
  const removed = previous.filter((p) => !(p.file in written)).map((p) => p.file);

  const warnings: string[] = [];
  if (removed.length) {
    warnings.push(`${removed.length} file(s) of the previous set are not in ${source.name}: ${removed.join(', ')}`);
  }
  warnings.push(
    ...overlayWarnings(options.root, version, report.changedFiles, new Map(next.map((f) => [f.file, f.schema]))),
  );
  const notes: string[] = [];
  if (source.ignored.length) {
    const shown = source.ignored.slice(0, 5).join(', ');
    const more = source.ignored.length > 5 ? ` and ${source.ignored.length - 5} more` : '';
    notes.push(`skipped ${source.ignored.length} file(s) that are not schemas: ${shown}${more}`);
  }
  if (reformatted.length) notes.push(`${reformatted.length} file(s) differ in layout only (same JSON content)`);
  if (report.actions.some((l) => l.startsWith('added action'))) {
    notes.push(
      'a new action needs its direction in codegen/data/directions.json (and, for a transaction message, ' +
        'an entry in transaction-messages.json) before `npm run codegen`',
    );
  }
  if (report.breaking) {
    notes.push(
      'some changes can break code that uses these types (removals, changes of required-ness or type): ' +
        'consider a major bump in the changeset',
    );
  }

  const label = info.subprotocol.replace('ocpp', 'OCPP ');
  const summary =
    `${label} schemas updated to the OCA's files in \`${source.name}\`: the types and validators of ` +
    `\`ocppkit/${version}\` change as follows.`;
  const markdown = isEmptyReport(report) ? '' : renderReport(report, summary);

  const provenance = provenanceAfter(readProvenance(options.root), version, source, written);
  replaceVersion(options.root, version, next, `${JSON.stringify(provenance, null, 2)}\n`);

  let changeset: string | undefined;
  if (markdown) {
    const manifest = Object.entries(written)
      .map(([file, hash]) => `${file} ${hash}\n`)
      .join('');
    const name = `.changeset/schemas-${version}-${sha256(manifest).slice(0, 8)}.md`;
    changeset = reportPath ?? join(options.root, name);
    const comment = warnings.length
      ? `\n<!-- Check before committing, then delete this comment:\n${warnings.map((w) => `- ${w}`).join('\n')}\n-->\n`
      : '';
    mkdirSync(dirname(changeset), { recursive: true });
    writeFileSync(changeset, `${CHANGESET_FRONT_MATTER}\n${markdown}${comment}`);
  }

  const from = source.sha256 ? `${source.name} (sha256 ${source.sha256})` : source.name;
  let text = `schemas/${version}: ${next.length} files from ${from}\n\n`;
  text += markdown || `No changes to the content of the ${label} schemas: no changeset written.\n`;
  text += list('Warnings', warnings);
  text += list('Notes', notes);
  if (changeset) {
    const shown = isAbsolute(options.report ?? '') ? changeset : relative(options.root, changeset);
    text += `\nChangeset: ${shown} (edit it as needed, then \`npm run codegen\`)\n`;
  }
  return {
    version,
    source: { name: source.name, kind: source.kind, sha256: source.sha256 },
    files: next.map((f) => f.file),
    ignored: source.ignored,
    report,
    markdown,
    warnings,
    notes,
    changeset,
    text,
  };
}

const USAGE = `usage:
  npm run schemas:sync                     rewrite every version from the pinned source package
  npm run schemas:sync -- --version <v> --from <folder|file.zip> [--report <file.md>]
                                           replace schemas/<v>/ with the OCA's files and report what changed
versions: ${versions.map((v) => v.key).join(', ')}`;

/** A mistake in the command line: the usage follows the message. */
class UsageError extends Error {}

function main(argv: string[]): void {
  let values: { version?: string; from?: string; report?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        version: { type: 'string' },
        from: { type: 'string' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.from === undefined && values.version === undefined && values.report === undefined) {
    sync(repoRoot);
    return;
  }
  if (values.from === undefined || values.version === undefined) {
    throw new UsageError(
      '--version and --from go together (without both, every version comes from the pinned package)',
    );
  }
  const report = values.report === undefined ? undefined : resolve(values.report);
  const result = syncFrom({ root: repoRoot, version: values.version, from: values.from, report });
  process.stdout.write(result.text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    const usage = error instanceof UsageError ? `\n\n${USAGE}` : '';
    console.error(`schemas:sync: ${(error as Error).message}${usage}`);
    process.exitCode = 1;
  }
}
