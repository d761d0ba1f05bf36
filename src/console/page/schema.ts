/** The JSON schemas the page builds forms from, and their validation (ajv, with the package's own formats). */
import { Ajv, type ValidateFunction } from 'ajv';
import { formats } from '../../formats.ts';

/** A JSON schema, or a part of one. */
export interface JsonSchema {
  readonly type?: string;
  readonly $ref?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly definitions?: Readonly<Record<string, JsonSchema>>;
  readonly description?: string;
  readonly format?: string;
  readonly default?: unknown;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

/** One reason a payload fails its schema: where (a JSON pointer into the payload) and what. */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

/** `schema` itself, or what its `$ref` (`#/definitions/Name`) points to in `root`. */
export function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref !== undefined && depth < 16; depth++) {
    const name = current.$ref.replace(/^#\/definitions\//, '');
    const target = root.definitions?.[name];
    if (target === undefined) break;
    current = { ...target, ...(current.description ? { description: current.description } : {}) };
  }
  return current;
}

// The options that matter for the outcome are codegen's (codegen/validators.ts): the same formats, and 1.6's
// `multipleOf: 0.1` read with 9 digits of tolerance. All errors are reported, to mark every field at once.
const ajv = new Ajv({ strict: false, allErrors: true, multipleOfPrecision: 9 });
for (const [name, check] of Object.entries(formats)) ajv.addFormat(name, check);
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/** The problems of `payload` against `schema`; none when it is valid. */
export function problemsOf(schema: JsonSchema, payload: unknown): SchemaProblem[] {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(payload)) return [];
  return (validate.errors ?? []).map((error) => {
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    const path = missing === undefined ? error.instancePath : `${error.instancePath}/${missing}`;
    return { path, message: missing === undefined ? (error.message ?? 'is invalid') : 'is required' };
  });
}
