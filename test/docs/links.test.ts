/**
 * Every link of README.md, CONTRIBUTING.md and docs/*.md leads somewhere. A relative target must be a file (or
 * folder) of the repository, relative to the Markdown file; an absolute link into the repository
 * (`<repository>/blob/main/<path>`, the repository taken from package.json) is checked the same way from the
 * root. An anchor into a Markdown file must be the GitHub slug of one of its headings; a bare `#anchor` points
 * into the same file. Links to other hosts are not checked. README.md is also shown on the npm registry's page,
 * where relative links lead nowhere: its links into the repository must be absolute.
 * Fenced code blocks and inline code spans are not Markdown, so links in them are ignored.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/** `https://github.com/owner/name`, from package.json's `repository`. */
function repositoryUrl(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    repository?: string | { url?: string };
  };
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (url === undefined) throw new Error('package.json has no repository.url');
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

const REPOSITORY = repositoryUrl();
/** Absolute links into the repository: a file (`blob`) or a folder (`tree`) on the main branch. */
const REPOSITORY_PREFIXES = [`${REPOSITORY}/blob/main/`, `${REPOSITORY}/tree/main/`];

interface Link {
  line: number;
  target: string;
}

/** The lines of a Markdown file outside fenced code blocks, as written. */
function linesOutsideFences(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    if (fence !== undefined) {
      const closing = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text)?.[1];
      if (closing !== undefined && closing[0] === fence[0] && closing.length >= fence.length) fence = undefined;
      return;
    }
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (opening !== undefined) fence = opening;
    else out.push({ line: i + 1, text });
  });
  return out;
}

/** The lines of a Markdown file outside fenced code blocks, with inline code spans blanked out. */
function proseLines(markdown: string): { line: number; text: string }[] {
  return linesOutsideFences(markdown).map(({ line, text }) => ({ line, text: withoutCodeSpans(text) }));
}

/** A code span opens with a run of backticks and closes with a run of the same length; its text is blanked. */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (whole) => ' '.repeat(whole.length));
}

/** The end of an inline link's destination that starts at `start` (balanced parentheses), or -1. */
function destinationEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return i;
      depth--;
    } else if (c === ' ' || c === '\t') return depth === 0 ? i : -1;
  }
  return -1;
}

/** The targets of the inline links and images (`[x](target)`, `![x](target)`) and reference definitions. */
function extractLinks(markdown: string): Link[] {
  const links: Link[] = [];
  for (const { line, text } of proseLines(markdown)) {
    const definition = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(text);
    if (definition) {
      links.push({ line, target: (definition[1] as string).replace(/^<|>$/g, '') });
      continue;
    }
    for (let at = text.indexOf('](', 0); at !== -1; at = text.indexOf('](', at + 2)) {
      let start = at + 2;
      while (text[start] === ' ') start++;
      if (text[start] === '<') {
        const close = text.indexOf('>', start);
        if (close !== -1) links.push({ line, target: text.slice(start + 1, close) });
        continue;
      }
      const end = destinationEnd(text, start);
      if (end > start) links.push({ line, target: text.slice(start, end) });
    }
  }
  return links;
}

/** GitHub's id for a heading: its text as rendered, lowercased, punctuation but `-` and `_` dropped, spaces → `-`. */
function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, ''); // code spans and emphasis
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file has: one per heading (repeats get `-1`, `-2`, … as on GitHub) and HTML ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    for (const html of text.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(html[1] as string);
  }
  // headings keep their code spans: the slug is made of their text
  for (const { text } of linesOutsideFences(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (!heading) continue;
    const slug = githubSlug(heading[1] as string);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();

function anchorsOfFile(path: string): Set<string> {
  let anchors = anchorCache.get(path);
  if (anchors === undefined) {
    anchors = anchorsOf(readFileSync(path, 'utf8'));
    anchorCache.set(path, anchors);
  }
  return anchors;
}

/** What is wrong with `path#anchor` (a path from `base`, a folder), or undefined when it leads somewhere. */
function checkPath(base: string, pathAndAnchor: string, self: string): string | undefined {
  const hash = pathAndAnchor.indexOf('#');
  const rawPath = (hash === -1 ? pathAndAnchor : pathAndAnchor.slice(0, hash)).replace(/\?.*$/, '');
  const anchor = hash === -1 ? '' : pathAndAnchor.slice(hash + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return 'the path is not valid percent-encoding';
  }
  const file = path === '' ? self : path.startsWith('/') ? join(ROOT, path) : resolve(base, path);
  const fromRoot = relative(ROOT, file);
  if (fromRoot.startsWith('..')) return 'it points outside the repository';
  if (!existsSync(file)) return `${fromRoot || '.'} does not exist`;
  if (anchor === '' || !file.endsWith('.md') || !statSync(file).isFile()) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(anchor);
  } catch {
    return 'the anchor is not valid percent-encoding';
  }
  return anchorsOfFile(file).has(decoded) ? undefined : `${fromRoot} has no heading with the anchor #${decoded}`;
}

/** The broken links of one Markdown file (a path from the root), as `file:line: target (why)`. */
function brokenLinks(doc: string): { checked: number; broken: string[] } {
  const self = join(ROOT, doc);
  const links = extractLinks(readFileSync(self, 'utf8'));
  const broken: string[] = [];
  let checked = 0;
  for (const { line, target } of links) {
    let problem: string | undefined;
    const prefix = REPOSITORY_PREFIXES.find((p) => target.startsWith(p));
    if (prefix !== undefined) {
      problem = checkPath(ROOT, target.slice(prefix.length), self);
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) {
      continue; // another host, mailto: and the like
    } else if (doc === 'README.md' && !target.startsWith('#')) {
      problem = `a relative link does not work on the npm registry's page: use ${REPOSITORY_PREFIXES[0]}…`;
    } else {
      problem = checkPath(dirname(self), target, self);
    }
    checked++;
    if (problem !== undefined) broken.push(`${doc}:${line}: ${target} (${problem})`);
  }
  return { checked, broken };
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', 'CONTRIBUTING.md', ...docs];
}

describe('links in the documentation', () => {
  it('reads links, anchors and slugs as GitHub does', () => {
    const sample = [
      'See [a](docs/a.md#x) and ![b](<img b.png> "title"), [c](https://example.com/(x)) and `[d](no.md)`.',
      '```md',
      '[e](fenced.md)',
      '```',
      '[f]: CONTRIBUTING.md#layout',
    ].join('\n');
    expect(extractLinks(sample)).toEqual([
      { line: 1, target: 'docs/a.md#x' },
      { line: 1, target: 'img b.png' },
      { line: 1, target: 'https://example.com/(x)' },
      { line: 5, target: 'CONTRIBUTING.md#layout' },
    ]);
    expect(githubSlug('After a response was sent: `@after`')).toBe('after-a-response-was-sent-after');
    expect(githubSlug('`ocppkit simulate`')).toBe('ocppkit-simulate');
    expect(githubSlug('Calls: direct and queued')).toBe('calls-direct-and-queued');
    expect(githubSlug('Which code, per version (1.6 / 2.x)')).toBe('which-code-per-version-16--2x');
    expect(githubSlug('snake_case and kebab-case')).toBe('snake_case-and-kebab-case');
  });

  for (const doc of markdownFiles()) {
    it(`every link of ${doc} leads somewhere`, () => {
      const { checked, broken } = brokenLinks(doc);
      if (doc === 'README.md') expect(checked, 'README.md links into the repository').toBeGreaterThan(0);
      expect(broken, `broken links in ${doc}`).toEqual([]);
    });
  }
});
