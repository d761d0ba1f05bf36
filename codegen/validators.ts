/**
 * Compiles every payload schema of a version ahead of time into ajv standalone code, one validator per
 * schema, emitted as `generated/<version>/validators.ts`. No schema is compiled at run time.
 */
import { _, Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { StructureKind, VariableDeclarationKind, Writers } from 'ts-morph';
import { formats } from '../src/formats.ts';
import { type EmitOptions, RUNTIME } from './emit.ts';
import type { JsonSchema } from './load.ts';
import type { VersionModel } from './model.ts';
import { docs, type FileContent, importDeclaration, insertAfterImports, printFile, separated } from './source.ts';

const standaloneCode = standalone.default;

/**
 * ajv options, one place. `multipleOfPrecision`: 1.6 charging profiles use `multipleOf: 0.1`, which
 * rejects 0.3 (0.3 / 0.1 = 2.9999999999999996) without a tolerance; 9 digits accept 0.3 and 21.4 and
 * still reject 21.45. `strict`: any keyword ajv does not know fails codegen instead of being ignored.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    strict: true,
    allErrors: false,
    messages: false,
    inlineRefs: false,
    multipleOfPrecision: 9,
    code: { source: true, esm: true, formats: _`formats`, optimize: 1 },
  });
  for (const [name, check] of Object.entries(formats)) ajv.addFormat(name, check);
  return ajv;
}

const AJV_RUNTIME_UCS2 = 'require("ajv/dist/runtime/ucs2length").default';

/**
 * A typed schema of the model as ajv input: each `{ tsType: Name }` reference becomes `{ $ref: Name }`, so
 * every named type is compiled once per version and shared, and descriptions are dropped.
 */
export function toValidatorSchema(typed: JsonSchema): JsonSchema {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== 'object' || node === null) return node;
    const tsType = (node as JsonSchema).tsType;
    if (typeof tsType === 'string') return { $ref: tsType };
    const out: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'description') continue;
      out[key] =
        key === 'properties'
          ? Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, visit(v)]))
          : visit(value);
    }
    return out;
  };
  return visit(typed) as JsonSchema;
}

/** ajv emits every schema as a constant; most are never read by the code. */
function dropUnusedSchemaConstants(code: string): string {
  return code.replace(/const (schema\d+) = \{.*?\};(?=const |function |export )/g, (whole, name: string) =>
    code.includes(`${name}.`) || code.includes(`${name})`) || code.includes(`${name};`) || code.includes(`${name},`)
      ? whole
      : '',
  );
}

/**
 * The validators file: ajv's standalone code (machine output, added as statements text after the imports), the
 * imports it needs, and the typed table of validators, built from structures.
 */
export function validatorsFile(model: VersionModel, options: EmitOptions = {}): FileContent {
  const ajv = createAjv();
  for (const type of model.types) ajv.addSchema({ ...toValidatorSchema(type.schema), $id: type.name });
  const names: Record<string, string> = {};
  const typeNames: string[] = [];
  for (const action of model.actions) {
    for (const payload of action.response ? [action.request, action.response] : [action.request]) {
      ajv.addSchema({ ...toValidatorSchema(payload.typed), $id: payload.typeName });
      names[payload.typeName] = payload.typeName;
      typeNames.push(payload.typeName);
    }
  }
  let code = standaloneCode(ajv, names);
  code = code.replaceAll(AJV_RUNTIME_UCS2, 'ucs2length');
  if (code.includes('require(')) throw new Error('standalone validators still require an ajv runtime module');
  code = dropUnusedSchemaConstants(code);
  // ajv writes `"use strict";` and one `export const X = validateN;` per schema, all on one line (no line
  // breaks in its output, so no `^`/`$` anchors here); the table below replaces the exports.
  const exportStatement = /export const (\w+) = (validate\d+);/g;
  const exportsByName = [...code.matchAll(exportStatement)];
  if (exportsByName.length !== typeNames.length) {
    throw new Error(`ajv exported ${exportsByName.length} validators for ${typeNames.length} payload schemas`);
  }
  code = code.replace(/^"use strict";/, '').replace(exportStatement, '');
  const table = Object.fromEntries(
    exportsByName.map(([, name, fn]) => [name as string, Writers.assertion(fn as string, `Validator<${name}>`)]),
  );
  return {
    leadingTrivia: '// @ts-nocheck: ajv standalone code; the exported table below carries the types.\n',
    statements: separated([
      [
        ...importDeclaration(
          options.runtime ?? RUNTIME,
          ['formats', 'ucs2length', { name: 'Validator', isTypeOnly: true }],
          { ordered: true },
        ),
        ...importDeclaration('./payloads.ts', typeNames, { typeOnly: true }),
      ],
      [
        {
          kind: StructureKind.VariableStatement,
          isExported: true,
          declarationKind: VariableDeclarationKind.Const,
          docs: docs(
            'One validator per payload schema: a type guard that leaves the first error in `errors`.',
            'inline',
          ),
          declarations: [{ name: 'validators', initializer: Writers.object(table) }],
        },
      ],
    ]),
    verbatim: code.trim(),
  };
}

/** The validators file as text, ajv's code included (unformatted). */
export function renderValidators(model: VersionModel, options: EmitOptions = {}): string {
  const { verbatim, ...content } = validatorsFile(model, options);
  return insertAfterImports(printFile(content), verbatim ?? '');
}
