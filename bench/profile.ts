/**
 * Summarise a V8 CPU profile (`node --cpu-prof`): self and inclusive time per function, and per source file.
 * `npx tsx bench/profile.ts <file.cpuprofile> [top]` prints the summary; bench/run.ts uses it for `--profile`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionCost {
  name: string;
  where: string;
  /** Share of all samples, %. */
  self: number;
  inclusive: number;
}

export interface ProfileSummary {
  samples: number;
  durationMs: number;
  idle: number;
  gc: number;
  functions: FunctionCost[];
  files: { file: string; self: number }[];
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The built file's source map (bench/results/build is compiled with maps), if any. */
function sourceMapOf(path: string): SourceMap | undefined {
  if (!sourceMaps.has(path)) {
    const file = `${path}.map`;
    sourceMaps.set(path, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined);
  }
  return sourceMaps.get(path);
}

/**
 * A readable location: repo-relative for the project's files, with the TypeScript line when the build has a source
 * map (profiles count lines from 0), else the package path.
 */
function where(url: string, line: number, column = 0): string {
  if (url === '') return '';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const build = path.indexOf('/bench/results/build/');
  if (build >= 0) {
    const entry = line >= 0 ? sourceMapOf(path)?.findEntry(line, column) : undefined;
    path = path.slice(build + '/bench/results/build/'.length).replace(/\.js$/, '.ts');
    const original = (entry as { originalLine?: number } | undefined)?.originalLine;
    if (typeof original === 'number') return `${path}:${original + 1}`;
  } else if (path.includes('/node_modules/')) {
    path = path.slice(path.lastIndexOf('/node_modules/') + '/node_modules/'.length);
  } else if (path.startsWith(ROOT)) {
    path = relative(ROOT, path);
  }
  return line >= 0 ? `${path}:${line + 1}` : path;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  let total = 0;
  for (const node of profile.nodes) total += node.hitCount ?? 0;
  const keyOf = (node: ProfileNode): string => {
    const f = node.callFrame;
    return `${f.functionName || '(anonymous)'}\u0000${where(f.url, f.lineNumber, f.columnNumber)}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  // inclusive time: each function counted once per stack, however deep it recurses
  const visit = (node: ProfileNode, onStack: Set<string>): number => {
    const key = keyOf(node);
    let sum = node.hitCount ?? 0;
    const added = !onStack.has(key);
    if (added) onStack.add(key);
    for (const child of node.children ?? []) {
      const c = byId.get(child);
      if (c !== undefined) sum += visit(c, onStack);
    }
    if (added) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
    }
    const hits = node.hitCount ?? 0;
    if (hits > 0) {
      self.set(key, (self.get(key) ?? 0) + hits);
      const name = node.callFrame.functionName;
      if (name === '(idle)') idle += hits;
      else if (name === '(garbage collector)') gc += hits;
      const file = where(node.callFrame.url, -1) || `(${name.replace(/[()]/g, '')})`;
      files.set(file, (files.get(file) ?? 0) + hits);
    }
    return sum;
  };
  const root = profile.nodes[0];
  if (root !== undefined) visit(root, new Set());
  const pct = (n: number): number => (total === 0 ? 0 : (n / total) * 100);
  const functions = [...self.keys()]
    .map((key) => {
      const [name, loc] = key.split('\u0000') as [string, string];
      return { name, where: loc, self: pct(self.get(key) ?? 0), inclusive: pct(inclusive.get(key) ?? 0) };
    })
    .sort((a, b) => b.self - a.self);
  return {
    samples: total,
    durationMs: (profile.endTime - profile.startTime) / 1000,
    idle: pct(idle),
    gc: pct(gc),
    functions,
    files: [...files].map(([file, n]) => ({ file, self: pct(n) })).sort((a, b) => b.self - a.self),
  };
}

/** The summary as text: top functions by self time, then the files, then the project's functions by inclusive time. */
export function formatProfile(title: string, s: ProfileSummary, top = 25): string {
  const lines = [
    `## ${title}`,
    `${s.samples} samples over ${(s.durationMs / 1000).toFixed(1)} s; idle ${s.idle.toFixed(1)}%, GC ${s.gc.toFixed(1)}%`,
    '',
    'self %  incl %  function  (location)',
  ];
  for (const f of s.functions.slice(0, top)) {
    lines.push(`${f.self.toFixed(1).padStart(6)}  ${f.inclusive.toFixed(1).padStart(6)}  ${f.name}  (${f.where})`);
  }
  lines.push('', 'self %  file');
  for (const f of s.files.slice(0, 15)) lines.push(`${f.self.toFixed(1).padStart(6)}  ${f.file}`);
  const own = s.functions
    .filter((f) => f.where.startsWith('src/') || f.where.startsWith('generated/'))
    .sort((a, b) => b.inclusive - a.inclusive);
  lines.push('', 'ocppkit functions by inclusive time (incl %, self %):');
  for (const f of own.slice(0, 20)) {
    lines.push(`${f.inclusive.toFixed(1).padStart(6)}  ${f.self.toFixed(1).padStart(6)}  ${f.name}  (${f.where})`);
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && basename(process.argv[1]).startsWith('profile.')) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: tsx bench/profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatProfile(basename(file), summarizeProfile(profile), Number(process.argv[3] ?? 25)));
}
