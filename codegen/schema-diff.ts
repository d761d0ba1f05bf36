/**
 * The change report of `schemas:sync --from`: what differs between a version's schemas before and after, in the
 * terms of the generated types. Actions added or removed; per message, fields added or removed (walked through
 * `$ref` into `definitions`, named by path: `BootNotificationRequest.chargingStation.modem.iccid`), changes of type,
 * of required-ness and of constraints; enum values added or removed, by the enum's definition name.
 */
import type { JsonSchema } from './load.ts';
import type { SchemaRole } from './versions.ts';

/** One schema file of a version, parsed. */
export interface SchemaFile {
  file: string;
  action: string;
  role: SchemaRole;
  schema: JsonSchema;
}

/** What changed, as lines of text, by section. Every list is in a fixed order. */
export interface ChangeReport {
  /** `added action CostUpdated (request and response)`, `removed action …`, `added message XResponse`. */
  actions: string[];
  /** `BootNotificationRequest.chargingStation.modem.imsi: removed`, `…: optional → required`, `…: type A → B`. */
  fields: string[];
  /** `BootReasonEnumType: added "FirmwareUpdate2"`. */
  enums: string[];
  /** Ids, and messages where only descriptions or other annotations changed. */
  other: string[];
  /** The files whose content changed (JSON compared, not bytes), and those removed. */
  changedFiles: string[];
  /** Whether a change can break code that uses the types: a removal, a change of required-ness or of type. */
  breaking: boolean;
}

/** True when the report holds no change of content. */
export const isEmptyReport = (r: ChangeReport): boolean =>
  !r.actions.length && !r.fields.length && !r.enums.length && !r.other.length;

/** The name of a message's type in generated code: the action and `Request`/`Response`. */
const messageName = (s: { action: string; role: SchemaRole }): string =>
  `${s.action}${s.role === 'request' ? 'Request' : 'Response'}`;

/** JSON text with keys sorted: two schemas with the same content and another key order or layout compare equal. */
export function canonical(value: unknown): string {
  const sort = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sort);
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(
      Object.keys(node)
        .sort()
        .map((k) => [k, sort((node as JsonSchema)[k])]),
    );
  };
  return JSON.stringify(sort(value));
}

/** Constraint keywords whose changes are reported (validation changes; descriptions are not). */
const CONSTRAINTS = [
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'const',
  'default',
];

type Node = JsonSchema;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A node with its `$ref` chain followed; `name` is the definition it came from, if any. */
function resolve(root: Node, node: Node): { node: Node; name: string | undefined } {
  let current = node;
  let name: string | undefined;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
    const match = /^#\/definitions\/([^/]+)$/.exec(current.$ref);
    const definitions = isNode(root.definitions) ? root.definitions : {};
    const target = match ? definitions[match[1] as string] : undefined;
    if (!match || !isNode(target)) return { node: current, name: current.$ref };
    name = match[1];
    current = target;
  }
  return { node: current, name };
}

/** The kind of a resolved node: `enum`, its JSON type(s), or `any`. */
function kindOf(node: Node): string {
  if (Array.isArray(node.enum)) return 'enum';
  if (Array.isArray(node.type)) return node.type.join(' | ');
  return typeof node.type === 'string' ? node.type : 'any';
}

/** How a type reads in the report: a definition's name (`ModemType`), `string`, `integer[]`, `enum`. */
function label(root: Node, node: Node, depth = 0): string {
  const { node: n, name } = resolve(root, node);
  if (name) return name;
  if (n.type === 'array' && isNode(n.items) && depth < 8) return `${label(root, n.items, depth + 1)}[]`;
  return kindOf(n);
}

const show = (v: unknown): string => (v === undefined ? 'none' : JSON.stringify(v));

interface Owner {
  /** The innermost definition the node sits in; changes inside one are reported once, at their first path. */
  def: string | undefined;
  rel: string;
}

/** Compares one version's schemas before and after. */
export function diffSchemas(before: readonly SchemaFile[], after: readonly SchemaFile[]): ChangeReport {
  const report: ChangeReport = {
    actions: [],
    fields: [],
    enums: [],
    other: [],
    changedFiles: [],
    breaking: false,
  };
  const roles = (files: readonly SchemaFile[]) => {
    const map = new Map<string, Map<SchemaRole, SchemaFile>>();
    for (const f of files) map.set(f.action, (map.get(f.action) ?? new Map()).set(f.role, f));
    return map;
  };
  const old = roles(before);
  const now = roles(after);
  const pair = (m: Map<SchemaRole, SchemaFile>) => (m.has('response') ? 'request and response' : 'request only');
  for (const action of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const a = old.get(action);
    const b = now.get(action);
    if (!a && b) report.actions.push(`added action ${action} (${pair(b)})`);
    else if (a && !b) {
      report.actions.push(`removed action ${action}`);
      report.breaking = true;
    } else if (a && b) {
      for (const role of ['request', 'response'] as const) {
        const name = messageName({ action, role });
        if (!a.has(role) && b.has(role)) report.actions.push(`added message ${name}`);
        if (a.has(role) && !b.has(role)) {
          report.actions.push(`removed message ${name}`);
          report.breaking = true;
        }
      }
    }
  }

  const fields = new Map<string, { line: string; def: string | undefined; more: number }>();
  const enums = new Set<string>();
  const afterByFile = new Map(after.map((f) => [f.file, f]));
  for (const a of [...before].sort((x, y) => (x.file < y.file ? -1 : 1))) {
    const b = afterByFile.get(a.file);
    if (!b) {
      report.changedFiles.push(a.file);
      continue;
    }
    if (canonical(a.schema) === canonical(b.schema)) continue;
    report.changedFiles.push(a.file);
    const message = messageName(b);
    let structural = false;
    const field = (path: string, owner: Owner, what: string, breaking = false): void => {
      structural = true;
      if (breaking) report.breaking = true;
      const key = owner.def ? `${owner.def}${owner.rel}: ${what}` : `${path}: ${what}`;
      const seen = fields.get(key);
      if (seen) seen.more++;
      else fields.set(key, { line: `${path}: ${what}`, def: owner.def, more: 0 });
    };
    const walk = (x: Node, y: Node, path: string, owner: Owner, stack: readonly string[]): void => {
      const rx = resolve(a.schema, x);
      const ry = resolve(b.schema, y);
      const [lx, ly] = [label(a.schema, x), label(b.schema, y)];
      const [kx, ky] = [kindOf(rx.node), kindOf(ry.node)];
      if (lx !== ly) field(path, owner, `type ${lx} → ${ly}`, true);
      else if (kx !== ky) field(path, owner, `type ${lx} (${kx}) → ${ly} (${ky})`, true);
      if (kx !== ky) return;
      if (ry.name && stack.includes(ry.name)) return;
      const inner: Owner = ry.name ? { def: ry.name, rel: '' } : owner;
      const nextStack = ry.name ? [...stack, ry.name] : stack;
      const [nx, ny] = [rx.node, ry.node];
      const keywords = ky === 'object' ? [...CONSTRAINTS, 'additionalProperties'] : CONSTRAINTS;
      for (const keyword of keywords) {
        const [vx, vy] = [nx[keyword], ny[keyword]];
        if (isNode(vx) || isNode(vy)) continue;
        if (canonical(vx) !== canonical(vy)) field(path, inner, `${keyword} ${show(vx)} → ${show(vy)}`);
      }
      if (Array.isArray(nx.enum) && Array.isArray(ny.enum)) {
        const name = ry.name ?? path;
        const [ex, ey] = [new Set(nx.enum.map(show)), new Set(ny.enum.map(show))];
        for (const v of ey) {
          if (!ex.has(v)) {
            structural = true;
            enums.add(`${name}: added ${v}`);
          }
        }
        for (const v of ex) {
          if (!ey.has(v)) {
            structural = true;
            report.breaking = true;
            enums.add(`${name}: removed ${v}`);
          }
        }
      }
      const [px, py] = [isNode(nx.properties) ? nx.properties : {}, isNode(ny.properties) ? ny.properties : {}];
      const required = (n: Node) => new Set(Array.isArray(n.required) ? n.required.map(String) : []);
      const [qx, qy] = [required(nx), required(ny)];
      for (const key of new Set([...Object.keys(px), ...Object.keys(py)])) {
        const [vx, vy] = [px[key], py[key]];
        const at = `${path}.${key}`;
        const where: Owner = { def: inner.def, rel: `${inner.rel}.${key}` };
        if (!isNode(vy)) {
          field(at, where, 'removed', true);
        } else if (!isNode(vx)) {
          const requiredness = qy.has(key) ? 'required' : 'optional';
          field(at, where, `added (${requiredness}, ${label(b.schema, vy)})`, qy.has(key));
        } else {
          if (qx.has(key) && !qy.has(key)) field(at, where, 'required → optional', true);
          if (!qx.has(key) && qy.has(key)) field(at, where, 'optional → required', true);
          walk(vx, vy, at, where, nextStack);
        }
      }
      if (isNode(nx.items) && isNode(ny.items)) walk(nx.items, ny.items, path, inner, nextStack);
    };
    walk(a.schema, b.schema, message, { def: undefined, rel: '' }, []);
    for (const key of ['$schema', '$id', 'id']) {
      if (a.schema[key] !== b.schema[key]) {
        structural = true;
        report.other.push(`${message}: ${key} ${show(a.schema[key])} → ${show(b.schema[key])}`);
      }
    }
    if (!structural) report.other.push(`${message}: descriptions or other annotations changed`);
  }
  for (const { line, def, more } of fields.values()) {
    report.fields.push(more ? `${line} (in ${def}, also at ${more} other place${more === 1 ? '' : 's'})` : line);
  }
  report.enums.push(...enums);
  return report;
}

/** The change report as markdown, without front matter: a summary line, then one list per section. */
export function renderReport(report: ChangeReport, summary: string): string {
  const sections: [string, string[]][] = [
    ['Actions', report.actions],
    ['Fields', report.fields],
    ['Enums', report.enums],
    ['Other', report.other],
  ];
  let text = `${summary}\n`;
  for (const [title, lines] of sections) {
    if (lines.length) text += `\n${title}:\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
  }
  return text;
}
