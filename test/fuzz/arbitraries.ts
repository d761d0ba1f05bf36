/**
 * Frame generators for the fuzz tests: arbitrary text and JSON, and structure-aware frames mutated from valid
 * CALLs of one version (payload mutations that target the schema keywords, frame mutations that target the
 * framing rules, text mutations that target the parser).
 */
import fc from 'fast-check';
import { buildPayload, type FuzzVersion, isObject, type Json, type JsonObject } from './model.ts';

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Arbitrary text: printable and control characters, astral code points, lone surrogates. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
);

const jsonValue: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

/** Ids: a small pool (so that ids collide), valid ids, and the edges of the 1–36 rule. */
export function idArb(pool: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...pool) },
    { weight: 2, arbitrary: fc.uuid() },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        'i'.repeat(36),
        'i'.repeat(37),
        '-1',
        ' ',
        '\u0000',
        '\ud800',
        '😀'.repeat(18),
        '😀'.repeat(19),
        'x'.repeat(1000),
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: codeUnit, minLength: 1, maxLength: 40 }) },
  );
}

// ---------------------------------------------------------------- payload mutations

type Slot = { parent: Json[] | JsonObject; key: string | number } | undefined; // undefined: the root

function slots(root: Json): Slot[] {
  const found: Slot[] = [undefined];
  const walk = (value: Json): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        found.push({ parent: value, key: i });
        walk(item);
      });
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) {
        found.push({ parent: value, key });
        walk(value[key] as Json);
      }
    }
  };
  walk(root);
  return found;
}

function read(root: Json, slot: Slot): Json {
  if (slot === undefined) return root;
  return (slot.parent as Record<string | number, Json>)[slot.key] as Json;
}

function write(root: Json, slot: Slot, value: Json): Json {
  if (slot === undefined) return value;
  (slot.parent as Record<string | number, Json>)[slot.key] = value;
  return root;
}

const TRICKY_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  'customData',
  'status',
  'vendorId',
  'idTag',
  'k'.repeat(300),
  '\u0000',
  '\ud800',
];

const WRONG_TYPES: Json[] = [
  0,
  -1,
  1.5,
  1e308,
  -1e-308,
  true,
  false,
  null,
  '',
  'text',
  [],
  {},
  [[[]]],
  { a: { b: {} } },
];

const EDGE_NUMBERS: Json[] = [-1, 0, 1, 0.1, 0.3, 21.4, 21.45, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e21, 1e-7, -0];

const BAD_DATES: Json[] = [
  '2024-01-01T00:00:00',
  '2024-13-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2024-01-01T24:00:01Z',
  '2024-01-01T00:00:00+25:00',
  '2024-01-01 00:00:00Z',
  'yesterday',
  '',
  '2024-01-01T00:00:00.123456789Z',
  '+002024-01-01T00:00:00Z',
];

function typos(s: string): Json[] {
  return [
    s.toLowerCase(),
    s.toUpperCase(),
    `${s}x`,
    s.slice(0, -1),
    ` ${s}`,
    `${s}\u0000`,
    s.replace(/a/g, '\u0430'),
    `${s}\u200b`,
    s.normalize('NFD'),
  ];
}

const MUTATIONS = [
  'drop',
  'add',
  'retype',
  'long',
  'typo',
  'number',
  'date',
  'nest',
  'array',
  'random',
  'proto-key',
] as const;
type MutationKind = (typeof MUTATIONS)[number];

interface Mutation {
  kind: MutationKind;
  at: number;
  pick: number;
  key: string;
  value: Json;
  length: number;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...MUTATIONS),
  at: fc.nat(),
  pick: fc.nat(),
  key: fc.oneof(fc.constantFrom(...TRICKY_KEYS), fc.string({ unit: 'binary', maxLength: 12 })),
  value: jsonValue,
  length: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 60, max: 6000 })),
});

function pickFrom<T>(list: readonly T[], n: number): T {
  return list[n % list.length] as T;
}

/** Apply one mutation to a (cloned) payload; never throws. */
export function mutatePayload(payload: Json, m: Mutation): Json {
  const root = structuredClone(payload);
  const all = slots(root);
  // typos, long strings and bad dates go to strings, edge numbers to numbers (when the payload has any)
  const wanted =
    m.kind === 'typo' || m.kind === 'long' || m.kind === 'date'
      ? all.filter((s) => typeof read(root, s) === 'string')
      : m.kind === 'number'
        ? all.filter((s) => typeof read(root, s) === 'number')
        : all;
  const slot = pickFrom(wanted.length > 0 ? wanted : all, m.at);
  const current = read(root, slot);
  switch (m.kind) {
    case 'drop':
      if (slot === undefined) return {};
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete (slot.parent as JsonObject)[slot.key as string];
      return root;
    case 'add': {
      const objects = all.filter((s) => isObject(read(root, s)));
      const target = read(root, pickFrom(objects.length > 0 ? objects : [undefined], m.pick));
      if (isObject(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true });
      else if (Array.isArray(target)) target.push(m.value);
      return root;
    }
    case 'retype':
      return write(root, slot, pickFrom(WRONG_TYPES, m.pick));
    case 'long': {
      const unit = pickFrom(['x', 'é', '😀', '\u0000', 'ab'], m.pick);
      return write(root, slot, unit.repeat(m.length));
    }
    case 'typo':
      return write(root, slot, typeof current === 'string' ? pickFrom(typos(current), m.pick) : 'Bogus');
    case 'number':
      return write(root, slot, pickFrom(EDGE_NUMBERS, m.pick));
    case 'date':
      return write(root, slot, pickFrom(BAD_DATES, m.pick));
    case 'nest': {
      let value = current;
      for (let i = 0; i <= m.pick % 4; i++) value = i % 2 === 0 ? [value] : { [m.key]: value };
      return write(root, slot, value);
    }
    case 'array': {
      const arrays = all.filter((s) => Array.isArray(read(root, s)));
      const target = read(root, pickFrom(arrays.length > 0 ? arrays : [slot], m.pick));
      if (Array.isArray(target)) {
        if (m.length % 3 === 0) target.length = 0;
        else target.push(...Array.from({ length: m.length % 300 }, () => structuredClone(target[0] ?? m.value)));
        return root;
      }
      return write(root, slot, []);
    }
    case 'random':
      return write(root, slot, m.value);
    case 'proto-key': {
      // an own "__proto__" key (what JSON.parse makes of one) on the payload or a nested object
      const target = isObject(current) ? current : root;
      if (isObject(target))
        Object.defineProperty(target, '__proto__', { value: m.value, enumerable: true, writable: true });
      return root;
    }
  }
}

// ---------------------------------------------------------------- frames

const MESSAGE_TYPES: Json[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, -2, 2.5, '2', null, true, [2], {}, 1e21, 99];
const NON_STRINGS: Json[] = [17, 0, null, true, 1.5, {}, [], ['id'], { id: 'x' }];

/** How a CALL frame is mutated (besides its payload). */
const FRAME_MUTATIONS = ['type', 'id', 'action', 'arity', 'payload', 'wrap'] as const;

function actionVariants(v: FuzzVersion, action: string): Json[] {
  return [
    action.toLowerCase(),
    action.toUpperCase(),
    ` ${action}`,
    `${action} `,
    `${action}Request`,
    'Teleport',
    '',
    'toString',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    ...v.foreignActions,
    ...v.templates.map((t) => t.action),
    42,
    null,
    [action],
    { action },
  ];
}

/** A valid CALL of the version (its action has a handler or not, its direction may be wrong). */
function validCall(v: FuzzVersion, ids: fc.Arbitrary<string>): fc.Arbitrary<Json[]> {
  return fc
    .tuple(fc.constantFrom(...v.templates), fc.nat(), ids, fc.option(fc.string({ maxLength: 60 }), { nil: undefined }))
    .map(([template, mask, id, messageId]) => {
      const payload = buildPayload(template, mask);
      // DataTransfer's messageId picks the handler's misbehaviour
      if (template.action === 'DataTransfer' && messageId !== undefined) payload.messageId = messageId;
      return [2, id, template.action, payload];
    });
}

/** A CALL with its payload mutated 1–3 times and, sometimes, its frame too. */
function mutatedCall(v: FuzzVersion, ids: fc.Arbitrary<string>): fc.Arbitrary<Json[]> {
  return fc
    .tuple(
      validCall(v, ids),
      fc.array(mutationArb, { minLength: 0, maxLength: 3 }),
      fc.option(fc.tuple(fc.constantFrom(...FRAME_MUTATIONS), fc.nat(), jsonValue), { freq: 2, nil: undefined }),
    )
    .map(([frame, mutations, frameMutation]) => {
      let payload = frame[3] as Json;
      for (const m of mutations) payload = mutatePayload(payload, m);
      const out: Json[] = [frame[0] as Json, frame[1] as Json, frame[2] as Json, payload];
      if (frameMutation === undefined) return out;
      const [kind, n, extra] = frameMutation;
      switch (kind) {
        case 'type':
          out[0] = pickFrom(MESSAGE_TYPES, n);
          return out;
        case 'id':
          out[1] = pickFrom(NON_STRINGS, n);
          return out;
        case 'action':
          out[2] = pickFrom(actionVariants(v, String(out[2])), n);
          return out;
        case 'arity':
          if (n % 2 === 0) return out.slice(0, n % 4);
          return [...out, ...Array.from({ length: 1 + (n % 3) }, () => extra)];
        case 'payload':
          out[3] = pickFrom([[], null, 'x', 42, [payload], true], n);
          return out;
        default:
          // wrap: the CALL nested in another array
          return n % 2 === 0 ? [out] : [out[0] as Json, out];
      }
    });
}

const CODES = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'FormatViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'OccurrenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
  'RpcFrameworkError',
  'MessageTypeNotSupported',
  'Nonsense',
];

/** CALLRESULT, CALLERROR, CALLRESULTERROR and SEND shapes, well-formed or not. */
function answerLike(v: FuzzVersion, ids: fc.Arbitrary<string>): fc.Arbitrary<Json[]> {
  const result = fc.tuple(
    fc.constant(3),
    ids,
    fc.oneof(jsonValue, fc.constantFrom(...(v.ownCall.answers as Json[]))),
  ) as fc.Arbitrary<Json[]>;
  const mutatedResult = fc
    .tuple(
      ids,
      fc.constantFrom(...(v.ownCall.answers as Json[])),
      fc.array(mutationArb, { minLength: 1, maxLength: 2 }),
    )
    .map(([id, answer, mutations]) => [3, id, mutations.reduce<Json>((p, m) => mutatePayload(p, m), answer)]);
  const error = fc.tuple(
    fc.constantFrom(4, 5),
    ids,
    fc.oneof(fc.constantFrom(...CODES), anyText),
    fc.oneof(fc.constant(''), anyText),
    fc.oneof(fc.constant({}), jsonValue),
  ) as fc.Arbitrary<Json[]>;
  const send = fc.tuple(ids, fc.nat(), fc.array(mutationArb, { maxLength: 2 })).map(([id, streamId, mutations]) => {
    const payload = { id: streamId, pending: 0, basetime: '2024-01-01T00:00:00Z', data: [{ t: 0, v: '1' }] };
    return [6, id, 'NotifyPeriodicEventStream', mutations.reduce<Json>((p, m) => mutatePayload(p, m), payload)];
  });
  const reshaped = fc
    .tuple(fc.oneof(result, error, send), fc.integer({ min: 0, max: 7 }), jsonValue)
    .map(([frame, n, extra]) => (n < 4 ? frame.slice(0, n + 1) : [...frame, extra]));
  return fc.oneof(result, mutatedResult, error, send, reshaped);
}

/** An array of JSON values whose first element is a message type (or something that looks like one). */
const randomArray: fc.Arbitrary<Json[]> = fc
  .tuple(fc.constantFrom(...MESSAGE_TYPES), fc.array(jsonValue, { maxLength: 5 }))
  .map(([type, rest]) => [type, ...rest]);

/** Text-level damage: truncation, insertion, deletion, number spellings, padding. */
const TEXT_MUTATIONS = ['truncate', 'insert', 'delete', 'type-spelling', 'pad', 'append', 'duplicate-key'] as const;

function mutateText(text: string, kind: (typeof TEXT_MUTATIONS)[number], n: number, piece: string): string {
  const at = text.length === 0 ? 0 : n % (text.length + 1);
  switch (kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + piece + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1 + (n % 3));
    case 'type-spelling':
      return text.replace(
        /^\[(\d+)/,
        (_, type: string) =>
          `[${pickFrom([`${type}.0`, `${type}e0`, `0${type}`, ` ${type}`, `-${type}`, `"${type}"`, `${type}.5`, `\t${type}`], n)}`,
      );
    case 'pad':
      return pickFrom(['\uFEFF', ' ', '\n', '\r\n\t', '\u00a0'], n) + text + pickFrom([' ', '\n', ''], n >> 3);
    case 'append':
      return text + pickFrom([',', ']', '}', 'garbage', '[2,"a","Heartbeat",{}]', '\u0000', piece], n);
    case 'duplicate-key':
      // the last occurrence of a key wins in JSON.parse: a second "status"/"type"/"idTag" before the final brace
      return text.replace(
        /}(\]?)$/,
        `,${JSON.stringify(pickFrom(['status', 'type', 'idTag', 'reason', piece], n))}:${JSON.stringify(piece)}}$1`,
      );
  }
}

/** A burst of 1 to `max` frames, sometimes with one of them sent twice (a duplicate id while it is handled). */
export function burstArb(frame: fc.Arbitrary<string>, max: number): fc.Arbitrary<string[]> {
  return fc
    .tuple(
      fc.array(frame, { minLength: 1, maxLength: max }),
      fc.option(fc.tuple(fc.nat(), fc.nat()), { freq: 3, nil: undefined }),
    )
    .map(([texts, twin]) => {
      if (twin === undefined) return texts;
      const copy = texts[twin[0] % texts.length] as string;
      const out = [...texts];
      out.splice(twin[1] % (out.length + 1), 0, copy);
      return out;
    });
}

/** One frame, as the text the peer sends. */
export function frameText(
  v: FuzzVersion,
  ids: fc.Arbitrary<string>,
  extra?: fc.Arbitrary<Json[]>,
): fc.Arbitrary<string> {
  const structured = fc.oneof(
    { weight: 3, arbitrary: validCall(v, ids) },
    { weight: 8, arbitrary: mutatedCall(v, ids) },
    { weight: 3, arbitrary: answerLike(v, ids) },
    { weight: 2, arbitrary: randomArray },
    ...(extra === undefined ? [] : [{ weight: 4, arbitrary: extra }]),
  );
  const serialised = fc
    .tuple(
      structured,
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...TEXT_MUTATIONS), fc.nat(), anyText) },
      ),
    )
    .map(([frame, damage]) => {
      const text = JSON.stringify(frame);
      return damage === undefined ? text : mutateText(text, damage[0], damage[1], damage[2]);
    });
  return fc.oneof(
    { weight: 12, arbitrary: serialised },
    { weight: 1, arbitrary: anyText },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: jsonValue.map((value) => JSON.stringify(value)) },
  );
}

/** Frames that answer our own call (`id`): results, mutated results, errors, malformed answers. */
export function ownAnswer(v: FuzzVersion, id: string): fc.Arbitrary<Json[]> {
  return answerLike(v, fc.constant(id));
}

/** Bytes: the UTF-8 of a frame, damaged at the byte level (often no longer UTF-8), or random bytes. */
export function frameBytes(v: FuzzVersion, ids: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  const damaged = fc
    .tuple(
      frameText(v, ids),
      fc.nat(),
      fc.constantFrom(0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf5, 0xff),
      fc.boolean(),
    )
    .map(([text, n, byte, keep]) => {
      const bytes = Buffer.from(text);
      if (keep) return new Uint8Array(bytes);
      const at = bytes.length === 0 ? 0 : n % bytes.length;
      switch (n % 4) {
        case 0:
          return new Uint8Array(Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)]));
        case 1:
          return new Uint8Array(bytes.subarray(0, at));
        case 2: {
          const copy = Buffer.from(bytes);
          if (copy.length > 0) copy[at] = byte;
          return new Uint8Array(copy);
        }
        default:
          // a UTF-8 encoded surrogate (ED A0 80), which strict decoders reject
          return new Uint8Array(
            Buffer.concat([bytes.subarray(0, at), Buffer.from([0xed, 0xa0, 0x80]), bytes.subarray(at)]),
          );
      }
    });
  return fc.oneof({ weight: 4, arbitrary: damaged }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) });
}
