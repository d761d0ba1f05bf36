/**
 * The page's files: read from the package (bundled by `npm run build`), or, in a clone where they are not built,
 * bundled from the sources on first use. Served compressed to browsers that accept gzip.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ASSET_FILES, bundlePage } from './bundle.ts';

/** One file as served: its bytes, gzipped bytes and content type. */
export interface ServedAsset {
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly type: string;
}

/** The page's script and style sheet, ready to serve. */
export interface ServedAssets {
  readonly js: ServedAsset;
  readonly css: ServedAsset;
}

/** The folder of this module: `__dirname` under CommonJS, `import.meta.url` as an ES module. */
function moduleFolder(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

function served(text: string, type: string): ServedAsset {
  const body = Buffer.from(text, 'utf8');
  return { body, gzipped: gzipSync(body), type };
}

function readBuilt(folder: string): { js: string; css: string } | undefined {
  try {
    return {
      js: readFileSync(join(folder, ASSET_FILES.js), 'utf8'),
      css: readFileSync(join(folder, ASSET_FILES.css), 'utf8'),
    };
  } catch {
    return undefined;
  }
}

let loading: Promise<ServedAssets> | undefined;

/** The page's files; bundled once per process when the package's built files are absent (a clone). */
export function pageAssets(): Promise<ServedAssets> {
  loading ??= (async () => {
    const folder = moduleFolder();
    let files = readBuilt(folder);
    files ??= await bundlePage(join(folder, '..', '..'));
    return {
      js: served(files.js, 'text/javascript; charset=utf-8'),
      css: served(files.css, 'text/css; charset=utf-8'),
    };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
