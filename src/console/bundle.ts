/**
 * Bundles the console's page with esbuild: the page's code, ajv (the page validates a form with the action's schema
 * before sending) and the request schemas of every action the CSMS may send, per version, read and normalised the
 * way codegen reads them (overlays applied). `npm run build` writes the result into the package; in a clone the
 * console bundles on first use. esbuild (a devDependency) is loaded only here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { protocol as v16 } from '../../generated/v16/actions.ts';
import { protocol as v21 } from '../../generated/v21/actions.ts';
import { protocol as v201 } from '../../generated/v201/actions.ts';

/** The page's script and style sheet. */
export interface PageAssets {
  readonly js: string;
  readonly css: string;
}

/** The names of the bundled files, next to the console's modules in the package. */
export const ASSET_FILES = { js: 'console-page.js', css: 'console-page.css' } as const;

type JsonSchema = { [keyword: string]: unknown };
/** What the bundle uses of codegen/load.ts (imported by path at bundle time, so it stays out of the package). */
interface SchemaLoader {
  loadVersion(root: string, version: string): { action: string; role: string; schema: JsonSchema }[];
}

const VERSIONS = [
  { key: 'v16', spec: v16 },
  { key: 'v201', spec: v201 },
  { key: 'v21', spec: v21 },
] as const;

/** Longest description kept (shown as a field's tooltip); the official ones run to pages. */
const DESCRIPTION_LIMIT = 240;

function trimDescriptions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(trimDescriptions);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' && typeof value === 'string') {
      const text = value.replace(/\s+/g, ' ').trim();
      out[key] = text.length > DESCRIPTION_LIMIT ? `${text.slice(0, DESCRIPTION_LIMIT - 1)}…` : text;
    } else {
      out[key] = trimDescriptions(value);
    }
  }
  return out;
}

/** The request schema of each action the CSMS may send, per subprotocol. */
export async function sendableSchemas(root: string): Promise<Record<string, Record<string, unknown>>> {
  const loader = (await import(pathToFileURL(join(root, 'codegen', 'load.ts')).href)) as SchemaLoader;
  const out: Record<string, Record<string, unknown>> = {};
  for (const { key, spec } of VERSIONS) {
    const directions = spec.actions as Readonly<Record<string, string>>;
    const schemas: Record<string, unknown> = {};
    for (const loaded of loader.loadVersion(root, key)) {
      const direction = directions[loaded.action];
      if (loaded.role !== 'request' || (direction !== 'csms-to-cp' && direction !== 'both')) continue;
      schemas[loaded.action] = trimDescriptions(loaded.schema);
    }
    out[spec.subprotocol] = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  }
  return out;
}

/** Bundles the page from the sources under `root` (a clone of the repository). */
export async function bundlePage(root: string): Promise<PageAssets> {
  const esbuild = await import('esbuild');
  const schemas = await sendableSchemas(root);
  const page = join(root, 'src', 'console', 'page');
  const result = await esbuild.build({
    entryPoints: { [ASSET_FILES.js.replace(/\.js$/, '')]: join(page, 'main.ts') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'chrome110',
    write: false,
    outdir: 'out',
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [
      {
        name: 'ocpp-console-schemas',
        setup(build) {
          build.onResolve({ filter: /^ocpp-console-schemas$/ }, () => ({ path: 'schemas', namespace: 'schemas' }));
          build.onLoad({ filter: /.*/, namespace: 'schemas' }, () => ({
            contents: JSON.stringify(schemas),
            loader: 'json',
          }));
        },
      },
    ],
  });
  const js = result.outputFiles.find((file) => file.path.endsWith('.js'));
  if (js === undefined) throw new Error('the console page did not bundle');
  return { js: js.text, css: readFileSync(join(page, 'style.css'), 'utf8') };
}
