/**
 * `ocppkit codegen vendor <folder> --out <dir>`, as a function: reads and checks the folder, writes the types and the
 * validators, and returns the files (`index.ts`, `validators.ts`). Deterministic: the same folder gives the same
 * files, byte for byte.
 */
import { relative, resolve, sep } from 'node:path';
import { readVendorFolder } from './folder.ts';
import { render } from './render.ts';
import { loadTools, type Tools } from './tools.ts';
import { typeDeclarations } from './types.ts';
import { compileValidators } from './validators.ts';

/** The module generated code imports the runtime from, unless told otherwise. */
export const DEFAULT_RUNTIME = 'ocppkit';

/** What to generate. */
export interface GenerateOptions {
  /** The vendor folder: `vendor.json` and the message schemas. */
  readonly folder: string;
  /** Where the files go (the header names the folder relative to it). */
  readonly out: string;
  /** The module the generated code imports the runtime from. Default `ocppkit`. */
  readonly runtime?: string;
  /** The generator's packages, when already loaded. */
  readonly tools?: Tools;
}

/** The generated module. */
export interface GeneratedVendor {
  readonly vendorId: string;
  /** The message ids, sorted. */
  readonly messages: readonly string[];
  /** The files, by name, in `out`. */
  readonly files: Readonly<Record<'index.ts' | 'validators.ts', string>>;
  /** What the user should know (formats not checked). */
  readonly warnings: readonly string[];
}

/** Generates the module of a vendor folder. Throws `VendorFolderError` or `MissingToolsError`. */
export async function generateVendor(options: GenerateOptions): Promise<GeneratedVendor> {
  const tools = options.tools ?? (await loadTools());
  const folder = readVendorFolder(options.folder);
  // ajv first: it checks the schemas against their meta-schema, with the clearer messages
  const validators = compileValidators(tools, folder);
  const declarations = await typeDeclarations(tools, folder);
  const source = relative(resolve(options.out), resolve(options.folder)).split(sep).join('/') || '.';
  const files = render(tools, folder, declarations, validators, {
    runtime: options.runtime ?? DEFAULT_RUNTIME,
    source,
  });
  return {
    vendorId: folder.vendorId,
    messages: folder.messages.map((message) => message.id),
    files,
    warnings: validators.warnings,
  };
}
