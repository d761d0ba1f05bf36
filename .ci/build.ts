/**
 * `npm run build`: compiles src/ and generated/ into dist/esm (ES modules and declarations, with tsc) and
 * dist/cjs (the same modules as CommonJS, converted file by file with esbuild; declarations copied beside them
 * under a `"type": "commonjs"` package.json so TypeScript reads them as CommonJS). The CLI is ESM only. The console's
 * page is bundled into both (src/console/bundle.ts).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { ASSET_FILES, bundlePage } from '../src/console/bundle.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const esm = join(dist, 'esm');
const cjs = join(dist, 'cjs');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
writeFileSync(join(esm, 'package.json'), '{ "type": "module" }\n');

for (const file of files(esm)) {
  const path = relative(esm, file);
  if (path === 'package.json' || path.startsWith(join('src', 'cli') + sep)) continue;
  const target = join(cjs, path);
  mkdirSync(dirname(target), { recursive: true });
  if (file.endsWith('.js')) {
    const { code } = transformSync(readFileSync(file, 'utf8'), { format: 'cjs', target: 'node20', loader: 'js' });
    writeFileSync(target, code);
  } else if (file.endsWith('.d.ts')) {
    cpSync(file, target);
  }
}
writeFileSync(join(cjs, 'package.json'), '{ "type": "commonjs" }\n');

// The console's page, bundled once (its code, ajv and the schemas): beside the console's modules in both builds.
const page = await bundlePage(root);
for (const build of [esm, cjs]) {
  writeFileSync(join(build, 'src', 'console', ASSET_FILES.js), page.js);
  writeFileSync(join(build, 'src', 'console', ASSET_FILES.css), page.css);
}
console.log(`built dist/esm and dist/cjs (${files(dist).length} files)`);
