/**
 * `ocppkit codegen vendor <folder> --out <dir>`: typed vendor messages (DataTransfer) from a folder of JSON schemas.
 * Exit status 0 when the files were written (or, with `--check`, are up to date), 1 when `--check` finds them out of
 * date or the generator's packages are missing, 2 for a usage error or a folder that is not valid.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { VendorFolderError } from './folder.ts';
import { DEFAULT_RUNTIME, generateVendor } from './generate.ts';
import { loadTools, MissingToolsError, type Tools } from './tools.ts';

export const VENDOR_USAGE = `  codegen vendor <folder>  Generate typed DataTransfer messages from a folder of JSON schemas
    --out <dir>         Where index.ts and validators.ts go (required)
    --runtime <module>  The module the generated code imports ocppkit from (default ${DEFAULT_RUNTIME})
    --check             Write nothing; exit 1 when the files in --out are not what would be written
    --help, -h          Show the usage of codegen vendor
    The folder holds vendor.json ({ "vendorId": "com.example", "messages": { "SetLimit": { "direction":
    "csms-to-cp" } } }) and <MessageId>.request.json, <MessageId>.response.json per message (JSON Schema
    draft-07 or draft-06). Needs ts-morph, json-schema-to-typescript and ajv (npm install -D ts-morph
    json-schema-to-typescript ajv). Exit status: 0 done; 1 --check found differences, or packages missing;
    2 for a usage error or a folder that is not valid.
`;

const VENDOR_HELP = `Usage: ocppkit codegen vendor <folder> --out <dir> [options]\n\n${VENDOR_USAGE}`;

/** A usage error of `codegen vendor` (exit status 2, with the usage). */
export class VendorUsageError extends Error {}

/** Where the command writes (standard output and error) and how it loads its packages, replaceable for tests. */
export interface VendorCommandIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly loadTools?: () => Promise<Tools>;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `ocppkit codegen vendor …`; returns the exit status. */
export async function vendorCommand(
  args: string[],
  io: VendorCommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      runtime: { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(VENDOR_HELP);
    return 0;
  }
  const [folder, ...extra] = positionals;
  if (folder === undefined)
    throw new VendorUsageError('codegen vendor needs a folder, e.g. codegen vendor ./vendor --out ./src/vendor');
  if (extra.length > 0) throw new VendorUsageError(`codegen vendor takes one folder, got also ${extra.join(' ')}`);
  const out = values.out;
  if (out === undefined || out === '') throw new VendorUsageError('codegen vendor needs --out <dir>');
  if (values.runtime === '') throw new VendorUsageError('--runtime needs a module name');

  let generated: Awaited<ReturnType<typeof generateVendor>>;
  try {
    const tools = await (io.loadTools ?? loadTools)();
    generated = await generateVendor({
      folder,
      out,
      tools,
      ...(values.runtime === undefined ? {} : { runtime: values.runtime }),
    });
  } catch (error) {
    if (error instanceof VendorFolderError) {
      io.stderr.write(`ocppkit codegen vendor: ${error.message}\n`);
      return 2;
    }
    if (error instanceof MissingToolsError) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  for (const warning of generated.warnings) io.stderr.write(`ocppkit codegen vendor: warning: ${warning}\n`);

  const summary = `${generated.vendorId}, ${generated.messages.length} messages (${generated.messages.join(', ')})`;
  const files = Object.entries(generated.files).map(([name, text]) => ({ path: join(out, name), text }));
  if (values.check) {
    const stale = files.filter(({ path, text }) => readOrUndefined(path) !== text);
    if (stale.length === 0) {
      io.stdout.write(`ocppkit codegen vendor: ${summary}: ${out} is up to date\n`);
      return 0;
    }
    for (const { path } of stale) io.stderr.write(`ocppkit codegen vendor: ${path} is out of date\n`);
    const runtime = values.runtime === undefined ? '' : ` --runtime ${values.runtime}`;
    io.stderr.write(`Run: ocppkit codegen vendor ${folder} --out ${out}${runtime}\n`);
    return 1;
  }
  mkdirSync(out, { recursive: true });
  io.stdout.write(`ocppkit codegen vendor: ${summary}\n`);
  for (const { path, text } of files) {
    const unchanged = readOrUndefined(path) === text;
    if (!unchanged) writeFileSync(path, text);
    io.stdout.write(`  ${unchanged ? 'unchanged' : 'wrote'} ${path}\n`);
  }
  return 0;
}
