/**
 * Walks over JSON Schema documents that know which keywords hold schemas, which hold data (`enum`, `const`) and
 * which only annotate (`description`, `title`, …): what the generator feeds to json-schema-to-typescript and to ajv.
 */
import type { Schema } from './folder.ts';

type SchemaObject = Record<string, unknown>;

/** Keywords whose value is one schema. */
const ONE_SCHEMA = new Set([
  'additionalItems',
  'additionalProperties',
  'contains',
  'else',
  'if',
  'items',
  'not',
  'propertyNames',
  'then',
]);
/** Keywords whose value is an array of schemas. */
const SCHEMA_ARRAYS = new Set(['allOf', 'anyOf', 'oneOf']);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAPS = new Set(['$defs', 'definitions', 'dependencies', 'patternProperties', 'properties']);
/** Keywords that annotate and never validate. */
const ANNOTATIONS = new Set(['$comment', 'default', 'description', 'examples', 'title']);

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A copy of `schema` with `visit` applied to every schema object in it, deepest first. `visit` gets a copy of
 * the keywords (sub-schemas already visited) and returns what replaces them.
 */
function mapSchemas(schema: unknown, visit: (node: SchemaObject) => SchemaObject): unknown {
  if (!isObject(schema)) return schema;
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ONE_SCHEMA.has(key)) {
      out[key] = Array.isArray(value) ? value.map((item) => mapSchemas(item, visit)) : mapSchemas(value, visit);
    } else if (SCHEMA_ARRAYS.has(key) && Array.isArray(value)) {
      out[key] = value.map((item) => mapSchemas(item, visit));
    } else if (SCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, mapSchemas(sub, visit)]));
    } else {
      out[key] = structuredClone(value);
    }
  }
  return visit(out);
}

/** Whether `schema` accepts any value, an absent one included: `true`, `{}`, or nothing but annotations. */
export function acceptsAnything(schema: Schema): boolean {
  if (typeof schema === 'boolean') return schema;
  return Object.keys(schema).every((key) => ANNOTATIONS.has(key) || key === '$schema' || key === '$id');
}

/**
 * The schema as json-schema-to-typescript gets it: without the root's `title` and `$id` (the generator names the
 * type) nor its `description` (the generator writes the type's comment), which it returns.
 */
export function forTypes(schema: Schema): { schema: SchemaObject; description: string | undefined } {
  const copy = structuredClone(isObject(schema) ? schema : {});
  const description = typeof copy.description === 'string' ? copy.description : undefined;
  delete copy.title;
  delete copy.$id;
  delete copy.description;
  delete copy.$schema;
  return { schema: copy, description };
}

/** The schema as ajv gets it: annotations dropped (they would only weigh on the generated code), `$id` set to `id`. */
export function forValidator(schema: Schema, id: string): SchemaObject {
  const stripped = mapSchemas(isObject(schema) ? schema : {}, (node) => {
    for (const key of ANNOTATIONS) delete node[key];
    return node;
  }) as SchemaObject;
  return { ...stripped, $id: id };
}

/** The string formats `schema` uses (`format` keywords), sorted. */
export function formatsOf(schema: Schema): string[] {
  const found = new Set<string>();
  mapSchemas(schema, (node) => {
    if (typeof node.format === 'string') found.add(node.format);
    return node;
  });
  return [...found].sort();
}
