/**
 * Every package that `.ci/` installs outside the lockfile goes through `npmInstall`, which installs the exact
 * version `package-lock.json` holds. A check that installed whatever the registry serves on the day would not be
 * reproducible. test/ci/pins.test.ts fails when an install in `.ci/` bypasses this module.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Lockfile {
  packages: Record<string, { version?: string }>;
}

/** `name@version` with the version of the repository's lockfile; throws for a package the lockfile lacks. */
export function pinned(name: string, lockfile: Lockfile = readLockfile()): string {
  const version = lockfile.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json: add it as a devDependency to pin it`);
  return `${name}@${version}`;
}

function readLockfile(): Lockfile {
  return JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
}

/**
 * `npm install` into `cwd`: local tarballs as given, registry packages by name at their lockfile versions.
 * The runtime dependencies of ocppkit itself are pinned as well, so the tarball's ranges resolve to them.
 */
export function npmInstall(cwd: string, options: { tarballs?: string[]; packages?: string[] }): void {
  const lockfile = readLockfile();
  const specs = [...(options.tarballs ?? []), ...(options.packages ?? []).map((name) => pinned(name, lockfile))];
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--save-exact', ...specs], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The names of ocppkit's own runtime dependencies (package.json `dependencies`). */
export function runtimeDependencies(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {});
}
