/**
 * The TypeScript types of the messages' data. json-schema-to-typescript turns each schema into declarations; they are
 * parsed with ts-morph, normalised (single quotes, no redundant parentheses) and handed on as structures, so that
 * the generated module is written from structures alone. A type of the same name in two schemas is written once
 * when both say the same, and is an error when they differ.
 */
import type {
  EnumDeclarationStructure,
  InterfaceDeclarationStructure,
  JSDocStructure,
  OptionalKind,
  SourceFile,
  TypeAliasDeclarationStructure,
} from 'ts-morph';
import { type SchemaFile, type VendorFolder, VendorFolderError } from './folder.ts';
import { acceptsAnything, forTypes } from './schema.ts';
import type { Tools } from './tools.ts';

/** A declaration of the generated module, as a ts-morph structure. */
export type Declaration = InterfaceDeclarationStructure | TypeAliasDeclarationStructure | EnumDeclarationStructure;

/** Names the generated module declares itself. */
export const RESERVED_TYPE_NAMES: readonly string[] = ['VendorMessages'];

/** The options of json-schema-to-typescript: declarations only, unformatted, `unknown` for anything. */
const JSON2TS_OPTIONS = {
  bannerComment: '',
  format: false,
  additionalProperties: true,
  declareExternallyReferenced: true,
  enableConstEnums: false,
  ignoreMinAndMaxItems: true,
  strictIndexSignatures: false,
  unknownAny: true,
  unreachableDefinitions: false,
  $refOptions: { resolve: { external: false } },
} as const;

/** The comment of a message's data type. */
function dataDocs(
  description: string | undefined,
  messageId: string,
  kind: 'request' | 'response',
  file: string,
): OptionalKind<JSDocStructure>[] {
  const what = `The data of the ${kind} of vendor message \`${messageId}\` (${file}).`;
  return [{ description: description === undefined ? what : `${description.trim()}\n\n${what}` }];
}

/** Single quotes for string literals, and no parentheses around a whole type. */
function normalise(tools: Tools, file: SourceFile): void {
  const { ts } = tools.morph;
  file.transform((traversal) => {
    const original = traversal.currentNode;
    const node = traversal.visitChildren();
    if (ts.isStringLiteral(node)) return traversal.factory.createStringLiteral(node.text, true);
    if (ts.isParenthesizedTypeNode(node)) {
      const parent = original.parent;
      if (
        parent !== undefined &&
        (ts.isTypeAliasDeclaration(parent) || ts.isPropertySignature(parent) || ts.isIndexSignatureDeclaration(parent))
      ) {
        return node.type;
      }
    }
    return node;
  });
}

/** The declarations json-schema-to-typescript writes for one schema, the root named `name`. */
async function declarationsOf(
  tools: Tools,
  folder: string,
  schemaFile: SchemaFile,
  name: string,
  docs: (description: string | undefined) => OptionalKind<JSDocStructure>[],
): Promise<{ declaration: Declaration; text: string }[]> {
  const { schema, description } = forTypes(schemaFile.schema);
  if (acceptsAnything(schemaFile.schema)) {
    const alias: TypeAliasDeclarationStructure = {
      kind: tools.morph.StructureKind.TypeAlias,
      name,
      isExported: true,
      type: 'unknown',
      docs: docs(description),
    };
    return [{ declaration: alias, text: 'unknown' }];
  }
  let text: string;
  try {
    text = await tools.compileTypes(schema as Parameters<Tools['compileTypes']>[0], name, JSON2TS_OPTIONS);
  } catch (error) {
    throw new VendorFolderError(folder, [`${schemaFile.file}: ${(error as Error).message}`]);
  }
  const project = new tools.morph.Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile(`${name}.ts`, text);
  normalise(tools, file);
  const { Node } = tools.morph;
  const found: { declaration: Declaration; text: string }[] = [];
  for (const statement of file.getStatements()) {
    let declaration: Declaration;
    if (Node.isInterfaceDeclaration(statement)) declaration = statement.getStructure();
    else if (Node.isTypeAliasDeclaration(statement)) declaration = statement.getStructure();
    else if (Node.isEnumDeclaration(statement)) declaration = statement.getStructure();
    else throw new Error(`${schemaFile.file}: unexpected ${statement.getKindName()} from json-schema-to-typescript`);
    declaration.isExported = true;
    if (declaration.name === name) declaration.docs = docs(description);
    // compared without comments: two schemas that describe a shared type differently still share it
    found.push({ declaration, text: statement.getText(false) });
  }
  if (!found.some(({ declaration }) => declaration.name === name)) {
    throw new Error(`${schemaFile.file}: json-schema-to-typescript declared no type ${name}`);
  }
  return found;
}

/**
 * Every declaration of the messages' data, messages in order, each request before its response. Throws a
 * `VendorFolderError` listing the conflicts: two schemas declaring one name differently, or a reserved name.
 */
export async function typeDeclarations(tools: Tools, folder: VendorFolder): Promise<Declaration[]> {
  const declared = new Map<string, { text: string; file: string }>();
  const problems: string[] = [];
  const declarations: Declaration[] = [];
  for (const message of folder.messages) {
    for (const kind of ['request', 'response'] as const) {
      const schemaFile = message[kind];
      const name = `${message.typeName}${kind === 'request' ? 'Request' : 'Response'}`;
      const docs = (description: string | undefined) => dataDocs(description, message.id, kind, schemaFile.file);
      for (const { declaration, text } of await declarationsOf(tools, folder.path, schemaFile, name, docs)) {
        if (RESERVED_TYPE_NAMES.includes(declaration.name)) {
          problems.push(`${schemaFile.file}: the type name ${declaration.name} is taken by the generated module`);
          continue;
        }
        const other = declared.get(declaration.name);
        if (other === undefined) {
          declared.set(declaration.name, { text, file: schemaFile.file });
          declarations.push(declaration);
        } else if (other.text !== text) {
          problems.push(
            `${schemaFile.file}: declares a type ${declaration.name} that ${other.file} declares otherwise ` +
              '(rename one: its key in definitions, or its title)',
          );
        }
      }
    }
  }
  if (problems.length > 0) throw new VendorFolderError(folder.path, problems);
  return declarations;
}
