/**
 * The layout's two rules, checked on every run: the files of src/ import each other without a circle (type-only
 * imports included), and no hand-written file of src/ is longer than 450 lines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const SRC = join(ROOT, 'src');
const MAX_LINES = 450;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** The files of src/ that `file` imports or re-exports from, by relative specifier. */
function importsOf(file: string, text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gm)]
    .map((m) => resolve(dirname(file), m[1] as string))
    .filter((path) => path.startsWith(`${SRC}/`));
}

/** Every import circle of a graph, each as its files in order (the first repeated at the end). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('the layout of src/', () => {
  const files = sources(SRC);
  const texts = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));

  test('the circle finder finds a circle, and none where there is none', () => {
    expect(
      circles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c', 'a']]);
    expect(
      circles(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toEqual([]);
  });

  test('no import circle', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file, texts.get(file) as string)]));
    const named = circles(graph).map((circle) => circle.map((file) => relative(ROOT, file)).join(' → '));
    expect(named).toEqual([]);
  });

  test(`no hand-written file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file: relative(ROOT, file), lines: (texts.get(file) as string).split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
