/**
 * typedoc plugin for ocppkit's API reference (`npm run docs:api`).
 *
 * - The entry points must be exactly the package's public subpaths (the `exports` map of the root package.json),
 *   and each module is named after its import path (`ocppkit`, `ocppkit/v16`, `ocppkit/server`, …).
 * - Every property declared in `src/` (hand-written: options, events, error fields) must be documented, but for
 *   overrides and the members of anonymous object types. Properties in `generated/` are not required: 2.x payload
 *   fields carry the schema's description where the schema has one, and the 1.6 schemas have no field descriptions.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter, ReflectionKind, ReflectionType } from 'typedoc';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Source file (absolute) → import path, from the exports map (`./dist/esm/src/v16/index.d.ts` → `src/v16/index.ts`). */
function publicEntries() {
  const { name, exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entries = new Map();
  for (const [subpath, target] of Object.entries(exports)) {
    const types = typeof target === 'object' ? target?.import?.types : undefined;
    if (typeof types !== 'string') continue;
    const source = types.replace(/^\.\/dist\/esm\//, '').replace(/\.d\.ts$/, '.ts');
    entries.set(join(root, source), subpath === '.' ? name : `${name}/${subpath.slice(2)}`);
  }
  return entries;
}

const normalise = (file) => resolve(file).replaceAll('\\', '/');

/** @param {Application} app */
export function load(app) {
  const entries = new Map([...publicEntries()].map(([file, name]) => [normalise(file), name]));

  app.on(Application.EVENT_BOOTSTRAP_END, () => {
    const configured = new Set(app.options.getValue('entryPoints').map(normalise));
    const missing = [...entries.keys()].filter((file) => !configured.has(file));
    const extra = [...configured].filter((file) => !entries.has(file));
    const shown = (file) => relative(root, file);
    for (const file of missing) app.logger.error(`entryPoints lacks ${shown(file)}, exported as ${entries.get(file)}`);
    for (const file of extra) app.logger.error(`entryPoints has ${shown(file)}, which package.json does not export`);
  });

  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    const name = file === undefined ? undefined : entries.get(normalise(file));
    if (name !== undefined) reflection.name = name;
  });

  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const intentional = new Set(app.options.getValue('intentionallyNotDocumented'));
    const seen = new Set();
    for (const property of project.getReflectionsByKind(ReflectionKind.Property)) {
      const id = project.getSymbolIdFromReflection(property);
      if (!id?.packagePath.startsWith('src/')) continue;
      let parent = property.parent;
      while (parent && !parent.kindOf(ReflectionKind.Parameter)) parent = parent.parent;
      if (parent) continue;
      // an override (an error's `name`) is documented where it is declared first; the members of an anonymous
      // object type (an event's argument, one arm of a union) by the comment of what holds it
      if (property.overwrites || property.parent?.kindOf(ReflectionKind.TypeLiteral)) continue;
      if (intentional.has(property.getFriendlyFullName())) continue;
      const signatures = property.type instanceof ReflectionType ? property.type.declaration.signatures : undefined;
      if (property.hasComment() || signatures?.some((s) => s.hasComment())) continue;
      const where = `${id.packagePath}:${property.sources?.[0]?.line ?? '?'}`;
      if (seen.has(where)) continue;
      seen.add(where);
      app.logger.warn(
        `${property.getFriendlyFullName()} (Property), defined in ${where}, does not have any documentation`,
      );
    }
  });
}
