/**
 * Renders one version's model into the files of `generated/<version>/`. Pure functions of the model:
 * the same model always gives the same text.
 */
import { compile } from 'json-schema-to-typescript';
import type { JsonSchema } from './load.ts';
import {
  type ActionModel,
  chargePointSendMessages,
  chargePointSends,
  csmsSends,
  type NamedType,
  type VersionModel,
} from './model.ts';

/** The const-object key of an enum value: the value itself, or with each run of other characters as `_`. */
export function enumKey(value: string): string {
  const key = value.replace(/[^A-Za-z0-9_$]+/g, '_');
  return /^[0-9]/.test(key) ? `_${key}` : key;
}

/**
 * The schemas' descriptions come from the specification's AsciiDoc with HTML escapes: `&lt;&lt;anchor,Text&gt;&gt;`
 * is a cross-reference. Documentation shows the plain text (`Text`).
 */
export function readableText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/<<([^,>]*)(?:,\s*([^>]*))?>>/g, (_whole, anchor: string, label?: string) => (label ?? anchor).trim());
}

/** The same schema with every description made readable. */
export function readableDescriptions(schema: JsonSchema): JsonSchema {
  const visit = (node: unknown, key?: string): unknown => {
    if (typeof node === 'string') return key === 'description' ? readableText(node) : node;
    if (Array.isArray(node)) return node.map((item) => visit(item));
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, k)]));
  };
  return visit(schema) as JsonSchema;
}

function docComment(text: string | undefined, indent = ''): string {
  if (!text?.trim()) return '';
  const lines = readableText(text).replace(/\r\n?/g, '\n').trim().split('\n');
  return `${indent}/**\n${lines.map((l) => `${indent} *${l.trim() ? ` ${l.trimEnd().replace(/\*\//g, '*\\/')}` : ''}`).join('\n')}\n${indent} */\n`;
}

/** `OCPP 1.6 ed.2, section 7.38 RegistrationStatus` → `OCPP 1.6 edition 2, section 7.38`. */
export function specSection(source: string, name: string): string {
  const where = source.replace(/ ed\.(\d+)/g, ' edition $1');
  return where.endsWith(` ${name}`) ? where.slice(0, -name.length - 1) : where;
}

/**
 * The doc comment of an enum or object: its schema description, and for 1.6 (whose schemas describe nothing) the
 * specification section that defines it. A 2.x definition whose schemas disagree on a description gets a line
 * naming it; the fields that use it carry their own descriptions.
 */
export function typeDoc(type: NamedType, version: string): string {
  const described = type.description?.trim() ? type.description : undefined;
  if (type.source) {
    const section = `${type.name}: ${specSection(type.source, type.name)}.`;
    return described ? `${described.trimEnd()}\n\n${section}` : section;
  }
  return described ?? `${type.name}, as defined by the ${version} JSON schemas.`;
}

/** `ocpp2.0.1` → `OCPP 2.0.1`. */
const versionLabel = (model: VersionModel): string => `OCPP ${model.info.subprotocol.slice(4)}`;

export function renderEnum(type: NamedType): string {
  const values = type.schema.enum as string[];
  const keys = new Map<string, string>();
  for (const value of values) {
    const key = enumKey(value);
    const clash = keys.get(key);
    if (clash !== undefined) throw new Error(`enum ${type.name}: values ${clash} and ${value} share the key ${key}`);
    keys.set(key, value);
  }
  const members = [...keys].map(([key, value]) => `  ${key}: ${JSON.stringify(value)},`).join('\n');
  return (
    `${docComment(type.description)}export const ${type.name} = {\n${members}\n} as const;\n` +
    `export type ${type.name} = (typeof ${type.name})[keyof typeof ${type.name}];\n`
  );
}

/** The names of the named types a typed schema refers to. */
export function referencedTypes(schema: JsonSchema, into = new Set<string>()): Set<string> {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      const tsType = (node as JsonSchema).tsType;
      if (typeof tsType === 'string') into.add(tsType);
      for (const value of Object.values(node)) visit(value);
    }
  };
  visit(schema);
  return into;
}

/** Keywords that give a schema a type of its own; a property schema with none of them allows any JSON value. */
const TYPING_KEYWORDS = ['type', 'enum', 'const', '$ref', 'tsType', 'properties', 'items', 'anyOf', 'oneOf', 'allOf'];

/**
 * Marks every untyped sub-schema (2.x DataTransfer `data`: a description and nothing else) as `unknown`:
 * json-schema-to-typescript would make it an object with an index signature, which rejects the strings and
 * numbers the schema allows.
 */
export function markUntyped(schema: JsonSchema): JsonSchema {
  const visit = (node: JsonSchema, isRoot: boolean): JsonSchema => {
    if (!isRoot && !TYPING_KEYWORDS.some((k) => k in node)) return { ...node, tsType: 'unknown' };
    const out: JsonSchema = { ...node };
    if (typeof node.properties === 'object' && node.properties !== null) {
      out.properties = Object.fromEntries(
        Object.entries(node.properties as Record<string, JsonSchema>).map(([k, v]) => [k, visit(v, false)]),
      );
    }
    if (typeof node.items === 'object' && node.items !== null && !Array.isArray(node.items)) {
      out.items = visit(node.items as JsonSchema, false);
    }
    return out;
  };
  return visit(schema, true);
}

/** An interface (or alias) for a typed object schema, through json-schema-to-typescript. */
export async function renderObject(name: string, schema: JsonSchema, description?: string): Promise<string> {
  const typed = readableDescriptions(markUntyped(schema));
  const input = description ? { ...typed, description: readableText(description) } : typed;
  const text = await compile(input as Parameters<typeof compile>[0], name, {
    bannerComment: '',
    format: false,
    unknownAny: true,
    ignoreMinAndMaxItems: true,
    additionalProperties: true,
    strictIndexSignatures: false,
    declareExternallyReferenced: false,
    enableConstEnums: false,
  });
  return text.trim().concat('\n');
}

/** The one runtime module generated code imports (src/generated-runtime.ts): its contract with the runtime. */
export const RUNTIME = '../../src/generated-runtime.ts';

function importLine(names: Iterable<string>, from: string): string {
  const sorted = [...new Set(names)].sort();
  return sorted.length ? `import type { ${sorted.join(', ')} } from '${from}';\n` : '';
}

export function renderEnums(model: VersionModel): string {
  return model.types
    .filter((t) => t.kind === 'enum')
    .map((t) => renderEnum({ ...t, description: typeDoc(t, versionLabel(model)) }))
    .join('\n');
}

export async function renderDatatypes(model: VersionModel): Promise<string> {
  const objects = model.types.filter((t) => t.kind === 'object');
  const enumNames = new Set(model.types.filter((t) => t.kind === 'enum').map((t) => t.name));
  const used = new Set<string>();
  for (const t of objects) referencedTypes(t.schema, used);
  const bodies = await Promise.all(objects.map((t) => renderObject(t.name, t.schema, typeDoc(t, versionLabel(model)))));
  return (
    importLine(
      [...used].filter((n) => enumNames.has(n)),
      './enums.ts',
    ) +
    '\n' +
    bodies.join('\n')
  );
}

export async function renderPayloads(model: VersionModel): Promise<string> {
  const payloads = model.actions.flatMap((a) => (a.response ? [a.request, a.response] : [a.request]));
  const kinds = new Map(model.types.map((t) => [t.name, t.kind]));
  const used = new Set<string>();
  for (const p of payloads) referencedTypes(p.typed, used);
  const bodies = await Promise.all(
    payloads.map((p) => renderObject(p.typeName, p.typed, `The payload of ${p.typeName}, schema ${p.file}.`)),
  );
  return (
    importLine(
      [...used].filter((n) => kinds.get(n) === 'enum'),
      './enums.ts',
    ) +
    importLine(
      [...used].filter((n) => kinds.get(n) === 'object'),
      './datatypes.ts',
    ) +
    '\n' +
    bodies.join('\n')
  );
}

const SIDE_TEXT = {
  'cp-to-csms': 'Sent by the charge point, handled by the CSMS.',
  'csms-to-cp': 'Sent by the CSMS, handled by the charge point.',
  both: 'Sent by either side.',
  'send-cp-to-csms': 'A SEND message from the charge point: never answered.',
} as const;

function actionMap(name: string, doc: string, actions: ActionModel[], withResponse: boolean): string {
  const entries = actions
    .map((a) => {
      const response = withResponse && a.response ? ` response: ${a.response.typeName};` : '';
      return `  ${a.name}: { request: ${a.request.typeName};${response} };`;
    })
    .join('\n');
  return `${docComment(doc)}export interface ${name} {\n${entries}\n}\n`;
}

export function renderActions(model: VersionModel): string {
  const { info, actions } = model;
  const payloadTypes = actions.flatMap((a) => [a.request.typeName, ...(a.response ? [a.response.typeName] : [])]);
  const actionEntries = actions.map((a) => `  ${a.name}: '${a.name}',`).join('\n');
  const directionEntries = actions.map((a) => `    ${a.name}: '${a.direction}',`).join('\n');
  return [
    `import type { ProtocolSpec } from '${RUNTIME}';\n${importLine(payloadTypes, './payloads.ts')}`,
    `/** Every action of OCPP ${info.subprotocol.slice(4)}. */\nexport const Action = {\n${actionEntries}\n} as const;\nexport type Action = (typeof Action)[keyof typeof Action];\n`,
    `/** The run-time description of ${info.subprotocol}: every action and which side sends its request. */\nexport const protocol = {\n  subprotocol: '${info.subprotocol}',\n  actions: {\n${directionEntries}\n  },\n} as const satisfies ProtocolSpec;\n`,
    actionMap(
      'ChargePointToCsms',
      'The CALLs a charge point sends and the CSMS answers, with their payloads.',
      chargePointSends(model),
      true,
    ),
    actionMap(
      'CsmsToChargePoint',
      'The CALLs the CSMS sends and the charge point answers, with their payloads.',
      csmsSends(model),
      true,
    ),
    actionMap(
      'ChargePointSends',
      'The SEND messages (OCPP 2.1, never answered) a charge point sends.',
      chargePointSendMessages(model),
      false,
    ),
  ].join('\n');
}

function renderCarriers(model: VersionModel, base: 'Call' | 'CallResult'): string {
  const withPayload = model.actions.filter((a) => base === 'Call' || a.response);
  const payloadOf = (a: ActionModel) => (base === 'Call' ? a.request.typeName : (a.response?.typeName as string));
  const classes = withPayload.map(
    (a) =>
      `${docComment(`${a.name}${base === 'Call' ? ' request' : ' response'}. ${SIDE_TEXT[a.direction]}`)}` +
      `export class ${a.name} extends ${base}<'${a.name}', ${payloadOf(a)}> {\n  readonly action = '${a.name}' as const;\n}\n`,
  );
  return (
    `import { ${base} } from '${RUNTIME}';\n${importLine(withPayload.map(payloadOf), './payloads.ts')}\n` +
    classes.join('\n')
  );
}

export const renderCalls = (model: VersionModel): string => renderCarriers(model, 'Call');
export const renderCallResults = (model: VersionModel): string => renderCarriers(model, 'CallResult');

function handlerMethods(actions: ActionModel[]): string {
  return actions
    .map((a) => {
      const doc = docComment(`Handles ${a.name}. ${SIDE_TEXT[a.direction]}`, '  ');
      const result = a.response ? `HandlerResult<'${a.name}', ${a.response.typeName}>` : 'void | Promise<void>';
      return `${doc}  on${a.name}?(request: ${a.request.typeName}, context: HandlerContext): ${result};`;
    })
    .join('\n');
}

export function renderHandlers(model: VersionModel): string {
  const { prefix } = model.info;
  const csmsSide = [...chargePointSends(model), ...chargePointSendMessages(model)];
  const cpSide = csmsSends(model);
  const types = [...csmsSide, ...cpSide].flatMap((a) => [
    a.request.typeName,
    ...(a.response ? [a.response.typeName] : []),
  ]);
  return [
    `import type { HandlerContext, HandlerResult } from '${RUNTIME}';\n${importLine(types, './payloads.ts')}`,
    `${docComment(`What a CSMS implements for ${model.info.subprotocol}: one optional handler per message a charge point sends.`)}export interface ${prefix}Handlers {\n${handlerMethods(csmsSide)}\n}\n`,
    `${docComment(`What a charge point implements for ${model.info.subprotocol}: one optional handler per message the CSMS sends.`)}export interface ${prefix}ChargePointHandlers {\n${handlerMethods(cpSide)}\n}\n`,
  ].join('\n');
}

export function renderIndex(model: VersionModel): string {
  const { prefix } = model.info;
  return [
    `export * from './enums.ts';`,
    `export type * from './datatypes.ts';`,
    `export type * from './payloads.ts';`,
    `export { Action, protocol } from './actions.ts';`,
    `export type { ChargePointSends, ChargePointToCsms, CsmsToChargePoint } from './actions.ts';`,
    `export * as call from './call.ts';`,
    `export * as callResult from './call-result.ts';`,
    `export type { ${prefix}ChargePointHandlers, ${prefix}Handlers } from './handlers.ts';`,
    `export { validators } from './validators.ts';`,
    `export { after, ChargePoint, ChargePointSession, Client, Csms, on } from './endpoints.ts';`,
    '',
  ].join('\n');
}

/**
 * The runtime bound to this version: the endpoint classes of both sides (`ChargePoint`, the CSMS side; `Csms`, the
 * charge-point side), the charge point's `Client`, and the decorators typed with this version's actions. Data
 * only: each class names its version and side; the logic stays in src/.
 */
export function renderEndpoints(model: VersionModel): string {
  const { prefix, subprotocol } = model.info;
  const label = versionLabel(model);
  const maps = (a: string, b: string, c: string, d: string) => `${a}, ${b}, ${c}, ${d}`;
  const csmsMaps = maps('ChargePointToCsms', 'CsmsToChargePoint', 'ChargePointSends', 'NoSends');
  const cpMaps = maps('CsmsToChargePoint', 'ChargePointToCsms', 'NoSends', 'ChargePointSends');
  return [
    `import {\n  type AfterDecorator,\n  after as anyAfter,\n  ChargePointClient,\n  type ClientOptions,\n  OcppEndpoint,\n  type OnDecorator,\n  on as anyOn,\n  type VersionSide,\n} from '${RUNTIME}';`,
    `import { type ChargePointSends, type ChargePointToCsms, type CsmsToChargePoint, protocol } from './actions.ts';`,
    `import { validators } from './validators.ts';\n`,
    `/** No SEND messages in this direction. */\ntype NoSends = Record<never, never>;\n`,
    `${docComment(`The CSMS side of one ${label} connection: subclass it and add handlers (\`@on(Action.BootNotification)\`, or the methods of \`${prefix}Handlers\`); the server creates one per connection. \`call()\` takes only what a CSMS sends.`)}export class ChargePoint extends OcppEndpoint<${csmsMaps}> {\n  static override readonly versionSide: VersionSide = { protocol, validators, side: 'csms' };\n}\n`,
    `${docComment(`The charge-point side of one ${label} connection (what \`Client\` speaks through): handlers for what the CSMS sends (\`${prefix}ChargePointHandlers\`), \`call()\` for what a charge point sends.`)}export class Csms extends OcppEndpoint<${cpMaps}> {\n  static override readonly versionSide: VersionSide = { protocol, validators, side: 'charge-point' };\n}\n`,
    `/** @deprecated Renamed \`Csms\` (the CSMS as the charge point sees it). */\nexport const ChargePointSession = Csms;\n/** @deprecated Renamed \`Csms\`. */\nexport type ChargePointSession = Csms;\n`,
    `${docComment(`A ${label} charge point: connects to a CSMS, reconnects, pings, queues transaction-related messages. Subclass it and add handlers for what the CSMS sends (\`@on(Action.X)\` or the methods of \`${prefix}ChargePointHandlers\`); \`call()\` takes only what a charge point sends.`)}export class Client extends ChargePointClient<${cpMaps}> {\n  /** Creates the client; \`connect()\` connects. */\n  constructor(options: ClientOptions) {\n    super(Csms, options);\n  }\n}\n`,
    `/** The actions a CALL can carry, in either direction. */\ntype CallActions = (keyof ChargePointToCsms | keyof CsmsToChargePoint) & string;\n`,
    `/** \`@on(Action.X, { skipValidation? })\`: the decorated method handles X (${subprotocol}); checked against the class's side. */\nexport const on: OnDecorator<CallActions | (keyof ChargePointSends & string)> = anyOn;\n`,
    `/** \`@after(Action.X)\`: runs after the response to X was sent; its errors never reach the peer. */\nexport const after: AfterDecorator<CallActions> = anyAfter;`,
  ].join('\n');
}
