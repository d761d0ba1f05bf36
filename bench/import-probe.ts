/**
 * `node --expose-gc import-probe.js <module>`: the time and memory one import costs in a fresh process. The module is
 * a path to built JavaScript or a package name; the result goes to the harness over IPC.
 */
import { pathToFileURL } from 'node:url';
import { collect, memSample } from './lib/ipc.ts';

const target = process.argv[2] as string;
const specifier = target.startsWith('/') ? pathToFileURL(target).href : target;
await collect();
const before = memSample();
const t0 = performance.now();
await import(specifier);
const ms = performance.now() - t0;
await collect();
const after = memSample();
process.send?.({ type: 'import', ms, rss: after.rss - before.rss, heapUsed: after.heapUsed - before.heapUsed }, () =>
  process.exit(0),
);
