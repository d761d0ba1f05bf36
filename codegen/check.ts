/**
 * `npm run codegen:check`: regenerates every version in memory and fails when `generated/` differs from
 * it, so a hand edit or a forgotten `npm run codegen` never lands.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVersion } from './load.ts';
import { renderVersion, root } from './main.ts';
import { buildModel } from './model.ts';
import { versions } from './versions.ts';

/** The paths under `generated/` that are missing, extra or different from what codegen produces. */
export async function findDrift(): Promise<string[]> {
  const drift: string[] = [];
  for (const info of versions) {
    const expected = await renderVersion(buildModel(info, loadVersion(root, info.key)));
    const dir = join(root, 'generated', info.key);
    const present = existsSync(dir) ? readdirSync(dir) : [];
    for (const name of present) if (!(name in expected)) drift.push(`generated/${info.key}/${name} (extra)`);
    for (const [name, text] of Object.entries(expected)) {
      const path = join(dir, name);
      if (!existsSync(path)) drift.push(`generated/${info.key}/${name} (missing)`);
      else if (readFileSync(path, 'utf8') !== text) drift.push(`generated/${info.key}/${name} (differs)`);
    }
  }
  return drift;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const drift = await findDrift();
  if (drift.length) {
    console.error(`generated/ is out of date: run \`npm run codegen\` and commit the result.\n  ${drift.join('\n  ')}`);
    process.exit(1);
  }
  console.log('generated/ matches the schemas and codegen');
}
