/**
 * Every ```ts block of README.md and docs/*.md compiles. Each block is a module of its own; a block opened with
 * ```ts continued is appended to the one before it. The blocks are written to .scratch/ (git-ignored) and
 * checked by the TypeScript compiler with the repository's strict options, `ocppkit/*` mapped to the sources.
 * A failure shows the compiler's messages at the Markdown file's own lines.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const OUT = join(ROOT, '.scratch', 'doc-snippets');

interface Snippet {
  /** Where it comes from, as `docs/x.md`. */
  doc: string;
  /** The Markdown line of each of its lines. */
  lines: number[];
  code: string[];
}

/** The ```ts blocks of a Markdown file, continued blocks joined to the one before. */
function extractSnippets(doc: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  let current: Snippet | undefined;
  let inBlock = false;
  let fence = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!inBlock) {
      const open = /^(\s*)(```+)\s*(\S*)\s*(.*)$/.exec(line);
      if (!open) continue;
      fence = open[2] as string;
      inBlock = true;
      const lang = open[3];
      if (lang !== 'ts' && lang !== 'typescript') {
        current = undefined;
        continue;
      }
      if (open[4]?.trim() === 'continued' && snippets.length > 0) {
        current = snippets[snippets.length - 1];
      } else {
        current = { doc, lines: [], code: [] };
        snippets.push(current);
      }
      continue;
    }
    if (line.trim() === fence) {
      inBlock = false;
      current = undefined;
      continue;
    }
    if (current) {
      current.code.push(line);
      current.lines.push(i + 1);
    }
  }
  return snippets;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f));
  return ['README.md', ...docs.sort()];
}

const exec = promisify(execFile);

describe('code snippets in the documentation', () => {
  const snippets = markdownFiles().flatMap((file) => extractSnippets(file, readFileSync(join(ROOT, file), 'utf8')));

  it('finds the snippets of the README and the server-side guide', () => {
    expect(snippets.filter((s) => s.doc === 'README.md').length).toBeGreaterThan(0);
    expect(snippets.filter((s) => s.doc === 'docs/server-side-usage.md').length).toBeGreaterThan(10);
  });

  it('every ```ts snippet compiles', async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const files = new Map<string, Snippet>();
    snippets.forEach((snippet, i) => {
      const name = `${snippet.doc.replace(/[^A-Za-z0-9]+/g, '_')}_${String(i).padStart(3, '0')}.ts`;
      files.set(name, snippet);
      // `export {}` keeps a snippet without imports a module, so snippets never share a scope
      writeFileSync(join(OUT, name), `${snippet.code.join('\n')}\nexport {};\n`);
    });
    const src = relative(OUT, join(ROOT, 'src'));
    writeFileSync(
      join(OUT, 'tsconfig.json'),
      JSON.stringify(
        {
          extends: relative(OUT, join(ROOT, 'tsconfig.json')),
          compilerOptions: {
            // snippets show declarations on their own and parameters they do not use
            noUnusedLocals: false,
            noUnusedParameters: false,
            paths: { 'ocppkit/*': [`${src}/*/index.ts`, `${src}/*.ts`] },
          },
          include: ['*.ts'],
        },
        null,
        2,
      ),
    );
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    let output = '';
    try {
      await exec(tsc, ['-p', join(OUT, 'tsconfig.json'), '--pretty', 'false'], { cwd: ROOT });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      output = `${stdout}${stderr}`;
    }
    // point each message at the Markdown line it comes from
    const located = output.replace(/^(?:.*[\\/])?([^\\/(]+\.ts)\((\d+),(\d+)\)/gm, (whole, name, line, column) => {
      const snippet = files.get(name);
      const at = snippet?.lines[Number(line) - 1];
      return snippet && at !== undefined ? `${snippet.doc}:${at}:${column}` : whole;
    });
    expect(located, 'a documentation snippet does not compile').toBe('');
  });
});
