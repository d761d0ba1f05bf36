/**
 * The generator of `ocppkit codegen vendor`: the folder format and its errors, deterministic output, the committed
 * example up to date, schemas beyond the example (message ids that are no identifiers, schemas that accept anything,
 * formats, deep equality), generated code that compiles under the repository's strict options, and the message
 * when its packages are missing.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { vendorCommand } from '../../src/cli/vendor/command.ts';
import { readVendorFolder, typeNameOf, VendorFolderError } from '../../src/cli/vendor/folder.ts';
import { type GeneratedVendor, generateVendor } from '../../src/cli/vendor/generate.ts';
import { INSTALL_COMMAND, loadTools, MissingToolsError, type Tools } from '../../src/cli/vendor/tools.ts';
import type { Validator, Vendor, VendorMessagesOf } from '../../src/index.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SCRATCH = join(ROOT, '.scratch', 'vendor-out', 'generator');
const EXAMPLE = join(ROOT, 'examples', 'vendor');

let tools: Tools;
beforeAll(async () => {
  rmSync(SCRATCH, { recursive: true, force: true });
  tools = await loadTools();
});

const DRAFT7 = 'http://json-schema.org/draft-07/schema#';
const object = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({
  $schema: DRAFT7,
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});

/** A folder under .scratch/ with these files (objects are written as JSON, strings as they are). */
function folder(name: string, files: Record<string, unknown>): string {
  const path = join(SCRATCH, 'folders', name);
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(join(path, file), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return path;
}

const PING = {
  'vendor.json': { vendorId: 'com.example' },
  'Ping.request.json': object({ nonce: { type: 'string' } }),
  'Ping.response.json': object({ nonce: { type: 'string' } }),
};

/** The problems `generateVendor` reports for a folder with these files. */
async function problemsOf(files: Record<string, unknown>): Promise<readonly string[]> {
  const path = folder(expect.getState().currentTestName?.replace(/\W+/g, '-') ?? 'case', files);
  const error = await generateVendor({ folder: path, out: join(SCRATCH, 'unused'), tools }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(VendorFolderError);
  expect((error as Error).message).toMatch(/ is not a valid vendor folder:\n {2}- /);
  return (error as VendorFolderError).problems;
}

describe('the committed example', () => {
  it('is what the generator writes, and the generator writes the same every time', async () => {
    const out = join(EXAMPLE, 'generated');
    const first = await generateVendor({ folder: EXAMPLE, out, tools });
    const second = await generateVendor({ folder: EXAMPLE, out, tools });
    expect(second.files).toEqual(first.files);
    for (const [name, text] of Object.entries(first.files)) {
      expect(
        text,
        `examples/vendor/generated/${name}: run npm run ocppkit -- codegen vendor examples/vendor --out examples/vendor/generated`,
      ).toBe(readFileSync(join(out, name), 'utf8'));
    }
    expect(first.vendorId).toBe('com.example.charging');
    expect(first.messages).toEqual(['MeterSnapshot', 'Ping', 'SetLimit']);
    expect(first.warnings).toEqual([]);
  });

  it('reads the folder: messages sorted, directions from vendor.json, both by default', () => {
    const read = readVendorFolder(EXAMPLE);
    expect(read.messages.map(({ id, typeName, direction }) => [id, typeName, direction])).toEqual([
      ['MeterSnapshot', 'MeterSnapshot', 'cp-to-csms'],
      ['Ping', 'Ping', 'both'],
      ['SetLimit', 'SetLimit', 'csms-to-cp'],
    ]);
    const defaults = readVendorFolder(folder('defaults', PING));
    expect(defaults.messages[0]?.direction).toBe('both');
  });
});

describe('a folder that is not valid: every problem, each with its file', () => {
  it('vendor.json missing, not JSON, or with unknown keys', async () => {
    expect(await problemsOf({ 'Ping.request.json': {}, 'Ping.response.json': {} })).toEqual([
      'vendor.json is missing: it names the vendor, e.g. { "vendorId": "com.example" }',
    ]);
    const [notJson] = await problemsOf({ ...PING, 'vendor.json': '{ "vendorId": "com.example", }' });
    expect(notJson).toMatch(/^vendor\.json: not valid JSON \(.+\)$/);
    expect(
      await problemsOf({
        ...PING,
        'vendor.json': { vendorID: 'x', messages: { Ping: { direction: 'cp-to-cs', directon: 'both' } } },
      }),
    ).toEqual([
      'vendor.json: unknown key "vendorID" (allowed: vendorId, description, messages)',
      'vendor.json: "vendorId" must be a string of 1 to 255 characters',
      'vendor.json: messages.Ping: unknown key "directon" (allowed: direction, description)',
      'vendor.json: messages.Ping: "direction" must be "cp-to-csms", "csms-to-cp", "both"',
    ]);
  });

  it('a message without its response schema, or named in vendor.json without schemas', async () => {
    expect(
      await problemsOf({
        'vendor.json': { vendorId: 'com.example', messages: { Pong: {} } },
        'Ping.request.json': object({}),
        'Reset.response.json': object({}),
      }),
    ).toEqual([
      'vendor.json: messages.Pong has no Pong.request.json nor Pong.response.json',
      'Ping.request.json has no Ping.response.json: every message needs both schemas',
      'Reset.response.json has no Reset.request.json: every message needs both schemas',
    ]);
  });

  it('unexpected JSON files, message ids OCPP does not allow, names that would clash', async () => {
    const long = 'M'.repeat(51);
    expect(
      await problemsOf({
        ...PING,
        'Ping.reqest.json': {},
        [`${long}.request.json`]: {},
        [`${long}.response.json`]: {},
        'set-limit.request.json': object({}),
        'set-limit.response.json': object({}),
        'set_limit.request.json': object({}),
        'set_limit.response.json': object({}),
        'ping.request.json': object({}),
        'ping.response.json': object({}),
        'notes.txt': 'not read',
      }),
    ).toEqual([
      'Ping.reqest.json: unexpected file (expected vendor.json, <MessageId>.request.json, <MessageId>.response.json)',
      `${long}: a message id has 1 to 50 letters, digits, ".", "_" or "-", starting with a letter or digit`,
      'ping and Ping would both be named Ping in TypeScript',
      'ping and Ping differ only in case, which OCPP 1.6 ignores (CiString)',
      'set_limit and set-limit would both be named SetLimit in TypeScript',
    ]);
  });

  it('schemas: bad JSON, another draft, references outside the file, invalid keywords, unresolved references', async () => {
    expect(
      await problemsOf({
        ...PING,
        'Ping.request.json': '{ "type": "object" ',
        'Ping.response.json': { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
      }),
    ).toEqual([
      expect.stringMatching(/^Ping\.request\.json: not valid JSON \(.+\)$/),
      'Ping.response.json: $schema "http://json-schema.org/draft-04/schema#" is not supported: use ' +
        'http://json-schema.org/draft-07/schema# (or draft-06), or leave $schema out',
    ]);
    expect(
      await problemsOf({
        ...PING,
        'Ping.request.json': object({ unit: { $ref: 'common.json#/definitions/Unit' } }),
      }),
    ).toEqual([
      'Ping.request.json: /properties/unit/$ref: common.json#/definitions/Unit points outside the file; only local ' +
        'references (#/definitions/…) are supported',
    ]);
    expect(
      await problemsOf({ ...PING, 'Ping.request.json': object({ nonce: { type: 'strnig' }, n: { minimum: '1' } }) }),
    ).toEqual([
      'Ping.request.json: not a valid JSON Schema: /properties/nonce/type must be equal to one of the allowed values',
      'Ping.request.json: not a valid JSON Schema: /properties/n/minimum must be number',
    ]);
    const [unresolved] = await problemsOf({
      ...PING,
      'Ping.response.json': object({ nonce: { $ref: '#/definitions/Nonce' } }),
    });
    expect(unresolved).toMatch(/^Ping\.response\.json: .*#\/definitions\/Nonce/);
    expect(await problemsOf({ ...PING, 'Ping.response.json': 'false' })).toEqual([
      'Ping.response.json: the schema false accepts nothing',
    ]);
  });

  it('types: one name declared differently by two schemas, or a name the module uses', async () => {
    const unit = (values: string[]) => ({
      ...object({ unit: { $ref: '#/definitions/Unit' } }),
      definitions: { Unit: { type: 'string', enum: values } },
    });
    expect(
      await problemsOf({
        ...PING,
        'Ping.request.json': unit(['A', 'W']),
        'Ping.response.json': unit(['A', 'W']),
        'Set.request.json': unit(['A']),
        'Set.response.json': {
          ...object({ all: { $ref: '#/definitions/VendorMessages' } }),
          definitions: { VendorMessages: { type: 'array' } },
        },
      }),
    ).toEqual([
      'Set.request.json: declares a type Unit that Ping.request.json declares otherwise (rename one: its key in ' +
        'definitions, or its title)',
      'Set.response.json: the type name VendorMessages is taken by the generated module',
    ]);
  });

  it('no messages, or not a folder', async () => {
    expect(await problemsOf({ 'vendor.json': { vendorId: 'com.example' } })).toEqual([
      'no messages: add <MessageId>.request.json and <MessageId>.response.json',
    ]);
    expect(() => readVendorFolder(join(EXAMPLE, 'vendor.json'))).toThrow(
      /is not a valid vendor folder:\n {2}- not a folder/,
    );
    expect(() => readVendorFolder(join(SCRATCH, 'nowhere'))).toThrow(/- cannot be read \(ENOENT/);
  });
});

describe('schemas beyond the example', () => {
  const FEATURES = {
    'vendor.json': {
      vendorId: 'com.example.features',
      messages: { 'get.config': { direction: 'csms-to-cp' }, '3d-scan': { direction: 'cp-to-csms' } },
    },
    // a message id that is no identifier, a response that may carry anything or nothing
    'get.config.request.json': object({ keys: { type: 'array', items: { type: 'string' }, uniqueItems: true } }, []),
    'get.config.response.json': {},
    // a type shared by two schemas, formats ocppkit checks and one it does not, deep equality
    '3d-scan.request.json': {
      ...object({
        at: { type: 'string', format: 'date-time' },
        contact: { type: 'string', format: 'email' },
        points: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/Point' } },
        origin: { const: { x: 0, y: 0 } },
      }),
      required: ['at', 'points'],
      definitions: { Point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } } } },
    },
    '3d-scan.response.json': {
      ...object({ last: { $ref: '#/definitions/Point' }, note: { type: 'string', maxLength: 3 } }, []),
      definitions: { Point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } } } },
    },
  };
  let generated: GeneratedVendor;
  let source: string;
  beforeAll(async () => {
    source = folder('features', FEATURES);
    generated = await generateVendor({ folder: source, out: join(SCRATCH, 'features'), tools });
  });

  it('names types after message ids, quotes the ids that are no identifiers, shares identical types', () => {
    expect(typeNameOf('get.config')).toBe('GetConfig');
    expect(typeNameOf('3d-scan')).toBe('Message3DScan');
    expect(typeNameOf('set_limit.v2')).toBe('SetLimitV2');
    const index = generated.files['index.ts'];
    expect(index).toContain("'get.config': {");
    expect(index).toContain('export type GetConfigResponse = unknown;');
    expect(index.match(/export interface Point \{/g)).toHaveLength(1);
    expect(generated.messages).toEqual(['3d-scan', 'get.config']);
    expect(generated.warnings).toEqual([
      'format "email" (3d-scan.request.json) is not checked: ocppkit checks date-time and uri',
    ]);
  });

  it('compiles under the repository’s strict options, importing ocppkit', async () => {
    const out = join(SCRATCH, 'features-tsc');
    mkdirSync(out, { recursive: true });
    const forTsc = await generateVendor({ folder: source, out, tools });
    for (const [name, text] of Object.entries(forTsc.files)) writeFileSync(join(out, name), text);
    writeFileSync(
      join(out, 'use.ts'),
      [
        "import type * as v16 from 'ocppkit/v16';",
        "import { vendor } from './index.js';",
        'export const scan = (client: v16.Client) =>',
        "  vendor.call(client, '3d-scan', { at: '', points: [{ x: 1 }] });",
        "export const config = (chargePoint: v16.ChargePoint) => vendor.call(chargePoint, 'get.config', {});",
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({ extends: relative(out, join(ROOT, 'tsconfig.json')), include: ['*.ts'] }),
    );
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    const result = await promisify(execFile)(tsc, ['-p', join(out, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: ROOT,
    }).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }));
    expect(`${result.stdout}${result.stderr}`).toBe('');
  }, 60_000);

  it('validates with the runtime: formats, code points, deep equality, data that may be absent', async () => {
    const out = join(SCRATCH, 'features-run');
    mkdirSync(out, { recursive: true });
    const run = await generateVendor({ folder: source, out, runtime: '../../../../src/index.ts', tools });
    for (const [name, text] of Object.entries(run.files)) writeFileSync(join(out, name), text);
    const { vendor } = (await import(pathToFileURL(join(out, 'index.ts')).href)) as {
      vendor: Vendor<VendorMessagesOf<Record<string, never>>>;
    };
    const messages = vendor.messages as unknown as Record<
      string,
      { request: Validator<unknown>; response: Validator<unknown> }
    >;
    const scan = messages['3d-scan'];
    const config = messages['get.config'];
    if (scan === undefined || config === undefined) throw new Error('messages missing');
    const check = (validator: Validator<unknown>, data: unknown) =>
      validator(data) ? 'valid' : (validator.errors?.[0]?.keyword ?? 'invalid');
    const point = { x: 1, y: 2 };
    expect(check(scan.request, { at: '2026-01-01T00:00:00Z', points: [point] })).toBe('valid');
    expect(check(scan.request, { at: '2026-01-01T00:00:00', points: [point] })).toBe('format');
    expect(check(scan.request, { at: '2026-01-01T00:00:00Z', points: [point, { ...point }] })).toBe('uniqueItems');
    expect(check(scan.request, { at: '2026-01-01T00:00:00Z', points: [], origin: { y: 0, x: 0 } })).toBe('valid');
    expect(check(scan.request, { at: '2026-01-01T00:00:00Z', points: [], origin: { x: 0 } })).toBe('const');
    // not checked: a format ocppkit does not know
    expect(check(scan.request, { at: '2026-01-01T00:00:00Z', points: [], contact: 'nobody' })).toBe('valid');
    // maxLength counts code points
    expect(check(scan.response, { note: '😀😀😀' })).toBe('valid');
    expect(check(scan.response, { note: 'abcd' })).toBe('maxLength');
    expect(check(config.response, undefined)).toBe('valid');
    expect(check(config.response, [1, 'two'])).toBe('valid');
    expect(check(config.request, { keys: ['a', 'a'] })).toBe('uniqueItems');
  });
});

describe('without its packages', () => {
  const without =
    (...names: string[]) =>
    (specifier: string) =>
      names.some((name) => specifier === name || specifier.startsWith(`${name}/`))
        ? Promise.reject(
            Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' }),
          )
        : import(specifier);

  it('names what is missing and how to install it', async () => {
    const error = await loadTools(without('ts-morph', 'ajv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingToolsError);
    expect((error as MissingToolsError).missing).toEqual(['ts-morph', 'ajv']);
    expect((error as Error).message).toBe(
      'ocppkit codegen vendor needs ts-morph, ajv (optional peer dependencies of ocppkit, used only to generate ' +
        `code). Install them in your project:\n  ${INSTALL_COMMAND}`,
    );
    expect(INSTALL_COMMAND).toBe('npm install -D ts-morph json-schema-to-typescript ajv');
  });

  it('the command says so and exits with status 1', async () => {
    let stderr = '';
    const sink = (write: (text: string) => void) =>
      new Writable({
        write(chunk, _encoding, done) {
          write(String(chunk));
          done();
        },
      });
    const status = await vendorCommand([EXAMPLE, '--out', join(SCRATCH, 'never')], {
      stdout: sink(() => undefined),
      stderr: sink((text) => {
        stderr += text;
      }),
      loadTools: () => loadTools(without('json-schema-to-typescript')),
    });
    expect(status).toBe(1);
    expect(stderr).toBe(
      'ocppkit codegen vendor needs json-schema-to-typescript (optional peer dependencies ' +
        `of ocppkit, used only to generate code). Install them in your project:\n  ${INSTALL_COMMAND}\n`,
    );
  });

  it('lets any other failure through', async () => {
    const broken = (specifier: string) =>
      specifier === 'ajv' ? Promise.reject(new SyntaxError('broken package')) : import(specifier);
    await expect(loadTools(broken)).rejects.toThrow('broken package');
  });
});
