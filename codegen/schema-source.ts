/**
 * Reads one version's JSON schema files as the OCA publishes them, from a folder or from the OCA's zip, and checks
 * them before `schemas:sync --from` writes anything: every file is JSON, its id names the action and role its file
 * name stands for, and every request has its response (2.1's SEND messages excepted).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { actionOfId, type JsonSchema } from './load.ts';
import type { SchemaRole, VersionKey } from './versions.ts';

/** One file found in a source: its official name and where it was (a path relative to the folder or zip). */
export interface SourceFile {
  name: string;
  where: string;
  bytes: Buffer;
}

/** What `--from` points at, read into memory. */
export interface SchemaSource {
  /** The folder's or zip's base name, as recorded in `schemas/provenance.json`. */
  name: string;
  kind: 'folder' | 'zip';
  /** The sha256 of the zip file; a folder has none. */
  sha256: string | undefined;
  /** The files with official schema names, sorted by name. */
  files: SourceFile[];
  /** The other files, which are not schemas and are skipped (`README.txt`, `__MACOSX/…`). */
  ignored: string[];
}

/** One checked schema: the bytes to write and what they describe. */
export interface OfficialSchema {
  file: string;
  action: string;
  role: SchemaRole;
  bytes: Buffer;
  schema: JsonSchema;
}

/** The OCA's file names: the action (and `Request`/`Response` in 2.x, `Response` in 1.6) and `.json`. */
export const isSchemaFileName = (name: string): boolean => /^[A-Z][A-Za-z0-9]*\.json$/.test(name);

/** Folders of a zip or a tree that never hold the schemas: macOS resource forks, hidden folders. */
const skipped = (segment: string): boolean => segment === '__MACOSX' || segment.startsWith('.');

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Reads a folder (searched recursively) or a zip (its entries may be stored or deflated). */
export function readSchemaSource(path: string): SchemaSource {
  const full = resolve(path);
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(full);
  } catch {
    throw new Error(`${path} does not exist: pass the folder or the .zip that holds the OCA's JSON schema files`);
  }
  const found: SourceFile[] = [];
  const ignored: string[] = [];
  const take = (where: string, bytes: () => Buffer): void => {
    const name = basename(where);
    if (where.split('/').some(skipped) || !isSchemaFileName(name)) ignored.push(where);
    else found.push({ name, where, bytes: bytes() });
  };
  let kind: SchemaSource['kind'];
  let digest: string | undefined;
  if (stats.isDirectory()) {
    kind = 'folder';
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const at = join(dir, entry.name);
        const where = relative(full, at).split('\\').join('/');
        if (entry.isDirectory()) {
          if (skipped(entry.name)) ignored.push(`${where}/`);
          else visit(at);
        } else if (entry.isFile()) {
          take(where, () => readFileSync(at));
        }
      }
    };
    visit(full);
  } else {
    const data = readFileSync(full);
    if (data.length < 4 || data.readUInt32LE(0) !== 0x04034b50) {
      if (data.length >= 4 && data.readUInt32LE(0) === 0x06054b50) {
        throw new Error(`${path} is an empty zip: it holds no schema files`);
      }
      throw new Error(`${path} is neither a folder nor a zip file`);
    }
    kind = 'zip';
    digest = sha256(data);
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(data, {
        filter: (file) => {
          if (file.name.endsWith('/')) return false;
          const wanted = !file.name.split('/').some(skipped) && isSchemaFileName(basename(file.name));
          if (!wanted) ignored.push(file.name);
          return wanted;
        },
      });
    } catch (error) {
      throw new Error(`cannot read the zip ${path}: ${(error as Error).message}`);
    }
    for (const where of Object.keys(entries).sort()) take(where, () => Buffer.from(entries[where] as Uint8Array));
  }
  const files = found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.where < b.where ? -1 : 1));
  for (let i = 1; i < files.length; i++) {
    const [a, b] = [files[i - 1] as SourceFile, files[i] as SourceFile];
    if (a.name === b.name) {
      throw new Error(
        `${a.name} is in ${path} twice (${a.where}, ${b.where}): pass the folder, or a zip, that holds one set of schemas`,
      );
    }
  }
  if (files.length === 0) {
    const zips = ignored.filter((f) => f.endsWith('.zip'));
    const hint = zips.length ? ` (it holds ${zips.join(', ')}: extract the one with the JSON schemas)` : '';
    throw new Error(`${path} holds no JSON schema files with official names (BootNotificationRequest.json …)${hint}`);
  }
  return { name: basename(full), kind, sha256: digest, files, ignored: ignored.sort() };
}

/**
 * The action and role a file name stands for: 1.6 `BootNotification.json` / `BootNotificationResponse.json`; 2.x
 * `BootNotificationRequest.json` / `BootNotificationResponse.json`, and 2.1's SEND messages without a suffix
 * (`NotifyPeriodicEventStream.json`, a request without a response).
 */
export function actionOfFile(version: VersionKey, file: string): { action: string; role: SchemaRole } {
  const name = basename(file, '.json');
  if (name.endsWith('Response') && name !== 'Response') return { action: name.slice(0, -8), role: 'response' };
  if (version !== 'v16' && name.endsWith('Request') && name !== 'Request') {
    return { action: name.slice(0, -7), role: 'request' };
  }
  return { action: name, role: 'request' };
}

const describe = (m: { action: string; role: SchemaRole }): string => `${m.action}'s ${m.role}`;

/** Parses and checks one version's files; throws one error that lists every problem found. */
export function checkSchemas(version: VersionKey, files: readonly SourceFile[]): OfficialSchema[] {
  const problems: string[] = [];
  const checked: OfficialSchema[] = [];
  // an action with an unreadable file gets no second complaint about its pair
  const failed = new Set<string>();
  for (const file of files) {
    const fail = (problem: string): void => {
      problems.push(problem);
      failed.add(actionOfFile(version, file.name).action);
    };
    // JSON has no byte-order mark (RFC 8259) and codegen's reader does not skip one: it is dropped.
    const bytes =
      file.bytes[0] === 0xef && file.bytes[1] === 0xbb && file.bytes[2] === 0xbf ? file.bytes.subarray(3) : file.bytes;
    let schema: unknown;
    try {
      schema = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      fail(`${file.where} is not JSON: ${(error as Error).message}`);
      continue;
    }
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      fail(`${file.where} is not a JSON schema (not an object)`);
      continue;
    }
    const id = (schema as JsonSchema).$id ?? (schema as JsonSchema).id;
    if (typeof id !== 'string' || id === '') {
      fail(`${file.where} has no $id: not an OCPP schema`);
      continue;
    }
    const named = actionOfFile(version, file.name);
    const identified = actionOfId(id);
    const idName = id.slice(id.lastIndexOf(':') + 1);
    const matches =
      version === 'v16'
        ? identified.action === named.action && identified.role === named.role
        : idName === basename(file.name, '.json');
    if (!matches) {
      fail(
        `${file.where}: its $id ${id} names ${describe(identified)}, but the file name stands for ${describe(named)}`,
      );
      continue;
    }
    checked.push({ file: file.name, ...named, bytes: Buffer.from(bytes), schema: schema as JsonSchema });
  }
  const byAction = new Map<string, OfficialSchema[]>();
  for (const s of checked) byAction.set(s.action, [...(byAction.get(s.action) ?? []), s]);
  for (const [action, set] of byAction) {
    if (failed.has(action)) continue;
    const requests = set.filter((s) => s.role === 'request');
    const response = set.find((s) => s.role === 'response');
    const send = requests.find((s) => basename(s.file, '.json') === action && version !== 'v16');
    if (requests.length > 1) {
      problems.push(`${action} has two requests: ${requests.map((s) => s.file).join(' and ')}`);
    } else if (send && response) {
      problems.push(`${send.file} is a message without a response (SEND), yet ${response.file} is there too`);
    } else if (!response && !send) {
      problems.push(`${requests[0]?.file} has no response: ${action}Response.json is missing`);
    } else if (!requests.length) {
      const request = version === 'v16' ? `${action}.json` : `${action}Request.json`;
      problems.push(`${response?.file} has no request: ${request} is missing`);
    }
  }
  if (problems.length) {
    throw new Error(`the ${version} schema files are not usable:\n  ${problems.join('\n  ')}`);
  }
  return checked;
}
