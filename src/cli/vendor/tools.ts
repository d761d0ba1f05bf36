/**
 * The packages `ocppkit codegen vendor` needs and nothing else of ocppkit does: ts-morph, json-schema-to-typescript
 * and ajv. They are optional peer dependencies, loaded here when the command runs; without them the command says
 * what to install.
 */
import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type * as Json2Ts from 'json-schema-to-typescript';
import type * as TsMorph from 'ts-morph';

/** The command that installs what the generator needs. */
export const INSTALL_COMMAND = 'npm install -D ts-morph json-schema-to-typescript ajv';

/** ajv's standalone code generator: the code of the schemas `refs` names, exported under those names. */
export type StandaloneCode = (ajv: AjvModule.Ajv, refs: Record<string, string>) => string;

/** What the generator uses of those packages. */
export interface Tools {
  readonly morph: typeof TsMorph;
  readonly compileTypes: typeof Json2Ts.compile;
  readonly Ajv: typeof AjvModule.Ajv;
  /** ajv's code template tag (`_`), to name the formats object in the generated code. */
  readonly code: typeof AjvModule._;
  readonly standaloneCode: StandaloneCode;
  /** The JSON Schema draft-06 meta-schema, which ajv 8 does not load by itself. */
  readonly draft06MetaSchema: object;
}

/** Some of the packages the generator needs are not installed. */
export class MissingToolsError extends Error {
  override readonly name = 'MissingToolsError';
  /** `missing`: the packages not found. */
  constructor(readonly missing: readonly string[]) {
    super(
      `ocppkit codegen vendor needs ${missing.join(', ')} (optional peer dependencies of ocppkit, used only to ` +
        `generate code). Install them in your project:\n  ${INSTALL_COMMAND}`,
    );
  }
}

/** How a package is loaded: `import()` by default; tests pass their own. */
export type Importer = (specifier: string) => Promise<unknown>;

const defaultImporter: Importer = (specifier) => import(specifier);

function notFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** The value a CommonJS module exports, under `import()` or not. */
function unwrapDefault<T>(module: unknown): T {
  let value = module as { default?: unknown };
  while (typeof value === 'object' && value !== null && 'default' in value && typeof value !== 'function') {
    value = value.default as { default?: unknown };
  }
  return value as T;
}

/** Loads the packages; throws `MissingToolsError` naming every one that is missing. */
export async function loadTools(importer: Importer = defaultImporter): Promise<Tools> {
  const missing: string[] = [];
  const load = async <T>(name: string, specifier: string = name): Promise<T | undefined> => {
    try {
      return (await importer(specifier)) as T;
    } catch (error) {
      if (!notFound(error)) throw error;
      if (!missing.includes(name)) missing.push(name);
      return undefined;
    }
  };
  const morph = await load<typeof TsMorph>('ts-morph');
  const json2ts = await load<typeof Json2Ts>('json-schema-to-typescript');
  const ajv = await load<typeof AjvModule>('ajv');
  const standalone = ajv === undefined ? undefined : await load<unknown>('ajv', 'ajv/dist/standalone/index.js');
  if (morph === undefined || json2ts === undefined || ajv === undefined || standalone === undefined) {
    throw new MissingToolsError(missing);
  }
  const require = createRequire(import.meta.url);
  return {
    morph,
    compileTypes: json2ts.compile,
    Ajv: ajv.Ajv,
    code: ajv._,
    standaloneCode: unwrapDefault<StandaloneCode>(standalone),
    draft06MetaSchema: require('ajv/dist/refs/json-schema-draft-06.json') as object,
  };
}
