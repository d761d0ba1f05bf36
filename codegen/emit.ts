/**
 * Builds one version's model into the files of `generated/<version>/`, each a ts-morph source file made of
 * structures (source.ts): imports, interfaces, type aliases, const objects, classes, doc comments, exports. Pure
 * functions of the model: the same model always gives the same files. The `render*` functions print a file's
 * structures as text (unformatted; main.ts formats what it writes).
 */
import { compile } from 'json-schema-to-typescript';
import {
  type ClassDeclarationStructure,
  type ExportDeclarationStructure,
  type InterfaceDeclarationStructure,
  type OptionalKind,
  type StatementStructures,
  StructureKind,
  type TypeAliasDeclarationStructure,
  VariableDeclarationKind,
  type VariableStatementStructure,
  type WriterFunction,
  Writers,
} from 'ts-morph';
import type { JsonSchema } from './load.ts';
import {
  type ActionModel,
  chargePointSendMessages,
  chargePointSends,
  csmsSends,
  type NamedType,
  type VersionModel,
} from './model.ts';
import {
  constObject,
  docs as docStructures,
  type FileContent,
  importDeclaration,
  inlineObject,
  inlineTypeLiteral,
  literal,
  printFile,
  separated,
  statementsOf,
  superCall,
} from './source.ts';

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

/** A doc comment of readable text (see `docs` in source.ts for the layouts). */
const docs = (text: string | undefined, layout: 'block' | 'inline' = 'block') =>
  docStructures(text === undefined ? undefined : readableText(text), layout);

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

/** The one runtime module generated code imports (src/generated-runtime.ts): its contract with the runtime. */
export const RUNTIME = '../../src/generated-runtime.ts';

/** What the files of a version depend on besides the model. */
export interface EmitOptions {
  /** The module specifier of src/generated-runtime.ts from the version's folder. Default `RUNTIME`. */
  runtime?: string;
}

const runtimeOf = (options: EmitOptions): string => options.runtime ?? RUNTIME;

/** `export const Name: Type = …;`, the type only when given, with its doc comment. */
function constStatement(
  name: string,
  initializer: string | WriterFunction,
  doc: ReturnType<typeof docs>,
  type?: string,
): VariableStatementStructure {
  return {
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: doc,
    declarations: [{ name, initializer, ...(type ? { type } : {}) }],
  };
}

/** The type of a const object's values, under the object's name: `(typeof X)[keyof typeof X]`. */
function valuesType(name: string): TypeAliasDeclarationStructure {
  return {
    kind: StructureKind.TypeAlias,
    isExported: true,
    name,
    type: `(typeof ${name})[keyof typeof ${name}]`,
  };
}

/** An enum as a const object of its values and a same-named union type. */
export function enumStatements(type: NamedType): StatementStructures[] {
  const values = type.schema.enum as string[];
  const keys = new Map<string, string>();
  for (const value of values) {
    const key = enumKey(value);
    const clash = keys.get(key);
    if (clash !== undefined) throw new Error(`enum ${type.name}: values ${clash} and ${value} share the key ${key}`);
    keys.set(key, value);
  }
  const members = Object.fromEntries([...keys].map(([key, value]) => [key, literal(value)]));
  return [constStatement(type.name, constObject(members), docs(type.description)), valuesType(type.name)];
}

export function renderEnum(type: NamedType): string {
  return printFile({ statements: enumStatements(type) });
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

/** An object type to declare: its name, typed schema and doc text. */
export interface ObjectType {
  name: string;
  schema: JsonSchema;
  description?: string | undefined;
}

/** json-schema-to-typescript's declaration of one object type, as text. */
async function compileObject({ name, schema, description }: ObjectType): Promise<string> {
  const typed = readableDescriptions(markUntyped(schema));
  const input = description ? { ...typed, description: readableText(description) } : typed;
  return compile(input as Parameters<typeof compile>[0], name, {
    bannerComment: '',
    format: false,
    unknownAny: true,
    ignoreMinAndMaxItems: true,
    additionalProperties: true,
    strictIndexSignatures: false,
    declareExternallyReferenced: false,
    enableConstEnums: false,
  });
}

/**
 * Interfaces (or aliases) for typed object schemas. json-schema-to-typescript turns each schema into a declaration;
 * its output is parsed once into a temporary source file and the declarations' structures are copied from there
 * (members, their types and doc comments as written), so the file that holds them is built from structures.
 */
export async function objectStatements(types: ObjectType[]): Promise<StatementStructures[]> {
  const texts = await Promise.all(types.map(compileObject));
  const statements = statementsOf(texts.join('\n'));
  const declared = statements.map((s) =>
    s.kind === StructureKind.Interface || s.kind === StructureKind.TypeAlias ? s.name : '',
  );
  const wanted = types.map((t) => t.name);
  if (declared.join() !== wanted.join()) {
    throw new Error(`json-schema-to-typescript declared ${declared.join(', ')} for ${wanted.join(', ')}`);
  }
  return statements;
}

/** An interface (or alias) for a typed object schema, through json-schema-to-typescript. */
export async function renderObject(name: string, schema: JsonSchema, description?: string): Promise<string> {
  return printFile({ statements: await objectStatements([{ name, schema, description }]) });
}

export function enumsFile(model: VersionModel): FileContent {
  const enums = model.types.filter((t) => t.kind === 'enum');
  return {
    statements: separated(enums.map((t) => enumStatements({ ...t, description: typeDoc(t, versionLabel(model)) }))),
  };
}

export const renderEnums = (model: VersionModel): string => printFile(enumsFile(model));

export async function datatypesFile(model: VersionModel): Promise<FileContent> {
  const objects = model.types.filter((t) => t.kind === 'object');
  const enumNames = new Set(model.types.filter((t) => t.kind === 'enum').map((t) => t.name));
  const used = new Set<string>();
  for (const t of objects) referencedTypes(t.schema, used);
  const declarations = await objectStatements(
    objects.map((t) => ({ name: t.name, schema: t.schema, description: typeDoc(t, versionLabel(model)) })),
  );
  const imports = importDeclaration(
    './enums.ts',
    [...used].filter((n) => enumNames.has(n)),
    { typeOnly: true },
  );
  return { statements: separated([imports, declarations]) };
}

export const renderDatatypes = async (model: VersionModel): Promise<string> => printFile(await datatypesFile(model));

export async function payloadsFile(model: VersionModel): Promise<FileContent> {
  const payloads = model.actions.flatMap((a) => (a.response ? [a.request, a.response] : [a.request]));
  const kinds = new Map(model.types.map((t) => [t.name, t.kind]));
  const used = new Set<string>();
  for (const p of payloads) referencedTypes(p.typed, used);
  const declarations = await objectStatements(
    payloads.map((p) => ({
      name: p.typeName,
      schema: p.typed,
      description: `The payload of ${p.typeName}, schema ${p.file}.`,
    })),
  );
  const imports = [
    ...importDeclaration(
      './enums.ts',
      [...used].filter((n) => kinds.get(n) === 'enum'),
      { typeOnly: true },
    ),
    ...importDeclaration(
      './datatypes.ts',
      [...used].filter((n) => kinds.get(n) === 'object'),
      { typeOnly: true },
    ),
  ];
  return { statements: separated([imports, declarations]) };
}

export const renderPayloads = async (model: VersionModel): Promise<string> => printFile(await payloadsFile(model));

const SIDE_TEXT = {
  'cp-to-csms': 'Sent by the charge point, handled by the CSMS.',
  'csms-to-cp': 'Sent by the CSMS, handled by the charge point.',
  both: 'Sent by either side.',
  'send-cp-to-csms': 'A SEND message from the charge point: never answered.',
} as const;

/** An interface with one member per action: `{ request: XRequest; response: XResponse }`. */
function actionMap(
  name: string,
  doc: string,
  actions: ActionModel[],
  withResponse: boolean,
): InterfaceDeclarationStructure {
  return {
    kind: StructureKind.Interface,
    isExported: true,
    name,
    docs: docs(doc),
    properties: actions.map((a) => ({
      name: a.name,
      type: inlineTypeLiteral({
        request: a.request.typeName,
        ...(withResponse && a.response ? { response: a.response.typeName } : {}),
      }),
    })),
  };
}

export function actionsFile(model: VersionModel, options: EmitOptions = {}): FileContent {
  const { info, actions } = model;
  const payloadTypes = actions.flatMap((a) => [a.request.typeName, ...(a.response ? [a.response.typeName] : [])]);
  const protocol: WriterFunction = (writer) => {
    constObject({
      subprotocol: literal(info.subprotocol),
      actions: Writers.object(Object.fromEntries(actions.map((a) => [a.name, literal(a.direction)]))),
    })(writer);
    writer.write(' satisfies ProtocolSpec');
  };
  return {
    statements: separated([
      [
        ...importDeclaration(runtimeOf(options), ['ProtocolSpec'], { typeOnly: true }),
        ...importDeclaration('./payloads.ts', payloadTypes, { typeOnly: true }),
      ],
      [
        constStatement(
          'Action',
          constObject(Object.fromEntries(actions.map((a) => [a.name, literal(a.name)]))),
          docs(`Every action of ${versionLabel(model)}.`, 'inline'),
        ),
        valuesType('Action'),
      ],
      [
        constStatement(
          'protocol',
          protocol,
          docs(
            `The run-time description of ${info.subprotocol}: every action and which side sends its request.`,
            'inline',
          ),
        ),
      ],
      [
        actionMap(
          'ChargePointToCsms',
          'The CALLs a charge point sends and the CSMS answers, with their payloads.',
          chargePointSends(model),
          true,
        ),
      ],
      [
        actionMap(
          'CsmsToChargePoint',
          'The CALLs the CSMS sends and the charge point answers, with their payloads.',
          csmsSends(model),
          true,
        ),
      ],
      [
        actionMap(
          'ChargePointSends',
          'The SEND messages (OCPP 2.1, never answered) a charge point sends.',
          chargePointSendMessages(model),
          false,
        ),
      ],
    ]),
  };
}

export const renderActions = (model: VersionModel, options: EmitOptions = {}): string =>
  printFile(actionsFile(model, options));

function carriersFile(model: VersionModel, base: 'Call' | 'CallResult', options: EmitOptions): FileContent {
  const withPayload = model.actions.filter((a) => base === 'Call' || a.response);
  const payloadOf = (a: ActionModel) => (base === 'Call' ? a.request.typeName : (a.response?.typeName as string));
  const classes = withPayload.map(
    (a): ClassDeclarationStructure => ({
      kind: StructureKind.Class,
      isExported: true,
      name: a.name,
      docs: docs(`${a.name}${base === 'Call' ? ' request' : ' response'}. ${SIDE_TEXT[a.direction]}`),
      extends: `${base}<${literal(a.name)}, ${payloadOf(a)}>`,
      properties: [{ name: 'action', isReadonly: true, initializer: Writers.assertion(literal(a.name), 'const') }],
    }),
  );
  const imports = [
    ...importDeclaration(runtimeOf(options), [base]),
    ...importDeclaration('./payloads.ts', withPayload.map(payloadOf), { typeOnly: true }),
  ];
  return { statements: separated([imports, ...classes.map((c) => [c])]) };
}

export const callsFile = (model: VersionModel, options: EmitOptions = {}): FileContent =>
  carriersFile(model, 'Call', options);
export const callResultsFile = (model: VersionModel, options: EmitOptions = {}): FileContent =>
  carriersFile(model, 'CallResult', options);
export const renderCalls = (model: VersionModel, options: EmitOptions = {}): string =>
  printFile(callsFile(model, options));
export const renderCallResults = (model: VersionModel, options: EmitOptions = {}): string =>
  printFile(callResultsFile(model, options));

function handlerInterface(name: string, doc: string, actions: ActionModel[]): InterfaceDeclarationStructure {
  return {
    kind: StructureKind.Interface,
    isExported: true,
    name,
    docs: docs(doc),
    methods: actions.map((a) => ({
      name: `on${a.name}`,
      hasQuestionToken: true,
      docs: docs(`Handles ${a.name}. ${SIDE_TEXT[a.direction]}`),
      parameters: [
        { name: 'request', type: a.request.typeName },
        { name: 'context', type: 'HandlerContext' },
      ],
      returnType: a.response ? `HandlerResult<${literal(a.name)}, ${a.response.typeName}>` : 'void | Promise<void>',
    })),
  };
}

export function handlersFile(model: VersionModel, options: EmitOptions = {}): FileContent {
  const { prefix, subprotocol } = model.info;
  const csmsSide = [...chargePointSends(model), ...chargePointSendMessages(model)];
  const cpSide = csmsSends(model);
  const types = [...csmsSide, ...cpSide].flatMap((a) => [
    a.request.typeName,
    ...(a.response ? [a.response.typeName] : []),
  ]);
  return {
    statements: separated([
      [
        ...importDeclaration(runtimeOf(options), ['HandlerContext', 'HandlerResult'], { typeOnly: true }),
        ...importDeclaration('./payloads.ts', types, { typeOnly: true }),
      ],
      [
        handlerInterface(
          `${prefix}Handlers`,
          `What a CSMS implements for ${subprotocol}: one optional handler per message a charge point sends.`,
          csmsSide,
        ),
      ],
      [
        handlerInterface(
          `${prefix}ChargePointHandlers`,
          `What a charge point implements for ${subprotocol}: one optional handler per message the CSMS sends.`,
          cpSide,
        ),
      ],
    ]),
  };
}

export const renderHandlers = (model: VersionModel, options: EmitOptions = {}): string =>
  printFile(handlersFile(model, options));

/** `export … from './file.ts'`: everything (`names` absent), a namespace (`as`), or the names given, in order. */
function reexport(
  from: string,
  what: { names?: string[]; as?: string; typeOnly?: boolean } = {},
): OptionalKind<ExportDeclarationStructure> & { kind: StructureKind.ExportDeclaration } {
  return {
    kind: StructureKind.ExportDeclaration,
    moduleSpecifier: from,
    isTypeOnly: what.typeOnly ?? false,
    ...(what.names ? { namedExports: what.names } : {}),
    ...(what.as ? { namespaceExport: what.as } : {}),
  };
}

export function indexFile(model: VersionModel): FileContent {
  const { prefix } = model.info;
  return {
    statements: [
      reexport('./enums.ts'),
      reexport('./datatypes.ts', { typeOnly: true }),
      reexport('./payloads.ts', { typeOnly: true }),
      reexport('./actions.ts', { names: ['Action', 'protocol'] }),
      reexport('./actions.ts', {
        names: ['ChargePointSends', 'ChargePointToCsms', 'CsmsToChargePoint'],
        typeOnly: true,
      }),
      reexport('./call.ts', { as: 'call' }),
      reexport('./call-result.ts', { as: 'callResult' }),
      reexport('./handlers.ts', { names: [`${prefix}ChargePointHandlers`, `${prefix}Handlers`], typeOnly: true }),
      reexport('./validators.ts', { names: ['validators'] }),
      reexport('./endpoints.ts', { names: ['after', 'ChargePoint', 'ChargePointSession', 'Client', 'Csms', 'on'] }),
    ],
  };
}

export const renderIndex = (model: VersionModel): string => printFile(indexFile(model));

/** `type Name = …;`, not exported, with a one-line doc comment. */
function localType(name: string, type: string, doc: string): TypeAliasDeclarationStructure {
  return { kind: StructureKind.TypeAlias, name, type, docs: docs(doc, 'inline') };
}

/** An endpoint class of one side: the side's action maps as type arguments, and its `versionSide`. */
function endpointClass(
  name: string,
  maps: string[],
  side: 'csms' | 'charge-point',
  doc: string,
): ClassDeclarationStructure {
  return {
    kind: StructureKind.Class,
    isExported: true,
    name,
    docs: docs(doc),
    extends: `OcppEndpoint<${maps.join(', ')}>`,
    properties: [
      {
        name: 'versionSide',
        isStatic: true,
        hasOverrideKeyword: true,
        isReadonly: true,
        type: 'VersionSide',
        initializer: inlineObject({ protocol: 'protocol', validators: 'validators', side: literal(side) }),
      },
    ],
  };
}

export function endpointsFile(model: VersionModel, options: EmitOptions = {}): FileContent {
  const { prefix, subprotocol } = model.info;
  const label = versionLabel(model);
  const csmsMaps = ['ChargePointToCsms', 'CsmsToChargePoint', 'ChargePointSends', 'NoSends'];
  const cpMaps = ['CsmsToChargePoint', 'ChargePointToCsms', 'NoSends', 'ChargePointSends'];
  const typeOnly = (name: string) => ({ name, isTypeOnly: true });
  const imports = [
    ...importDeclaration(
      runtimeOf(options),
      [
        typeOnly('AfterDecorator'),
        { name: 'after', alias: 'anyAfter' },
        'ChargePointClient',
        typeOnly('ClientOptions'),
        'OcppEndpoint',
        typeOnly('OnDecorator'),
        { name: 'on', alias: 'anyOn' },
        typeOnly('VersionSide'),
      ],
      { ordered: true },
    ),
    ...importDeclaration(
      './actions.ts',
      [typeOnly('ChargePointSends'), typeOnly('ChargePointToCsms'), typeOnly('CsmsToChargePoint'), 'protocol'],
      { ordered: true },
    ),
    ...importDeclaration('./validators.ts', ['validators']),
  ];
  const client: ClassDeclarationStructure = {
    kind: StructureKind.Class,
    isExported: true,
    name: 'Client',
    docs: docs(
      `A ${label} charge point: connects to a CSMS, reconnects, pings, queues transaction-related messages. Subclass it and add handlers for what the CSMS sends (\`@on(Action.X)\` or the methods of \`${prefix}ChargePointHandlers\`); \`call()\` takes only what a charge point sends.`,
    ),
    extends: `ChargePointClient<${cpMaps.join(', ')}>`,
    ctors: [
      {
        docs: docs('Creates the client; `connect()` connects.', 'inline'),
        parameters: [{ name: 'options', type: 'ClientOptions' }],
        statements: [superCall(['Csms', 'options'])],
      },
    ],
  };
  const deprecated = (text: string) => [{ tags: [{ tagName: 'deprecated', text }] }];
  return {
    statements: separated([
      imports,
      [localType('NoSends', 'Record<never, never>', 'No SEND messages in this direction.')],
      [
        endpointClass(
          'ChargePoint',
          csmsMaps,
          'csms',
          `The CSMS side of one ${label} connection: subclass it and add handlers (\`@on(Action.BootNotification)\`, or the methods of \`${prefix}Handlers\`); the server creates one per connection. \`call()\` takes only what a CSMS sends.`,
        ),
      ],
      [
        endpointClass(
          'Csms',
          cpMaps,
          'charge-point',
          `The charge-point side of one ${label} connection (what \`Client\` speaks through): handlers for what the CSMS sends (\`${prefix}ChargePointHandlers\`), \`call()\` for what a charge point sends.`,
        ),
      ],
      [
        constStatement(
          'ChargePointSession',
          'Csms',
          deprecated('Renamed `Csms` (the CSMS as the charge point sees it).'),
        ),
        {
          kind: StructureKind.TypeAlias,
          isExported: true,
          name: 'ChargePointSession',
          type: 'Csms',
          docs: deprecated('Renamed `Csms`.'),
        },
      ],
      [client],
      [
        localType(
          'CallActions',
          '(keyof ChargePointToCsms | keyof CsmsToChargePoint) & string',
          'The actions a CALL can carry, in either direction.',
        ),
      ],
      [
        constStatement(
          'on',
          'anyOn',
          docs(
            `\`@on(Action.X, { skipValidation? })\`: the decorated method handles X (${subprotocol}); checked against the class's side.`,
            'inline',
          ),
          'OnDecorator<CallActions | (keyof ChargePointSends & string)>',
        ),
      ],
      [
        constStatement(
          'after',
          'anyAfter',
          docs('`@after(Action.X)`: runs after the response to X was sent; its errors never reach the peer.', 'inline'),
          'AfterDecorator<CallActions>',
        ),
      ],
    ]),
  };
}

/**
 * The runtime bound to this version: the endpoint classes of both sides (`ChargePoint`, the CSMS side; `Csms`, the
 * charge-point side), the charge point's `Client`, and the decorators typed with this version's actions. Data
 * only: each class names its version and side; the logic stays in src/.
 */
export const renderEndpoints = (model: VersionModel, options: EmitOptions = {}): string =>
  printFile(endpointsFile(model, options));
