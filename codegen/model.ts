/**
 * The neutral model of one version: its actions with direction and payload schemas, and every named
 * type (enum or object) emitted once. Named sub-schemas are replaced by `{ tsType: Name }` references,
 * which the type emitter turns into type names.
 */

import type { Direction } from '../src/protocol.ts';
import directions from './data/directions.json' with { type: 'json' };
import v16Names from './data/v16-names.json' with { type: 'json' };
import type { JsonSchema, LoadedSchema } from './load.ts';
import type { SchemaRole, VersionEntry } from './versions.ts';

export interface NamedType {
  name: string;
  kind: 'enum' | 'object';
  /** The type's schema, with named sub-schemas replaced by `{ tsType }` references. */
  schema: JsonSchema;
  /** Kept only when every occurrence of the type agrees on it. */
  description: string | undefined;
  /** 1.6 only: where the specification defines the type (`OCPP 1.6 ed.2, section 7.38 RegistrationStatus`). */
  source?: string;
}

export interface PayloadModel {
  /** `BootNotificationRequest`: the type's name, and the key of its validator. */
  typeName: string;
  file: string;
  /** The payload's schema, with named sub-schemas replaced by `{ tsType }` references. */
  typed: JsonSchema;
  /** The normalised schema, complete, for the validator. */
  schema: JsonSchema;
}

export interface ActionModel {
  name: string;
  direction: Direction;
  request: PayloadModel;
  /** Absent for SEND messages, which are never answered. */
  response: PayloadModel | undefined;
}

export interface VersionModel {
  info: VersionEntry;
  actions: ActionModel[];
  /** Enums and objects, by name, sorted. */
  types: NamedType[];
}

interface V16Name {
  schema: string;
  pointer: string;
  kind: string;
  name: string;
  source: string;
  schemaDefinitionName?: string;
}

/** The name of a payload type: the action plus `Request`/`Response` in every version. */
export function payloadTypeName(action: string, role: SchemaRole): string {
  return `${action}${role === 'request' ? 'Request' : 'Response'}`;
}

/** 1.6 schemas are named `<Action>.req` / `<Action>.conf` in the 1.6 specification and in v16-names.json. */
function v16SchemaName(action: string, role: SchemaRole): string {
  return `${action}.${role === 'request' ? 'req' : 'conf'}`;
}

/**
 * Where a `$ref` without a description of its own keeps the description of the definition in its schema, until
 * `describeFields` decides whether the field shows it.
 */
const FIELD_DESCRIPTION = 'x-fieldDescription';

/** A schema's text without its `description` annotations (a property named `description` is kept). */
function shapeOf(schema: JsonSchema): string {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'description' || key === FIELD_DESCRIPTION) continue;
      out[key] =
        key === 'properties'
          ? Object.fromEntries(Object.entries(value as JsonSchema).map(([p, v]) => [p, strip(v)]))
          : strip(value);
    }
    return out;
  };
  return JSON.stringify(strip(schema));
}

class TypeRegistry {
  readonly types = new Map<string, NamedType>();

  register(name: string, schema: JsonSchema, where: string): void {
    const kind = Array.isArray(schema.enum) ? 'enum' : 'object';
    const { description, ...body } = schema;
    const text = typeof description === 'string' ? description : undefined;
    const existing = this.types.get(name);
    if (!existing) {
      this.types.set(name, { name, kind, schema: body, description: text });
      return;
    }
    if (shapeOf(existing.schema) !== shapeOf(body)) {
      throw new Error(`type ${name} has two different shapes (second at ${where})`);
    }
    if (existing.description !== text) existing.description = undefined;
  }
}

/**
 * Names every enum and object below a payload root and returns the root with those replaced by
 * references. `nameAt(pointer)` gives the name of an inline node; definitions are named by `defName`.
 */
export function nameSubSchemas(
  root: JsonSchema,
  where: string,
  registry: TypeRegistry,
  nameAt: (pointer: string) => string | undefined,
  defName: (key: string) => string,
): JsonSchema {
  const reference = (name: string, description: unknown): JsonSchema =>
    typeof description === 'string' ? { tsType: name, description } : { tsType: name };
  const definitions = (root.definitions ?? {}) as Record<string, JsonSchema>;

  const visit = (node: JsonSchema, pointer: string, definitionName?: string): JsonSchema => {
    if (typeof node.$ref === 'string') {
      const key = node.$ref.replace(/^#\/definitions\//, '');
      if (key === node.$ref) throw new Error(`${where}${pointer}: unsupported $ref ${node.$ref}`);
      const out = reference(defName(key), node.description);
      const inherited = definitions[key]?.description;
      return out.description === undefined && typeof inherited === 'string'
        ? { ...out, [FIELD_DESCRIPTION]: inherited }
        : out;
    }
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties') {
        out[key] = Object.fromEntries(
          Object.entries(value as Record<string, JsonSchema>).map(([p, v]) => [
            p,
            visit(v, `${pointer}/properties/${p}`),
          ]),
        );
      } else if (key === 'items') {
        out[key] = visit(value as JsonSchema, `${pointer}/items`);
      } else if (key !== 'definitions') {
        out[key] = value;
      }
    }
    if (pointer === '') return out;
    const name = definitionName ?? nameAt(pointer);
    if (!name) {
      if (Array.isArray(node.enum) || node.type === 'object') {
        throw new Error(`${where}${pointer}: an enum or object without a name`);
      }
      return out;
    }
    registry.register(name, out, `${where}${pointer}`);
    return reference(name, out.description);
  };

  for (const [key, definition] of Object.entries(definitions)) {
    visit(definition, `/definitions/${key}`, defName(key));
  }
  return visit(root, '');
}

/**
 * A 2.x enum definition's description says what the field that uses it holds (`BootReasonEnumType`: "This contains
 * the reason for sending this message"), and a shared definition's may differ between schemas (`AttributeEnumType`:
 * "Attribute type for which value is requested" in one, "Type of attribute" in another). A field whose `$ref` has no
 * description of its own shows the one of the definition in its schema when the definition is an enum, or when the
 * named type does not carry that same text (an object type's shared description stays on the type).
 */
export function describeFields(schema: JsonSchema, typeOf: (name: string) => NamedType | undefined): JsonSchema {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === FIELD_DESCRIPTION) continue;
      out[key] =
        key === 'properties'
          ? Object.fromEntries(Object.entries(value as JsonSchema).map(([p, v]) => [p, visit(v)]))
          : visit(value);
    }
    const inherited = (node as JsonSchema)[FIELD_DESCRIPTION];
    const name = (node as JsonSchema).tsType;
    if (typeof inherited === 'string' && typeof name === 'string') {
      const type = typeOf(name);
      if (type?.kind === 'enum' || type?.description !== inherited) out.description = inherited;
    }
    return out;
  };
  return visit(schema) as JsonSchema;
}

/**
 * The order of actions and types in the model and in every generated file. A fixed locale: the default one
 * comes from the environment (`LANG`), and under `lt_LT`, for one, `Y` sorts with `I` and the output changes.
 */
export const byName = (a: string, b: string): number => a.localeCompare(b, 'en');

export function buildModel(info: VersionEntry, schemas: LoadedSchema[]): VersionModel {
  const directionOf = info.directions ?? (directions as Record<string, Record<string, Direction>>)[info.subprotocol];
  if (!directionOf) throw new Error(`no direction table for ${info.subprotocol}`);
  const registry = new TypeRegistry();
  const names = info.key === 'v16' ? (v16Names as V16Name[]) : [];

  const payloads = new Map<string, { request?: PayloadModel; response?: PayloadModel }>();
  for (const loaded of schemas) {
    const schemaName = v16SchemaName(loaded.action, loaded.role);
    const mine = names.filter((n) => n.schema === schemaName);
    const byPointer = new Map(mine.map((n) => [n.pointer, n.name]));
    const byDefinition = new Map(
      mine.filter((n) => n.schemaDefinitionName).map((n) => [n.schemaDefinitionName as string, n.name]),
    );
    const typeName = payloadTypeName(loaded.action, loaded.role);
    const typed = nameSubSchemas(
      loaded.schema,
      loaded.file,
      registry,
      (pointer) => byPointer.get(pointer),
      (key) => byDefinition.get(key) ?? key,
    );
    const entry = payloads.get(loaded.action) ?? {};
    entry[loaded.role] = { typeName, file: loaded.file, typed, schema: loaded.schema };
    payloads.set(loaded.action, entry);
  }

  const actions: ActionModel[] = [];
  for (const [name, { request, response }] of [...payloads].sort(([a], [b]) => byName(a, b))) {
    const direction = directionOf[name];
    if (!direction) throw new Error(`${info.subprotocol}: ${name} is missing from codegen/data/directions.json`);
    if (!request) throw new Error(`${info.subprotocol}: ${name} has no request schema`);
    const isSend = direction.startsWith('send-');
    if (isSend === Boolean(response)) {
      throw new Error(
        `${info.subprotocol}: ${name} is ${direction} but ${response ? 'has' : 'lacks'} a response schema`,
      );
    }
    actions.push({ name, direction, request, response });
  }
  for (const name of Object.keys(directionOf)) {
    if (!payloads.has(name)) throw new Error(`${info.subprotocol}: ${name} is in directions.json but has no schema`);
  }
  const typeOf = (name: string) => registry.types.get(name);
  for (const action of actions) {
    for (const payload of [action.request, action.response]) {
      if (payload) payload.typed = describeFields(payload.typed, typeOf);
    }
  }
  const sources = new Map(names.map((n) => [n.name, n.source]));
  const types = [...registry.types.values()]
    .map((t) => ({
      ...t,
      schema: describeFields(t.schema, typeOf),
      ...(sources.has(t.name) ? { source: sources.get(t.name) as string } : {}),
    }))
    .sort((a, b) => byName(a.name, b.name));
  return { info, actions, types };
}

/** Actions whose requests the charge point sends (the CSMS handles them), SEND messages excluded. */
export const chargePointSends = (m: VersionModel): ActionModel[] =>
  m.actions.filter((a) => a.direction === 'cp-to-csms' || a.direction === 'both');
/** Actions whose requests the CSMS sends (the charge point handles them). */
export const csmsSends = (m: VersionModel): ActionModel[] =>
  m.actions.filter((a) => a.direction === 'csms-to-cp' || a.direction === 'both');
/** 2.1 SEND messages (unconfirmed), sent by the charge point. */
export const chargePointSendMessages = (m: VersionModel): ActionModel[] =>
  m.actions.filter((a) => a.direction === 'send-cp-to-csms');
