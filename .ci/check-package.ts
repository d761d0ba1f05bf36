/**
 * `npm run check:package`: checks the package as it is published. Packs it, lints the package (publint, and
 * @arethetypeswrong for node16 and bundler resolution), installs the tarball into a temporary project outside the
 * repository, compiles every TypeScript example of the README and docs/ against it under a strict consumer tsconfig
 * (node16 and bundler resolution), runs the quickstart server in ESM and CommonJS, checks that importing one
 * version loads no other version's code, and runs `npx --no-install ocppkit --help`. Packages installed beside the
 * tarball take their versions from package-lock.json (.ci/pins.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { npmInstall, runtimeDependencies } from './pins.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function step(name: string, action: () => void | Promise<void>) {
  return async () => {
    const started = performance.now();
    try {
      await action();
    } catch (error) {
      const out = error as { stdout?: string; stderr?: string; message: string };
      console.error(`✗ ${name}\n${out.stdout ?? ''}${out.stderr ?? ''}${out.message}`);
      process.exit(1);
    }
    console.log(`✓ ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  };
}

/** Every ```ts block of the README and docs/*.md, with where it came from. */
export function docSnippets(): { source: string; code: string }[] {
  const files = [
    join(root, 'README.md'),
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(root, 'docs', f)),
  ];
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => ({
      source: `${basename(file, '.md')}_${i}`,
      code: m[1] as string,
    })),
  );
}

/** The package's import paths, from its exports map (`ocppkit`, `ocppkit/v16`, …). */
function publicSubpaths(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  return Object.keys(manifest.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'ocppkit' : `ocppkit/${key.slice(2)}`));
}

/** Type-checks a folder of the consumer as a strict user would, with node16 and with bundler resolution. */
function compile(folder: string): void {
  const strict = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    skipLibCheck: false,
    noEmit: true,
    target: 'es2022',
    types: ['node'],
  };
  for (const [name, resolution] of [
    [`tsconfig.${folder}.node16.json`, { module: 'node16', moduleResolution: 'node16' }],
    [`tsconfig.${folder}.bundler.json`, { module: 'esnext', moduleResolution: 'bundler' }],
  ] as const) {
    writeFileSync(
      join(consumer, name),
      JSON.stringify({ compilerOptions: { ...strict, ...resolution }, include: [folder] }),
    );
    run(bin('tsc'), ['-p', name], consumer);
  }
}

const work = mkdtempSync(join(tmpdir(), 'ocppkit-package-'));
const consumer = join(work, 'consumer');
let tarball = '';

const steps = [
  step('build and pack', () => {
    const out = run('npm', ['pack', '--json', '--pack-destination', work], root);
    const info = JSON.parse(out.slice(out.indexOf('['))) as {
      filename: string;
      size: number;
      unpackedSize: number;
      entryCount: number;
    }[];
    const [packed] = info;
    if (!packed) throw new Error('npm pack said nothing');
    tarball = join(work, packed.filename);
    console.log(
      `  ${packed.filename}: ${(packed.size / 1024).toFixed(0)} kB packed, ${(packed.unpackedSize / 1024 / 1024).toFixed(1)} MB unpacked, ${packed.entryCount} files`,
    );
  }),
  step('publint', () => void run(bin('publint'), ['--strict', tarball], root)),
  step('are the types wrong (node16, bundler)', () => void run(bin('attw'), [tarball, '--profile', 'node16'], root)),
  step('install the tarball into a project outside the repository, beside @types/node only', () => {
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    npmInstall(consumer, { tarballs: [tarball], packages: ['@types/node', ...runtimeDependencies()] });
  }),
  step(
    'the published types stand alone: every subpath but those of optional peers, skipLibCheck off, no @types/ws',
    () => {
      if (existsSync(join(consumer, 'node_modules', '@types', 'ws'))) throw new Error('@types/ws is installed');
      const dir = join(consumer, 'subpaths');
      mkdirSync(dir);
      const imports = publicSubpaths()
        .filter((subpath) => !OPTIONAL_PEER_SUBPATHS.includes(subpath))
        .map((subpath, i) => `import * as m${i} from '${subpath}';\nexport type M${i} = typeof m${i};`);
      writeFileSync(join(dir, 'all.ts'), `${imports.join('\n')}\n`);
      compile('subpaths');
    },
  ),
  step('compile the README and docs examples (strict; node16 and bundler resolution)', () => {
    // The guides also use ws directly, the Redis cluster, OpenTelemetry and vitest (a replay as a test): a user of
    // those installs them.
    npmInstall(consumer, { packages: ['@types/ws', 'ioredis', '@opentelemetry/api', 'vitest'] });
    const snippets = join(consumer, 'snippets');
    mkdirSync(snippets);
    for (const { source, code } of docSnippets())
      writeFileSync(join(snippets, `${source}.ts`), `${code}\nexport {};\n`);
    compile('snippets');
  }),
  step('run the quickstart server from the package, as ESM and as CommonJS', async () => {
    writeFileSync(join(consumer, 'quickstart.mjs'), quickstart('import'));
    writeFileSync(join(consumer, 'quickstart.cjs'), quickstart('require'));
    for (const file of ['quickstart.mjs', 'quickstart.cjs']) await bootAgainst(file);
  }),
  step(
    'ocppkit/console from the package, as ESM and as CommonJS: the built page is served, esbuild absent',
    async () => {
      if (existsSync(join(consumer, 'node_modules', 'esbuild')))
        throw new Error('esbuild is installed in the consumer');
      writeFileSync(join(consumer, 'console.mjs'), consoleCheck('import'));
      writeFileSync(join(consumer, 'console.cjs'), consoleCheck('require'));
      for (const file of ['console.mjs', 'console.cjs']) {
        const output = run('node', [file], consumer);
        if (!output.includes('console ok')) throw new Error(`${file}: unexpected output\n${output}`);
      }
    },
  ),
  step('importing one version loads no other version', () => {
    for (const version of ['v16', 'v201', 'v21']) {
      const others = ['v16', 'v201', 'v21'].filter((v) => v !== version);
      const cjsLoaded = run(
        'node',
        ['-e', `require('ocppkit/${version}'); console.log(Object.keys(require.cache).join('\\n'))`],
        consumer,
      );
      const loads = join(work, `loads-${version}.txt`);
      execFileSync(
        'node',
        [
          '--import',
          join(root, '.ci', 'record-loads.mjs'),
          '--input-type=module',
          '-e',
          `await import('ocppkit/${version}')`,
        ],
        {
          cwd: consumer,
          env: { ...process.env, OCPPKIT_LOADS: loads },
        },
      );
      const esmLoaded = readFileSync(loads, 'utf8');
      for (const [mode, loaded] of [
        ['CommonJS', cjsLoaded],
        ['ESM', esmLoaded],
      ] as const) {
        if (!loaded.includes(`/generated/${version}/validators.js`))
          throw new Error(`${mode} ${version}: its own validators were not loaded`);
        for (const other of others) {
          if (loaded.includes(`/generated/${other}/`))
            throw new Error(`${mode} import of ocppkit/${version} loaded ${other}`);
        }
      }
    }
  }),
  step('ocppkit codegen vendor from the installed package: the worked example generated, compiled and run', () => {
    // The generator's tools are optional peer dependencies: a user installs them to generate.
    npmInstall(consumer, { packages: ['ts-morph', 'json-schema-to-typescript', 'ajv'] });
    const example = join(consumer, 'vendor-example');
    cpSync(join(root, 'examples', 'vendor'), example, {
      recursive: true,
      filter: (from) => !from.includes('generated'),
    });
    run(
      'npx',
      ['--no-install', 'ocppkit', 'codegen', 'vendor', 'vendor-example', '--out', 'vendor-example/generated'],
      consumer,
    );
    const tsconfig = {
      compilerOptions: { strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, target: 'es2022' },
    };
    const options = { ...tsconfig.compilerOptions, module: 'node16', moduleResolution: 'node16', types: ['node'] };
    const config = {
      compilerOptions: { ...options, outDir: 'vendor-out', rootDir: 'vendor-example' },
      include: ['vendor-example'],
    };
    writeFileSync(join(consumer, 'tsconfig.vendor.json'), JSON.stringify(config));
    run(bin('tsc'), ['-p', 'tsconfig.vendor.json'], consumer);
    const output = run('node', [join('vendor-out', 'main.js')], consumer);
    if (!output.includes('snapshot stored: true')) throw new Error(`unexpected output of the example:\n${output}`);
  }),
  step(
    'observability from the installed package: Prometheus scrape, record, replay in code and with the bin',
    async () => {
      npmInstall(consumer, { packages: ['@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus'] });
      writeFileSync(join(consumer, 'observability.mjs'), OBSERVABILITY_CHECK);
      const output = run('node', ['observability.mjs'], consumer);
      if (!output.includes('observability ok')) throw new Error(`unexpected output:\n${output}`);
      const cjs = run('node', ['-e', "console.log(typeof require('ocppkit/observability').openTelemetry)"], consumer);
      if (cjs.trim() !== 'function') throw new Error(`require('ocppkit/observability'): ${cjs}`);
    },
  ),
  step('the ocppkit command of the installed package (npx --no-install ocppkit --help)', () => {
    const help = run('npx', ['--no-install', 'ocppkit', '--help'], consumer);
    if (!help.includes('Usage: ocppkit')) throw new Error(`unexpected help output:\n${help}`);
  }),
  step(
    'ocppkit test csms of the installed package passes its ocppkit serve; ocppkit/testing loads as ESM and CommonJS',
    async () => {
      for (const [mode, code] of [
        ['CommonJS', `console.log(require('ocppkit/testing').conformanceCases('csms', 'ocpp2.0.1').length)`],
        ['ESM', `import('ocppkit/testing').then((m) => console.log(m.conformanceCases('csms', 'ocpp2.0.1').length))`],
      ] as const) {
        const count = Number(run('node', ['-e', code], consumer).trim());
        if (!(count >= 30)) throw new Error(`${mode}: ocppkit/testing lists ${count} CSMS cases of 2.0.1`);
      }
      // the installed bin itself (not npx), so that the signal reaches the server
      const serve = spawn(
        join(consumer, 'node_modules', '.bin', 'ocppkit'),
        ['serve', '--port', '0', '--host', '127.0.0.1'],
        {
          cwd: consumer,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      try {
        // the demo logs to stderr
        const port = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('ocppkit serve did not start')), 20_000);
          serve.stderr.on('data', (chunk: Buffer) => {
            const match = /port=(\d+)/.exec(chunk.toString());
            if (match) {
              clearTimeout(timer);
              resolve(Number(match[1]));
            }
          });
        });
        const junit = join(consumer, 'conformance.xml');
        run(
          'npx',
          [
            '--no-install',
            'ocppkit',
            'test',
            'csms',
            `ws://127.0.0.1:${port}`,
            '--protocol',
            'ocpp2.0.1',
            '--junit',
            junit,
          ],
          consumer,
        );
        const cases = readFileSync(junit, 'utf8').match(/<testcase /g)?.length ?? 0;
        if (cases < 30 || !readFileSync(junit, 'utf8').includes('failures="0"'))
          throw new Error(`the JUnit report counts ${cases} cases`);
      } finally {
        serve.kill('SIGTERM');
      }
    },
  ),
];

/** Subpaths whose types need an optional peer dependency (ioredis, @opentelemetry/api). */
const OPTIONAL_PEER_SUBPATHS = ['ocppkit/cluster-redis', 'ocppkit/observability'];

/**
 * A CSMS from the package with its metrics served and its frames recorded; one BootNotification; then the scrape
 * must show it, and the recording must replay clean, with `replay()` and with `npx ocppkit replay`.
 */
const OBSERVABILITY_CHECK = `
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { openTelemetry, servePrometheus } from 'ocppkit/observability';
import { OcppServer } from 'ocppkit/server';
import { replay, replayIsClean } from 'ocppkit/testing';
import { ChargePoint } from 'ocppkit/v16';

class Csms extends ChargePoint {
  onBootNotification() {
    return { currentTime: new Date().toISOString(), interval: 10, status: 'Accepted' };
  }
}
const server = new OcppServer({ port: 0, host: '127.0.0.1', pingInterval: 0, protocols: { 'ocpp1.6': Csms } });
const metrics = await servePrometheus({ port: 0 });
openTelemetry({ meterProvider: metrics.meterProvider }).observe(server);
const dir = mkdtempSync(join(tmpdir(), 'ocppkit-trace-'));
const recording = server.record({ dir });
const { port } = await server.listen();
const url = 'ws://127.0.0.1:' + port;
await new Promise((resolve, reject) => {
  const ws = new WebSocket(url + '/CP-1', 'ocpp1.6');
  ws.on('open', () => ws.send('[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'));
  ws.on('message', () => ws.close());
  ws.on('close', resolve);
  ws.on('error', reject);
});
await recording.stop();
const scrape = await (await fetch(metrics.url)).text();
if (!/ocpp_calls_total\\{action="BootNotification",direction="in",outcome="result"/.test(scrape)) {
  throw new Error('no BootNotification in the scrape:\\n' + scrape);
}
if (!replayIsClean(await replay(dir, { csms: url }))) throw new Error('replay() is not clean');
const bin = await new Promise((resolve) =>
  execFile('npx', ['--no-install', 'ocppkit', 'replay', dir, '--csms', url], (error, stdout) => resolve({ error, stdout })),
);
if (bin.error || !bin.stdout.includes('clean')) throw new Error('ocppkit replay: ' + bin.stdout + (bin.error ?? ''));
await metrics.close();
await server.close();
console.log('observability ok');
`;

/** The README's quickstart as plain JavaScript (no decorators on Node 20): a handler method of `V16Handlers`. */
function quickstart(style: 'import' | 'require'): string {
  const imports =
    style === 'import'
      ? `import { ChargePoint, RegistrationStatus, callResult } from 'ocppkit/v16';\nimport { OcppServer } from 'ocppkit/server';`
      : `const { ChargePoint, RegistrationStatus, callResult } = require('ocppkit/v16');\nconst { OcppServer } = require('ocppkit/server');`;
  return `${imports}
class MyChargePoint extends ChargePoint {
  onBootNotification() {
    return new callResult.BootNotification({ currentTime: new Date().toISOString(), interval: 10, status: RegistrationStatus.Accepted });
  }
}
const server = new OcppServer({ port: 0, host: '127.0.0.1', protocols: { 'ocpp1.6': MyChargePoint } });
server.listen().then((address) => console.log('listening ' + address.port));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;
}

/**
 * A script that attaches the console to a server, connects a charge point and checks the page: the document, the
 * bundled script (with the schemas of the calls the CSMS sends), the style sheet and the snapshot of its events.
 */
function consoleCheck(style: 'import' | 'require'): string {
  const imports =
    style === 'import'
      ? `import { ChargePoint } from 'ocppkit/v16';\nimport { OcppServer } from 'ocppkit/server';\nimport { attachConsole } from 'ocppkit/console';\nimport { WebSocket } from 'ws';`
      : `const { ChargePoint } = require('ocppkit/v16');\nconst { OcppServer } = require('ocppkit/server');\nconst { attachConsole } = require('ocppkit/console');\nconst { WebSocket } = require('ws');`;
  return `${imports}
const fail = (message) => { console.error(message); process.exit(1); };
setTimeout(() => fail('timed out'), 10000).unref();
(async () => {
  const server = new OcppServer({ port: 0, host: '127.0.0.1', protocols: { 'ocpp1.6': ChargePoint } });
  const { port } = await server.listen();
  const console_ = await attachConsole(server);
  const ws = new WebSocket('ws://127.0.0.1:' + port + '/CP-PKG', 'ocpp1.6');
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  const html = await (await fetch(console_.url)).text();
  if (!html.includes('app.js')) fail('no page: ' + html);
  const js = await (await fetch(new URL('app.js', console_.url))).text();
  if (js.length < 100000 || !js.includes('GetCompositeSchedule')) fail('the bundled script is missing');
  const css = await fetch(new URL('app.css', console_.url));
  if (!css.ok) fail('no style sheet');
  const events = await fetch(new URL('api/events', console_.url));
  const reader = events.body.getReader();
  let text = '';
  while (!text.includes('\\n\\n')) text += new TextDecoder().decode((await reader.read()).value);
  if (!text.includes('"identity":"CP-PKG"')) fail('CP-PKG is not in the snapshot: ' + text);
  await reader.cancel();
  ws.close();
  await console_.close();
  await server.close();
  console.log('console ok');
})().catch((error) => fail(error.stack));
`;
}

/** Starts a quickstart file, sends the guide's BootNotification and checks the answer. */
async function bootAgainst(file: string): Promise<void> {
  const child = spawn('node', [file], { cwd: consumer, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file} did not start`)), 10_000);
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /listening (\d+)/.exec(chunk.toString());
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.on('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
    });
    const answer = await new Promise<unknown>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/cp_id_1`, 'ocpp1.6');
      const timer = setTimeout(() => reject(new Error('no answer')), 5000);
      ws.on('open', () =>
        ws.send(
          '[2,"12345","BootNotification",{"chargePointVendor":"The Mobility House","chargePointModel":"Optimus"}]',
        ),
      );
      ws.on('message', (data) => {
        clearTimeout(timer);
        resolve(JSON.parse(String(data)));
        ws.close();
      });
      ws.on('error', reject);
    });
    const [type, id, payload] = answer as [number, string, { interval: number; status: string; currentTime: string }];
    if (
      type !== 3 ||
      id !== '12345' ||
      payload.interval !== 10 ||
      payload.status !== 'Accepted' ||
      Number.isNaN(Date.parse(payload.currentTime))
    ) {
      throw new Error(`${file}: unexpected answer ${JSON.stringify(answer)}`);
    }
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    for (const s of steps) await s();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
