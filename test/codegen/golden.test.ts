/**
 * Golden files: the generated text of representative actions, rendered through codegen's exported functions
 * and compared with `test/golden/<version>/<Action>.ts.golden` (update with `npx vitest run -u`, then read the
 * diff). And the drift check as a test: `renderVersion` equals the committed `generated/<version>/` files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  referencedTypes,
  renderCallResults,
  renderCalls,
  renderEnum,
  renderHandlers,
  renderObject,
} from '../../codegen/emit.ts';
import { formatTypeScript } from '../../codegen/format.ts';
import { loadVersion } from '../../codegen/load.ts';
import { header, renderVersion } from '../../codegen/main.ts';
import { type ActionModel, buildModel, type PayloadModel, type VersionModel } from '../../codegen/model.ts';
import { type VersionKey, versions } from '../../codegen/versions.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const models = new Map<VersionKey, VersionModel>();
const modelOf = (key: VersionKey): VersionModel => {
  let model = models.get(key);
  if (!model) {
    model = buildModel(versions.find((v) => v.key === key)!, loadVersion(root, key));
    models.set(key, model);
  }
  return model;
};

/** The named types a payload uses, directly or through other named types, sorted. */
function typesUsedBy(model: VersionModel, payloads: PayloadModel[]): string[] {
  const byName = new Map(model.types.map((t) => [t.name, t]));
  const seen = new Set<string>();
  const pending = payloads.flatMap((p) => [...referencedTypes(p.typed)]);
  while (pending.length) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const type = byName.get(name);
    if (!type) throw new Error(`${name} is referenced but not a type of the model`);
    pending.push(...referencedTypes(type.schema));
  }
  return [...seen].sort();
}

/** The declaration of one class in rendered call.ts / call-result.ts text (as ts-morph prints it), with its doc comment. */
function classBlock(text: string, name: string): string {
  const block = text.split(/\n(?=\/\*\*)/).find((b) => b.includes(`export class ${name} extends `));
  if (!block) throw new Error(`no class ${name}`);
  return block.trim();
}

/** The handler method of an action, with its doc comment, inside the interface that declares it. */
function handlerBlock(text: string, name: string): string {
  for (const match of text.matchAll(/export interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
    const method = new RegExp(`( {2}/\\*\\*\\n(?: {3}\\*.*\\n)* {3}\\*/\\n)? {2}on${name}\\?\\(.*;`).exec(match[2]!);
    if (method) return `export interface ${match[1]} {\n${method[0]}\n}`;
  }
  throw new Error(`no handler for ${name}`);
}

async function renderActionGolden(model: VersionModel, action: ActionModel): Promise<string> {
  const payloads = action.response ? [action.request, action.response] : [action.request];
  const byName = new Map(model.types.map((t) => [t.name, t]));
  const parts = [
    `// ${model.info.subprotocol} ${action.name}: ${action.direction}`,
    '// payloads.ts',
    ...(await Promise.all(
      payloads.map((p) => renderObject(p.typeName, p.typed, `The payload of ${p.typeName}, schema ${p.file}.`)),
    )),
    '// enums.ts and datatypes.ts: the named types these payloads use',
    ...(await Promise.all(
      typesUsedBy(model, payloads).map((name) => {
        const type = byName.get(name)!;
        return type.kind === 'enum' ? renderEnum(type) : renderObject(type.name, type.schema, type.description);
      }),
    )),
    '// call.ts',
    classBlock(renderCalls(model), action.name),
    ...(action.response ? ['// call-result.ts', classBlock(renderCallResults(model), action.name)] : []),
    '// handlers.ts',
    handlerBlock(renderHandlers(model), action.name),
  ];
  return formatTypeScript(parts.join('\n'));
}

const goldens: [VersionKey, string][] = [
  ['v16', 'BootNotification'],
  ['v16', 'MeterValues'],
  ['v16', 'SetChargingProfile'],
  ['v201', 'TransactionEvent'],
  ['v201', 'SetChargingProfile'],
  ['v201', 'NotifyReport'],
  ['v21', 'AFRRSignal'],
  ['v21', 'NotifyDERAlarm'],
  ['v21', 'NotifyPeriodicEventStream'],
];

describe('golden files of representative actions', () => {
  it.each(goldens)('%s %s', async (key, name) => {
    const model = modelOf(key);
    const action = model.actions.find((a) => a.name === name);
    expect(action, name).toBeDefined();
    await expect(await renderActionGolden(model, action!)).toMatchFileSnapshot(`../golden/${key}/${name}.ts.golden`);
  });

  it('a golden file shows what it claims: 1.6 names, direction, no response for a SEND', async () => {
    const boot = await renderActionGolden(
      modelOf('v16'),
      modelOf('v16').actions.find((a) => a.name === 'BootNotification')!,
    );
    expect(boot).toContain('status: RegistrationStatus;');
    expect(boot).toContain('export const RegistrationStatus = {');
    expect(boot).toContain('onBootNotification?(');
    const send = await renderActionGolden(
      modelOf('v21'),
      modelOf('v21').actions.find((a) => a.name === 'NotifyPeriodicEventStream')!,
    );
    expect(send).not.toContain('call-result.ts');
    expect(send).toMatch(/onNotifyPeriodicEventStream\?\([^)]*\): void \| Promise<void>;/);
    expect(send).not.toContain('HandlerResult');
  });
});

describe('renderVersion equals the committed generated/ files', () => {
  it.each(versions)(
    '$key: byte for byte, no file missing or extra',
    async (info) => {
      const files = await renderVersion(modelOf(info.key));
      const dir = join(root, 'generated', info.key);
      expect(readdirSync(dir).sort()).toEqual(Object.keys(files).sort());
      for (const [name, text] of Object.entries(files)) {
        expect(text.startsWith(header(info)), name).toBe(true);
        const committed = readFileSync(join(dir, name), 'utf8');
        // toBe on the whole text would print megabytes: compare, then show the first differing line.
        if (committed !== text) {
          const a = committed.split('\n');
          const b = text.split('\n');
          const line = a.findIndex((l, i) => l !== b[i]);
          expect.fail(
            `generated/${info.key}/${name} differs from codegen at line ${line + 1} (run npm run codegen):\n` +
              `  committed: ${a[line]?.slice(0, 200)}\n  codegen:   ${b[line]?.slice(0, 200)}`,
          );
        }
      }
    },
    60_000,
  );
});
