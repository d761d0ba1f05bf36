/**
 * Formats generated TypeScript with the project's formatter, biome, configured by `biome.json` (two-space indents,
 * single quotes, width 120). biome.json keeps `generated/` out of `biome check`, so the text goes to biome on stdin
 * under a neutral file name instead of the file's real path: the configuration applies, the ignore list does not.
 * The biome version is pinned in package.json, so the same text always gives the same output.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository whose biome.json applies, wherever the output goes. */
const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIOME = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
/** The name biome is told the text has: a TypeScript file at the top of the repository, which no rule ignores. */
const STDIN_PATH = 'codegen-output.ts';

/** The text formatted by biome; rejects when biome cannot parse it or did not format it. */
export function formatTypeScript(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIOME, 'format', `--stdin-file-path=${STDIN_PATH}`],
      { cwd: REPOSITORY, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`biome could not format generated code: ${stderr || error.message}`));
        else if (stderr.trim()) reject(new Error(`biome did not format generated code: ${stderr.trim()}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(text);
  });
}
