/**
 * The validators of the messages' data, compiled ahead of time by ajv into standalone code: no schema is compiled
 * when the application runs. The options are those of ocppkit's own validators, with unknown keywords allowed
 * (vendor schemas carry their own, as the OCPP schemas carry `javaType`): `multipleOfPrecision` for decimal
 * steps such as `multipleOf: 0.1`, ocppkit's string formats (`date-time`, `uri`), draft-07 and draft-06.
 */
import type { Ajv } from 'ajv';
import { formats } from '../../formats.ts';
import { type Schema, type VendorFolder, VendorFolderError } from './folder.ts';
import { formatsOf, forValidator } from './schema.ts';
import type { Tools } from './tools.ts';

/** What the generated code gets from `validatorRuntime`, by the name ajv's code uses. */
export type RuntimeName = 'formats' | 'ucs2length' | 'equal';

/** ajv's run-time modules the generated code gets from ocppkit instead. */
const RUNTIME_MODULES: Readonly<Record<string, RuntimeName>> = {
  'ajv/dist/runtime/ucs2length': 'ucs2length',
  'ajv/dist/runtime/equal': 'equal',
};

/** The compiled validators: ajv's code and, per schema, the function that checks it. */
export interface CompiledValidators {
  /** ajv's standalone code, its exports removed. */
  readonly code: string;
  /** The validator function of each data type, by type name (`SetLimitRequest: 'validate10'`), in message order. */
  readonly functions: ReadonlyMap<string, string>;
  /** What the code uses of `validatorRuntime`, sorted. */
  readonly runtime: readonly RuntimeName[];
  /** Formats the schemas use that are not checked, with the files that use them. */
  readonly warnings: readonly string[];
}

/** The schemas to compile: each message's request and response, named by their types. */
function schemasOf(folder: VendorFolder): { name: string; file: string; schema: Schema }[] {
  return folder.messages.flatMap((message) => [
    { name: `${message.typeName}Request`, file: message.request.file, schema: message.request.schema },
    { name: `${message.typeName}Response`, file: message.response.file, schema: message.response.schema },
  ]);
}

function newAjv(tools: Tools, options: ConstructorParameters<Tools['Ajv']>[0]): Ajv {
  const ajv = new tools.Ajv({ strict: false, logger: false, ...options });
  ajv.addMetaSchema(tools.draft06MetaSchema);
  return ajv;
}

/** Compiles the validators of every message; throws a `VendorFolderError` for a schema that is not valid. */
export function compileValidators(tools: Tools, folder: VendorFolder): CompiledValidators {
  const schemas = schemasOf(folder);
  const problems: string[] = [];
  const warnings: string[] = [];

  // the schemas against their meta-schema, with messages and every error, for the user
  const checker = newAjv(tools, { allErrors: true, validateFormats: false });
  for (const { file, schema } of schemas) {
    if (typeof schema === 'boolean' || checker.validateSchema(schema)) continue;
    // the first error at each place: the others there follow from it (`anyOf` of the ways to be right)
    const places = new Map<string, string>();
    for (const error of checker.errors ?? []) {
      const place = error.instancePath || '/';
      if (!places.has(place)) places.set(place, error.message ?? `fails "${error.keyword}"`);
    }
    for (const [place, message] of [...places].slice(0, 5)) {
      problems.push(`${file}: not a valid JSON Schema: ${place} ${message}`);
    }
  }
  if (problems.length > 0) throw new VendorFolderError(folder.path, problems);

  const ajv = newAjv(tools, {
    allErrors: false,
    messages: false,
    multipleOfPrecision: 9,
    code: { source: true, esm: true, formats: tools.code`formats`, optimize: 1 },
  });
  for (const [name, check] of Object.entries(formats)) ajv.addFormat(name, check);
  const unchecked = new Map<string, string[]>();
  for (const { file, schema } of schemas) {
    for (const format of formatsOf(schema)) {
      if (Object.hasOwn(formats, format)) continue;
      unchecked.set(format, [...(unchecked.get(format) ?? []), file]);
    }
  }
  for (const [format, files] of [...unchecked].sort(([a], [b]) => (a < b ? -1 : 1))) {
    ajv.addFormat(format, true);
    warnings.push(
      `format "${format}" (${files.join(', ')}) is not checked: ocppkit checks ${Object.keys(formats).join(' and ')}`,
    );
  }
  for (const { name, file, schema } of schemas) {
    try {
      ajv.addSchema(forValidator(schema, name));
      ajv.getSchema(name);
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new VendorFolderError(folder.path, problems);

  let code = tools.standaloneCode(ajv, Object.fromEntries(schemas.map(({ name }) => [name, name])));
  const runtime = new Set<RuntimeName>();
  const foreign = new Set<string>();
  code = code.replace(/require\("([^"]+)"\)\.default/g, (whole, module: string) => {
    const name = RUNTIME_MODULES[module];
    if (name === undefined) {
      foreign.add(module);
      return whole;
    }
    runtime.add(name);
    return name;
  });
  if (foreign.size > 0) {
    throw new VendorFolderError(folder.path, [
      `the schemas need ajv's run-time module ${[...foreign].join(', ')}, which generated validators cannot use`,
    ]);
  }
  if (/\bformats\[/.test(code)) runtime.add('formats');
  // ajv writes `"use strict";` and `export const <Name> = validate<N>;` per schema: the table of the generated
  // module replaces those exports
  const functions = new Map<string, string>();
  code = code.replace(/export const (\w+) = (validate\d+);/g, (_whole, name: string, fn: string) => {
    functions.set(name, fn);
    return '';
  });
  code = code.replace(/^"use strict";/, '').trim();
  const missing = schemas.filter(({ name }) => !functions.has(name));
  if (missing.length > 0) throw new Error(`ajv exported no validator for ${missing.map((s) => s.name).join(', ')}`);
  return {
    code,
    functions: new Map(schemas.map(({ name }) => [name, functions.get(name) as string])),
    runtime: [...runtime].sort(),
    warnings,
  };
}
