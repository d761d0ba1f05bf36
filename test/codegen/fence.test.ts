/**
 * The fence between generated code and the runtime: every file under generated/ imports its own folder's files and
 * src/generated-runtime.ts, nothing else (no other file of src/, no package).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { RUNTIME } from '../../codegen/emit.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const GENERATED = join(ROOT, 'generated');

/** The module specifiers of a file's import and export-from statements. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map((m) => m[1] as string);
}

describe('generated code imports one runtime module', () => {
  test('the reader sees the imports it must judge', () => {
    const sample =
      "import {\n  a,\n  b,\n} from '../../src/endpoint.ts';\nexport * from './enums.ts';\nimport type { X } from 'ws';";
    expect(importsOf(sample)).toEqual(['../../src/endpoint.ts', './enums.ts', 'ws']);
  });

  test('codegen names src/generated-runtime.ts as that module', () => {
    expect(RUNTIME).toBe('../../src/generated-runtime.ts');
  });

  for (const version of readdirSync(GENERATED)) {
    test(`generated/${version}`, () => {
      const outside = readdirSync(join(GENERATED, version)).flatMap((file) =>
        importsOf(readFileSync(join(GENERATED, version, file), 'utf8'))
          .filter((from) => from !== RUNTIME && !/^\.\/[\w-]+\.ts$/.test(from))
          .map((from) => `${file}: ${from}`),
      );
      expect(outside).toEqual([]);
    });
  }
});
