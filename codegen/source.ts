/**
 * The ts-morph side of codegen: one in-memory project, source files built from structures, doc comments as
 * structures, and the few writers expressions need (`as const` objects, inline object literals and type literals).
 * Every generated file is a `SourceFile` built here; no declaration or statement is written as text, except ajv's
 * machine-written validators, which `insertAfterImports` adds as statements text.
 */
import {
  type CodeBlockWriter,
  type ImportDeclarationStructure,
  type ImportSpecifierStructure,
  IndentationText,
  type JSDocStructure,
  NewLineKind,
  type OptionalKind,
  Project,
  printNode,
  QuoteKind,
  type SourceFile,
  type StatementStructures,
  StructureKind,
  ts,
  type WriterFunction,
  type WriterFunctionOrValue,
  Writers,
} from 'ts-morph';

/** The statements of a file: structures, and blank lines between groups. */
export type Statements = (StatementStructures | WriterFunction)[];

/** One generated file before formatting. */
export interface FileContent {
  /** Comments after the header (validators.ts: why the file is not type-checked). */
  leadingTrivia?: string;
  statements: Statements;
  /**
   * Machine-written code (ajv's validators) added as statements after formatting, so the formatter leaves it as it
   * was written; it goes after the file's import declarations.
   */
  verbatim?: string;
}

let shared: Project | undefined;
let files = 0;

/** The in-memory project every generated file is built in: two-space indents, single quotes, `\n`. */
export function project(): Project {
  shared ??= new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    manipulationSettings: {
      indentationText: IndentationText.TwoSpaces,
      quoteKind: QuoteKind.Single,
      newLineKind: NewLineKind.LineFeed,
      useTrailingCommas: true,
    },
  });
  return shared;
}

/**
 * Runs `use` on a new source file of the shared project, parsed from text or built from a file's structures (its
 * `verbatim` code aside: see `insertAfterImports`), and drops the file afterwards.
 */
export function withSourceFile<T>(text: string | FileContent, use: (file: SourceFile) => T): T {
  const name = `/file-${++files}.ts`;
  const file =
    typeof text === 'string'
      ? project().createSourceFile(name, text)
      : project().createSourceFile(name, {
          kind: StructureKind.SourceFile,
          ...(text.leadingTrivia ? { leadingTrivia: text.leadingTrivia } : {}),
          statements: text.statements,
        });
  try {
    return use(file);
  } finally {
    project().removeSourceFile(file);
  }
}

/** The text of a file built from structures, as ts-morph prints it (not yet formatted). */
export function printFile(content: FileContent): string {
  return withSourceFile(content, (file) => file.getFullText());
}

/**
 * Adds machine-written statements on a line of their own after the import declarations of formatted text, through
 * ts-morph, and returns the whole text. (`insertText` at the end of the last import: it reparses the file once,
 * where `insertStatements` also re-indents the text, which takes seconds for ajv's megabyte.)
 */
export function insertAfterImports(text: string, code: string): string {
  return withSourceFile(text, (file) => {
    const last = file.getImportDeclarations().at(-1);
    if (!last) throw new Error('no import declaration to add the code after');
    file.insertText(last.getEnd(), (writer) => writer.newLine().write(code));
    return file.getFullText();
  });
}

/** The declarations of TypeScript text as structures (json-schema-to-typescript's output, for one). */
export function statementsOf(text: string): StatementStructures[] {
  return withSourceFile(text, (file) => {
    const statements = file.getStructure().statements;
    if (!Array.isArray(statements)) throw new Error('expected statement structures');
    return statements.map((statement) => {
      if (typeof statement !== 'object') throw new Error(`expected a declaration, got ${String(statement)}`);
      return statement;
    });
  });
}

/** A blank line between groups of statements. */
export const blankLine: WriterFunction = (writer) => {
  writer.blankLineIfLastNot();
};

/** Groups of statements with a blank line between each two. */
export function separated(groups: Statements[]): Statements {
  return groups.filter((group) => group.length > 0).flatMap((group, i) => (i === 0 ? group : [blankLine, ...group]));
}

/**
 * A doc comment: one line per line of the text, trailing spaces trimmed, `*\/` escaped. `block` writes it on lines of its
 * own even when it is one line; `inline` writes a one-line text as `/** text *\/`.
 */
export function docs(text: string | undefined, layout: 'block' | 'inline' = 'block'): OptionalKind<JSDocStructure>[] {
  if (!text?.trim()) return [];
  const lines = text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split('\n')
    .map((line) => (line.trim() ? line.trimEnd().replace(/\*\//g, '*\\/') : ''));
  const description = lines.join('\n');
  return [{ description: layout === 'block' || lines.length > 1 ? `\n${description}` : description }];
}

/**
 * `import { a, type B } from 'x'`, or `import type { … }` when `typeOnly`; none when there are no names. The names
 * are made unique and sorted (by UTF-16 code units, as `Array#sort`) unless `ordered` says they already are.
 */
export function importDeclaration(
  from: string,
  names: Iterable<string | OptionalKind<ImportSpecifierStructure>>,
  { typeOnly = false, ordered = false }: { typeOnly?: boolean; ordered?: boolean } = {},
): OptionalKind<ImportDeclarationStructure>[] {
  const byName = new Map<string, OptionalKind<ImportSpecifierStructure>>();
  for (const name of names) {
    const specifier = typeof name === 'string' ? { name } : name;
    byName.set(specifier.alias ?? specifier.name, specifier);
  }
  if (byName.size === 0) return [];
  const keys = ordered ? [...byName.keys()] : [...byName.keys()].sort();
  const namedImports = keys.map((key) => byName.get(key) as OptionalKind<ImportSpecifierStructure>);
  return [{ kind: StructureKind.ImportDeclaration, isTypeOnly: typeOnly, namedImports, moduleSpecifier: from }];
}

/** A string literal expression. */
export const literal = (value: string): string => JSON.stringify(value);

/** `{ key: value, … } as const`, one property a line. */
export function constObject(properties: Record<string, WriterFunctionOrValue>): WriterFunction {
  return Writers.assertion(Writers.object(properties), 'const');
}

/** `{ a, b: c }` on one line; a property whose value is its own name is written shorthand. */
export function inlineObject(properties: Record<string, string>): WriterFunction {
  return (writer: CodeBlockWriter) => {
    writer.write('{ ');
    Object.entries(properties).forEach(([key, value], i) => {
      if (i > 0) writer.write(', ');
      writer.write(key);
      if (value !== key) writer.write(': ').write(value);
    });
    writer.write(' }');
  };
}

/** `{ a: A; b: B }` on one line: a type literal of a few members. */
export function inlineTypeLiteral(members: Record<string, string>): WriterFunction {
  return (writer: CodeBlockWriter) => {
    writer.write('{ ');
    for (const [name, type] of Object.entries(members)) writer.write(name).write(': ').write(type).write('; ');
    writer.write('}');
  };
}

/** `super(a, b);`: a statement built as a syntax tree and printed by the compiler's printer. */
export function superCall(args: string[]): string {
  const { factory } = ts;
  const call = factory.createCallExpression(
    factory.createSuper(),
    undefined,
    args.map((name) => factory.createIdentifier(name)),
  );
  return printNode(factory.createExpressionStatement(call));
}
