/**
 * Synthesises the smallest valid instance of a normalised OCPP JSON schema: required properties only, the first
 * enum value, the smallest number and array allowed, a date-time of now. Enough to exercise every action.
 */
import type { JsonSchema } from '../../codegen/load.ts';

function resolve(node: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const match = /^#\/definitions\/(.+)$/.exec(ref);
  const target = match?.[1] === undefined ? undefined : (root.definitions as Record<string, JsonSchema>)[match[1]];
  if (target === undefined) throw new Error(`cannot resolve ${ref}`);
  return resolve(target, root);
}

export function minimalPayload(schema: JsonSchema, root: JsonSchema = schema): unknown {
  const node = resolve(schema, root);
  if (Array.isArray(node.enum)) return node.enum[0];
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
      for (const name of (node.required ?? []) as string[]) {
        const property = properties[name];
        if (property === undefined) throw new Error(`required ${name} has no schema`);
        out[name] = minimalPayload(property, root);
      }
      return out;
    }
    case 'array': {
      const count = typeof node.minItems === 'number' ? node.minItems : 0;
      return Array.from({ length: count }, () => minimalPayload(node.items as JsonSchema, root));
    }
    case 'string': {
      if (node.format === 'date-time') return new Date().toISOString();
      if (node.format === 'uri') return 'https://example.com/';
      const length = typeof node.minLength === 'number' ? Math.max(node.minLength, 1) : 1;
      return 'x'.repeat(length);
    }
    case 'integer':
    case 'number':
      return typeof node.minimum === 'number' ? Math.ceil(node.minimum) : 0;
    case 'boolean':
      return false;
    default:
      throw new Error(`no minimal value for ${JSON.stringify(node).slice(0, 120)}`);
  }
}
