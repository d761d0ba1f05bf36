/**
 * Loads one version's schemas from `schemas/<version>/`, applies the overlays of `schemas/overlays/`,
 * and normalises them in memory for ajv and the type emitter. Files on disk are never changed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SchemaRole, type VersionKey, versions } from './versions.ts';

export type JsonSchema = { [keyword: string]: unknown };

export interface LoadedSchema {
  file: string;
  action: string;
  role: SchemaRole;
  schema: JsonSchema;
}

/** One correction to an official schema. Each overlay file in `schemas/overlays/` holds one and says why. */
export interface Overlay {
  version: VersionKey;
  file: string;
  why: string;
  /** JSON Pointer (RFC 6901) of the value to replace, add or remove. */
  patch: { op: 'replace' | 'add' | 'remove'; path: string; value?: unknown }[];
}

/** Reads the action and role from an official id (`urn:OCPP:1.6:2019:12:BootNotificationRequest`, `…:GetLog.conf`). */
export function actionOfId(id: string): { action: string; role: SchemaRole } {
  const name = id.slice(id.lastIndexOf(':') + 1);
  const match = /^(.+?)(\.req|\.conf|Request|Response)?$/.exec(name);
  if (!match?.[1]) throw new Error(`cannot read an action from schema id ${id}`);
  return { action: match[1], role: match[2] === '.conf' || match[2] === 'Response' ? 'response' : 'request' };
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Applies an overlay's patch in place, with RFC 6902 semantics: `add` on an array inserts at the index (`-`
 * appends), `remove` on an array removes the item; every other path must exist.
 */
export function applyOverlay(schema: JsonSchema, overlay: Overlay): void {
  for (const step of overlay.patch) {
    const missing = () => new Error(`overlay ${overlay.file}: ${step.path} does not exist`);
    const tokens = step.path.split('/').slice(1).map(unescapePointer);
    const last = tokens.pop();
    if (last === undefined) throw new Error(`overlay ${overlay.file}: empty path`);
    let parent: unknown = schema;
    for (const token of tokens) {
      if (typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, token)) throw missing();
      parent = (parent as JsonSchema)[token];
    }
    if (typeof parent !== 'object' || parent === null) throw missing();
    if (Array.isArray(parent)) {
      const index = last === '-' && step.op === 'add' ? parent.length : /^(0|[1-9][0-9]*)$/.test(last) ? +last : -1;
      if (index < 0 || index > parent.length || (step.op !== 'add' && index === parent.length)) throw missing();
      if (step.op === 'remove') parent.splice(index, 1);
      else parent.splice(index, step.op === 'add' ? 0 : 1, structuredClone(step.value));
      continue;
    }
    const target = parent as JsonSchema;
    if (step.op !== 'add' && !Object.hasOwn(target, last)) throw missing();
    if (step.op === 'remove') delete target[last];
    else target[last] = structuredClone(step.value);
  }
}

/** Keywords the official files carry that are not JSON Schema validation keywords. */
const ANNOTATIONS = ['$schema', '$id', 'id', 'javaType', 'comment', 'title'];

/**
 * Normalises a schema for ajv's strict mode: drops annotations that are not JSON Schema keywords
 * (`javaType`, `comment`) and the draft/id markers (ajv compiles every draft used here as draft-07), and
 * `additionalProperties` on non-object types and `additionalItems` beside a single `items` schema (no-ops the
 * 2.x schema generator writes on every enum and array).
 */
export function normalise(schema: JsonSchema): JsonSchema {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' || key === 'definitions') {
        out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, visit(v)]));
      } else if (ANNOTATIONS.includes(key)) {
        // annotation: dropped
      } else if (key === 'additionalProperties' && 'type' in node && (node as JsonSchema).type !== 'object') {
        // no-op on a non-object: dropped
      } else if (key === 'additionalItems' && !Array.isArray((node as JsonSchema).items)) {
        // no-op unless `items` is a tuple: dropped
      } else {
        out[key] = visit(value);
      }
    }
    return out;
  };
  return visit(schema) as JsonSchema;
}

export function loadOverlays(root: string, version: VersionKey): Overlay[] {
  const dir = join(root, 'schemas', 'overlays');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Overlay)
    .filter((o) => {
      // an overlay with a misspelt version would otherwise be skipped without a word
      if (!versions.some((v) => v.key === o.version))
        throw new Error(`overlay ${o.file}: unknown version ${o.version}`);
      return o.version === version;
    });
}

export function loadVersion(root: string, version: VersionKey): LoadedSchema[] {
  const dir = join(root, 'schemas', version);
  const overlays = loadOverlays(root, version);
  const loaded = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonSchema;
      const id = String(raw.$id ?? raw.id);
      for (const overlay of overlays) if (overlay.file === file) applyOverlay(raw, overlay);
      return { file, ...actionOfId(id), schema: normalise(raw) };
    });
  for (const overlay of overlays) {
    if (!loaded.some((s) => s.file === overlay.file)) throw new Error(`overlay for unknown schema ${overlay.file}`);
  }
  return loaded;
}
