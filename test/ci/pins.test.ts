/**
 * Reproducible checks: every package `.ci/` installs outside the lockfile goes through `.ci/pins.ts`, which takes
 * the exact version of package-lock.json. An install written anywhere else in `.ci/` fails this test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { pinned } from '../../.ci/pins.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CI = join(ROOT, '.ci');

/** The ways a script can install registry packages: npm install/i/add (as a shell line or as execFile args), npx. */
const INSTALLS = [
  /\bnpm\s+(?:install|i|add)\b/,
  /['"](?:install|i|add)['"]/,
  /\bnpx\s+(?!--no-install\b)/,
  /['"]npx['"]\s*,\s*\[\s*(?!['"]--no-install['"])/,
];

/** The lines of `text` that install packages. */
function installLines(text: string): string[] {
  return text.split('\n').filter((line) => !/^\s*(?:\/\/|\*|#)/.test(line) && INSTALLS.some((re) => re.test(line)));
}

function scripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.endsWith('.json')) return [];
    return statSync(path).isDirectory() ? scripts(path) : [path];
  });
}

describe('installs in .ci/', () => {
  test('the detector sees the unpinned installs this test exists to catch', () => {
    expect(
      installLines(
        "    run('npm', ['install', '--no-audit', '--no-fund', tarball, '@types/node@20', 'ioredis@6'], consumer);",
      ),
    ).toHaveLength(1);
    expect(installLines('npm install ioredis@6')).toHaveLength(1);
    expect(installLines("run('npx', ['tsc', '-p', 'x'], cwd)")).toHaveLength(1);
    expect(installLines("run('npx', ['--no-install', 'ocppkit', '--help'], consumer)")).toHaveLength(0);
    expect(installLines('npm ci && npm test')).toHaveLength(0);
    expect(installLines('  apt-get update && apt-get install -y redis-server')).toHaveLength(0);
  });

  test('every install goes through .ci/pins.ts', () => {
    const offenders = scripts(CI)
      .filter((path) => relative(CI, path) !== 'pins.ts')
      .flatMap((path) =>
        installLines(readFileSync(path, 'utf8')).map((line) => `${relative(ROOT, path)}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  test('pinned() takes the lockfile version, and refuses a package the lockfile lacks', () => {
    const lockfile = { packages: { 'node_modules/ioredis': { version: '6.0.0' } } };
    expect(pinned('ioredis', lockfile)).toBe('ioredis@6.0.0');
    expect(() => pinned('left-pad', lockfile)).toThrow(/left-pad is not in package-lock.json/);
  });

  test('what check:package installs is in the lockfile at an exact version', () => {
    const installed = ['@types/node', '@types/ws', 'ioredis', 'ws', 'ts-morph', 'json-schema-to-typescript', 'ajv'];
    for (const name of installed) expect(pinned(name)).toMatch(/@\d+\.\d+\.\d+$/);
  });
});
