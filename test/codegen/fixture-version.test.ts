/**
 * A version added end to end from a table entry, in a scratch folder of the repository (`.scratch/`, git-ignored):
 * four 2.0.1 schemas under a fixture key, generated with codegen's `generate`, a typed handler type-checked against
 * the generated types by `tsc`, and frames answered by the generated `ChargePoint` in a separate Node process that
 * loads the TypeScript through tsx, as `npm run codegen` and the sources run.
 *
 * The fixture reuses the subprotocol `ocpp2.0.1`: the runtime accepts only the subprotocols it knows (`Subprotocol` in
 * src/protocol.ts, which the generated `protocol` object satisfies), so a brand-new one is a runtime change first.
 * Its table entry carries its own direction table, since it has two of 2.0.1's actions.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedVersion, generate, header, renderVersion, runtimeImport } from '../../codegen/main.ts';
import type { VersionEntry } from '../../codegen/versions.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The repository's compiler (TypeScript 7, native: a command line, no JavaScript API). */
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** The fixture's row of a versions table. */
const FIXTURE: VersionEntry = {
  key: 'vfixture',
  subprotocol: 'ocpp2.0.1',
  prefix: 'VFixture',
  directions: { BootNotification: 'cp-to-csms', Heartbeat: 'cp-to-csms' },
};
const SCHEMAS = [
  'BootNotificationRequest.json',
  'BootNotificationResponse.json',
  'HeartbeatRequest.json',
  'HeartbeatResponse.json',
];

/** A CSMS for the fixture version: one handler per action, typed by the generated handler interface. */
const HANDLER = `import {
  Action,
  type BootNotificationRequest,
  type BootNotificationResponse,
  ChargePoint,
  type HeartbeatResponse,
  RegistrationStatusEnumType,
  type VFixtureHandlers,
} from './generated/vfixture/index.ts';

export const NOW = '2024-01-01T00:00:00Z';

export class FixtureCsms extends ChargePoint implements VFixtureHandlers {
  onBootNotification(request: BootNotificationRequest): BootNotificationResponse {
    const interval = request.reason === 'PowerUp' ? 300 : 60;
    return { currentTime: NOW, interval, status: RegistrationStatusEnumType.Accepted };
  }

  onHeartbeat(): HeartbeatResponse {
    return { currentTime: NOW };
  }
}

export const actions: Action[] = [Action.BootNotification, Action.Heartbeat];
`;

/** What must not compile: a status the schema does not have, and an action the fixture does not have. */
const WRONG = `import { Action, type VFixtureHandlers } from './generated/vfixture/index.ts';

export const wrong: VFixtureHandlers = {
  onBootNotification: () => ({ currentTime: '2024-01-01T00:00:00Z', interval: 300, status: 'Maybe' }),
};

export const missing = Action.Authorize;
`;

/** Runs in its own process: the fixture CSMS on an in-memory pair, three frames in, the answers out as JSON. */
const ANSWER = `import { createConnectionPair } from '../../src/testing.ts';
import { FixtureCsms } from './handler.ts';

const frames = [
  [2, '1', 'BootNotification', { chargingStation: { model: 'M', vendorName: 'V' }, reason: 'PowerUp' }],
  [2, '2', 'BootNotification', { reason: 'PowerUp' }],
  [2, '3', 'Authorize', { idToken: { idToken: 'T', type: 'ISO14443' } }],
];
const [csmsEnd, chargerEnd] = createConnectionPair({ protocol: 'ocpp2.0.1' });
new FixtureCsms('CP-1', csmsEnd);
const answers = await new Promise<unknown[][]>((resolve) => {
  const received: unknown[][] = [];
  chargerEnd.on('message', (data: string | Buffer) => {
    received.push(JSON.parse(String(data)) as unknown[]);
    if (received.length === frames.length) resolve(received);
  });
  for (const frame of frames) chargerEnd.send(JSON.stringify(frame));
});
chargerEnd.close(1000);
process.stdout.write(JSON.stringify(answers));
`;

/** Runs a command; resolves with its exit code and output instead of rejecting on a non-zero exit. */
function run(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: stdout + stderr });
    });
  });
}

/** The module specifiers of a file's import and export-from declarations. */
const importsOf = (text: string): string[] =>
  [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map((m) => m[1] as string);

describe('a fixture version generated from a table entry into a scratch folder', () => {
  let dir: string;
  let generated: GeneratedVersion;

  beforeAll(async () => {
    mkdirSync(join(REPO, '.scratch'), { recursive: true });
    dir = mkdtempSync(join(REPO, '.scratch', 'fixture-version-'));
    const schemas = join(dir, 'schemas', FIXTURE.key);
    mkdirSync(schemas, { recursive: true });
    for (const file of SCHEMAS) copyFileSync(join(REPO, 'schemas', 'v201', file), join(schemas, file));
    const done = await generate({ root: dir, versions: [FIXTURE] });
    expect(done).toHaveLength(1);
    generated = done[0]!;
    writeFileSync(join(dir, 'handler.ts'), HANDLER);
    writeFileSync(join(dir, 'wrong.ts'), WRONG);
    writeFileSync(join(dir, 'answer.ts'), ANSWER);
    const tsconfig = { extends: '../../tsconfig.json', include: ['handler.ts', 'answer.ts', 'wrong.ts'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("writes the version's folder under the output folder, the runtime imported from where it is", () => {
    const folder = join(dir, 'generated', 'vfixture');
    expect(generated.dir).toBe(folder);
    expect(readdirSync(folder).sort()).toEqual([
      'actions.ts',
      'call-result.ts',
      'call.ts',
      'datatypes.ts',
      'endpoints.ts',
      'enums.ts',
      'handlers.ts',
      'index.ts',
      'payloads.ts',
      'validators.ts',
    ]);
    const runtime = runtimeImport(folder);
    expect(runtime).toBe(`${relative(folder, REPO).split('\\').join('/')}/src/generated-runtime.ts`);
    for (const file of readdirSync(folder)) {
      const text = readFileSync(join(folder, file), 'utf8');
      expect(text.startsWith(header(FIXTURE)), file).toBe(true);
      const outside = importsOf(text).filter((from) => from !== runtime && !/^\.\/[\w-]+\.ts$/.test(from));
      expect(outside, file).toEqual([]);
    }
    expect(generated.model.actions.map((a) => [a.name, a.direction])).toEqual([
      ['BootNotification', 'cp-to-csms'],
      ['Heartbeat', 'cp-to-csms'],
    ]);
    const actions = readFileSync(join(folder, 'actions.ts'), 'utf8');
    expect(actions).toContain("subprotocol: 'ocpp2.0.1',");
    expect(actions).toContain("BootNotification: 'cp-to-csms',");
    expect(readFileSync(join(folder, 'handlers.ts'), 'utf8')).toContain('export interface VFixtureHandlers {');
  });

  it('is deterministic: rendering the model again gives the same bytes', async () => {
    const folder = join(dir, 'generated', 'vfixture');
    const again = await renderVersion(generated.model, { runtime: runtimeImport(folder) });
    for (const [name, text] of Object.entries(again)) expect(readFileSync(join(folder, name), 'utf8'), name).toBe(text);
  });

  it('types handlers: the typed handler compiles, a wrong status and a missing action do not', async () => {
    const { code, output } = await run([TSC, '-p', join(dir, 'tsconfig.json')], REPO);
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(code, output).not.toBe(0);
    // every error is in wrong.ts: the generated code, the handler and the runtime script type-check
    expect(
      errors.filter((line) => !line.includes('wrong.ts')),
      output,
    ).toEqual([]);
    expect(output).toMatch(/wrong\.ts\(4,\d+\): error TS2322: /);
    expect(output).toContain(`Type '"Maybe"' is not assignable to type 'RegistrationStatusEnumType'.`);
    expect(output).toMatch(/wrong\.ts\(7,\d+\): error TS2339: Property 'Authorize' does not exist/);
    expect(errors).toHaveLength(2);
  }, 60_000);

  it('answers frames: the CALLRESULT from the handler, the generated validator, the action table', async () => {
    const { code, output } = await run(['--import', 'tsx', join(dir, 'answer.ts')], REPO);
    expect(code, output).toBe(0);
    const [boot, invalid, unknown] = JSON.parse(output) as unknown[][];
    expect(boot).toEqual([3, '1', { currentTime: '2024-01-01T00:00:00Z', interval: 300, status: 'Accepted' }]);
    expect(invalid?.slice(0, 2)).toEqual([4, '2']);
    expect(invalid?.[2]).toBe('OccurrenceConstraintViolation');
    expect(unknown?.slice(0, 3)).toEqual([4, '3', 'NotImplemented']);
  }, 60_000);
});
