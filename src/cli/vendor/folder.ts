/**
 * The folder `ocppkit codegen vendor` reads, checked: `vendor.json` and, per message, `<MessageId>.request.json`
 * and `<MessageId>.response.json` (JSON Schema draft-07 or draft-06). docs/vendor-messages.md describes it. Every
 * problem found is reported at once, each naming its file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Which side sends a message's request. */
export type MessageDirection = 'cp-to-csms' | 'csms-to-cp' | 'both';

/** A JSON Schema document, as parsed. */
export type Schema = Record<string, unknown> | boolean;

/** One schema file of a message. */
export interface SchemaFile {
  /** The file name, `SetLimit.request.json`. */
  readonly file: string;
  readonly schema: Schema;
}

/** One message of the vendor. */
export interface VendorMessage {
  /** The DataTransfer `messageId`, as the file names spell it. */
  readonly id: string;
  /** The prefix of its type names: `SetLimit` (`SetLimitRequest`, `SetLimitResponse`). */
  readonly typeName: string;
  readonly direction: MessageDirection;
  readonly description: string | undefined;
  readonly request: SchemaFile;
  readonly response: SchemaFile;
}

/** A checked vendor folder: its messages sorted by id. */
export interface VendorFolder {
  readonly path: string;
  readonly vendorId: string;
  readonly description: string | undefined;
  readonly messages: readonly VendorMessage[];
}

/** The folder is not a valid vendor folder: every problem found, one line each. */
export class VendorFolderError extends Error {
  override readonly name = 'VendorFolderError';
  /** The problems found in `folder`. */
  constructor(
    readonly folder: string,
    readonly problems: readonly string[],
  ) {
    super(`${folder} is not a valid vendor folder:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const VENDOR_FILE = 'vendor.json';
const VENDOR_KEYS = ['vendorId', 'description', 'messages'];
const MESSAGE_KEYS = ['direction', 'description'];
const DIRECTIONS: readonly MessageDirection[] = ['cp-to-csms', 'csms-to-cp', 'both'];
const SCHEMA_FILE = /^(.+)\.(request|response)\.json$/;
/** What OCPP allows in a DataTransfer messageId, and a file name can hold. */
const MESSAGE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_VENDOR_ID = 255;
const MAX_MESSAGE_ID = 50;
/** The `$schema` values accepted: draft-07 (also the default) and draft-06. */
const DRAFTS = /^https?:\/\/json-schema\.org\/draft-0[67]\/schema#?$/;

/**
 * The type-name prefix of a message id: its alphanumeric runs, each with an upper-case first letter, as is a letter
 * after a digit (`3d-scan`: `Message3DScan`), a name json-schema-to-typescript keeps as it is.
 */
export function typeNameOf(id: string): string {
  const name = id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
    .replace(/[0-9][a-z]/g, (pair) => pair.toUpperCase());
  return /^[0-9]/.test(name) ? `Message${name}` : name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(value).filter((key) => !allowed.includes(key));
}

function readJson(folder: string, file: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(join(folder, file), 'utf8');
  } catch (error) {
    problems.push(`${file}: cannot be read (${(error as Error).message})`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    problems.push(`${file}: not valid JSON (${(error as Error).message})`);
    return undefined;
  }
}

/** The schema's `$ref`s that do not point into the schema itself, with where they are. */
function externalRefs(node: unknown, path = ''): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => externalRefs(item, `${path}/${i}`));
  if (!isObject(node)) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) found.push(`${path}/$ref: ${value}`);
    // `enum`, `const` and annotations hold data, not schemas
    else if (key !== 'enum' && key !== 'const' && key !== 'examples' && key !== 'default') {
      found.push(...externalRefs(value, `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`));
    }
  }
  return found;
}

/** Problems of one schema document that are not the meta-schema's business. */
function checkSchema(file: string, schema: unknown, problems: string[]): schema is Schema {
  if (typeof schema === 'boolean') {
    if (!schema) problems.push(`${file}: the schema false accepts nothing`);
    return schema;
  }
  if (!isObject(schema)) {
    problems.push(`${file}: a schema is a JSON object`);
    return false;
  }
  const draft = schema.$schema;
  if (draft !== undefined && (typeof draft !== 'string' || !DRAFTS.test(draft))) {
    problems.push(
      `${file}: $schema ${JSON.stringify(draft)} is not supported: use http://json-schema.org/draft-07/schema# ` +
        '(or draft-06), or leave $schema out',
    );
    return false;
  }
  const refs = externalRefs(schema);
  for (const ref of refs) {
    problems.push(`${file}: ${ref} points outside the file; only local references (#/definitions/…) are supported`);
  }
  return refs.length === 0;
}

/** Reads and checks a vendor folder; throws `VendorFolderError` with every problem found. */
export function readVendorFolder(folder: string): VendorFolder {
  let entries: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new VendorFolderError(folder, ['not a folder']);
    entries = readdirSync(folder).sort();
  } catch (error) {
    if (error instanceof VendorFolderError) throw error;
    throw new VendorFolderError(folder, [`cannot be read (${(error as Error).message})`]);
  }
  const problems: string[] = [];

  // vendor.json
  let vendorId = '';
  let description: string | undefined;
  const declared = new Map<string, { direction: MessageDirection; description: string | undefined }>();
  if (!entries.includes(VENDOR_FILE)) {
    problems.push(`${VENDOR_FILE} is missing: it names the vendor, e.g. { "vendorId": "com.example" }`);
  } else {
    const vendor = readJson(folder, VENDOR_FILE, problems);
    if (vendor !== undefined && !isObject(vendor)) problems.push(`${VENDOR_FILE}: must be a JSON object`);
    if (isObject(vendor)) {
      for (const key of unknownKeys(vendor, VENDOR_KEYS)) {
        problems.push(`${VENDOR_FILE}: unknown key "${key}" (allowed: ${VENDOR_KEYS.join(', ')})`);
      }
      if (typeof vendor.vendorId !== 'string' || vendor.vendorId === '' || vendor.vendorId.length > MAX_VENDOR_ID) {
        problems.push(`${VENDOR_FILE}: "vendorId" must be a string of 1 to ${MAX_VENDOR_ID} characters`);
      } else {
        vendorId = vendor.vendorId;
      }
      if (vendor.description !== undefined && typeof vendor.description !== 'string') {
        problems.push(`${VENDOR_FILE}: "description" must be a string`);
      } else {
        description = vendor.description;
      }
      if (vendor.messages !== undefined && !isObject(vendor.messages)) {
        problems.push(`${VENDOR_FILE}: "messages" must be an object, by message id`);
      } else {
        for (const [id, entry] of Object.entries(vendor.messages ?? {})) {
          const where = `${VENDOR_FILE}: messages.${id}`;
          if (!isObject(entry)) {
            problems.push(`${where} must be an object, e.g. { "direction": "csms-to-cp" }`);
            continue;
          }
          for (const key of unknownKeys(entry, MESSAGE_KEYS)) {
            problems.push(`${where}: unknown key "${key}" (allowed: ${MESSAGE_KEYS.join(', ')})`);
          }
          const direction = entry.direction ?? 'both';
          if (!DIRECTIONS.includes(direction as MessageDirection)) {
            problems.push(`${where}: "direction" must be ${DIRECTIONS.map((d) => `"${d}"`).join(', ')}`);
          }
          if (entry.description !== undefined && typeof entry.description !== 'string') {
            problems.push(`${where}: "description" must be a string`);
          }
          declared.set(id, {
            direction: direction as MessageDirection,
            description: entry.description as string | undefined,
          });
        }
      }
    }
  }

  // the schema files
  const files = new Map<string, { request?: string; response?: string }>();
  for (const name of entries) {
    if (name === VENDOR_FILE || !name.endsWith('.json')) continue;
    const match = SCHEMA_FILE.exec(name);
    if (match === null) {
      problems.push(
        `${name}: unexpected file (expected ${VENDOR_FILE}, <MessageId>.request.json, <MessageId>.response.json)`,
      );
      continue;
    }
    const [, id = '', kind] = match;
    const pair = files.get(id) ?? {};
    pair[kind as 'request' | 'response'] = name;
    files.set(id, pair);
  }
  for (const id of declared.keys()) {
    if (!files.has(id))
      problems.push(`${VENDOR_FILE}: messages.${id} has no ${id}.request.json nor ${id}.response.json`);
  }

  const messages: VendorMessage[] = [];
  const typeNames = new Map<string, string>();
  const lowerCaseIds = new Map<string, string>();
  for (const [id, pair] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!MESSAGE_ID.test(id) || id.length > MAX_MESSAGE_ID) {
      problems.push(
        `${id}: a message id has 1 to ${MAX_MESSAGE_ID} letters, digits, ".", "_" or "-", starting with a letter or digit`,
      );
      continue;
    }
    if (pair.request === undefined || pair.response === undefined) {
      const [has, lacks] = pair.request === undefined ? ['response', 'request'] : ['request', 'response'];
      problems.push(`${id}.${has}.json has no ${id}.${lacks}.json: every message needs both schemas`);
      continue;
    }
    const typeName = typeNameOf(id);
    const clash = typeNames.get(typeName);
    if (clash !== undefined) problems.push(`${id} and ${clash} would both be named ${typeName} in TypeScript`);
    typeNames.set(typeName, id);
    const sameButCase = lowerCaseIds.get(id.toLowerCase());
    if (sameButCase !== undefined) {
      problems.push(`${id} and ${sameButCase} differ only in case, which OCPP 1.6 ignores (CiString)`);
    }
    lowerCaseIds.set(id.toLowerCase(), id);
    const request = readJson(folder, pair.request, problems);
    const response = readJson(folder, pair.response, problems);
    const requestOk = request !== undefined && checkSchema(pair.request, request, problems);
    const responseOk = response !== undefined && checkSchema(pair.response, response, problems);
    if (!requestOk || !responseOk) continue;
    const entry = declared.get(id);
    messages.push({
      id,
      typeName,
      direction: entry?.direction ?? 'both',
      description: entry?.description,
      request: { file: pair.request, schema: request as Schema },
      response: { file: pair.response, schema: response as Schema },
    });
  }
  if (problems.length === 0 && messages.length === 0) {
    problems.push('no messages: add <MessageId>.request.json and <MessageId>.response.json');
  }
  if (problems.length > 0) throw new VendorFolderError(folder, problems);
  return { path: folder, vendorId, description, messages };
}
