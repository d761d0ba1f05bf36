/**
 * The router: which handler answers which action, apart from any connection.
 *
 * `actionTable(side)` indexes a version's actions for one side (what it receives and sends, CALL or SEND, and the
 * validators). `routeTable(source, table)` reads the handlers of a class (its prototype chain, up to a base) or of
 * a plain object: methods decorated with `@on` / `@after`, and methods named `on<Action>`. The table is built once
 * per source and cached; the endpoint calls each handler with the target it is bound to (the ChargePoint itself,
 * the client that owns the connection, or the object of handlers).
 */
import type { AfterContext, HandlerContext } from './messages.ts';
import type { Direction, ProtocolSpec, Subprotocol, Validator, ValidatorTable } from './protocol.ts';
import { registrationsOf } from './routing.ts';

/** Which side of the connection an endpoint is. */
export type Side = 'csms' | 'charge-point';

/** One version seen from one side: what binds the generic runtime to it. */
export interface VersionSide {
  readonly protocol: ProtocolSpec;
  readonly validators: ValidatorTable;
  readonly side: Side;
}

/** A version's actions indexed for one side, for the hot path. Built once per `VersionSide`. */
export interface ActionTable {
  readonly version: Subprotocol;
  readonly side: Side;
  readonly validators: ValidatorTable;
  /** Every action of the version. */
  readonly actions: ReadonlySet<string>;
  /** CALLs this side receives. */
  readonly incomingCalls: ReadonlySet<string>;
  /** SENDs this side receives. */
  readonly incomingSends: ReadonlySet<string>;
  /** CALLs this side makes. */
  readonly outgoingCalls: ReadonlySet<string>;
  /** SENDs this side sends. */
  readonly outgoingSends: ReadonlySet<string>;
  /** `<Action>Request` validators by action. */
  readonly requestValidators: ReadonlyMap<string, Validator<unknown>>;
  /** `<Action>Response` validators by action. */
  readonly responseValidators: ReadonlyMap<string, Validator<unknown>>;
}

const actionTables = new WeakMap<VersionSide, ActionTable>();

function receives(side: Side, direction: Direction): 'call' | 'send' | undefined {
  switch (direction) {
    case 'both':
      return 'call';
    case 'cp-to-csms':
      return side === 'csms' ? 'call' : undefined;
    case 'csms-to-cp':
      return side === 'charge-point' ? 'call' : undefined;
    case 'send-cp-to-csms':
      return side === 'csms' ? 'send' : undefined;
  }
}

/** The action table of one version and side (cached per `VersionSide` object). */
export function actionTable(versionSide: VersionSide): ActionTable {
  const cached = actionTables.get(versionSide);
  if (cached !== undefined) return cached;
  const { side, validators } = versionSide;
  const other: Side = side === 'csms' ? 'charge-point' : 'csms';
  const table = {
    version: versionSide.protocol.subprotocol,
    side,
    validators,
    actions: new Set<string>(),
    incomingCalls: new Set<string>(),
    incomingSends: new Set<string>(),
    outgoingCalls: new Set<string>(),
    outgoingSends: new Set<string>(),
    requestValidators: new Map<string, Validator<unknown>>(),
    responseValidators: new Map<string, Validator<unknown>>(),
  };
  for (const [action, direction] of Object.entries(versionSide.protocol.actions)) {
    table.actions.add(action);
    const request = validatorFor(validators, `${action}Request`);
    if (request !== undefined) table.requestValidators.set(action, request);
    const response = validatorFor(validators, `${action}Response`);
    if (response !== undefined) table.responseValidators.set(action, response);
    const rx = receives(side, direction);
    if (rx === 'call') table.incomingCalls.add(action);
    else if (rx === 'send') table.incomingSends.add(action);
    const tx = receives(other, direction);
    if (tx === 'call') table.outgoingCalls.add(action);
    else if (tx === 'send') table.outgoingSends.add(action);
  }
  actionTables.set(versionSide, table);
  return table;
}

/** The validator named `name` (`BootNotificationRequest`), if the table has it. */
export function validatorFor(table: ValidatorTable, name: string): Validator<unknown> | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** How one incoming action is handled. */
export interface Route {
  readonly action: string;
  readonly kind: 'call' | 'send';
  readonly handler: (request: object, context: HandlerContext) => unknown;
  /** Validation skipped for this handler (`@on(..., { skipValidation: true })`). */
  readonly skipValidation: boolean;
  readonly after: readonly ((request: object, context: AfterContext<object>) => unknown)[];
  readonly requestValidator: Validator<unknown> | undefined;
  readonly responseValidator: Validator<unknown> | undefined;
}

export type RouteTable = ReadonlyMap<string, Route>;

/** Where handlers are read from: a class (its prototype chain up to `base`) or an object (its own, up to `base`). */
export type HandlerSource = { readonly prototype: unknown; readonly name: string } | object;

type AnyFunction = (...args: never[]) => unknown;
interface Found {
  handler: AnyFunction;
  skipValidation: boolean;
  where: string;
}

const routeTables = new WeakMap<object, { table: ActionTable; routes: RouteTable }>();
const SIDE_NAMES: Readonly<Record<Side, string>> = { csms: 'a CSMS', 'charge-point': 'a charge point' };

/** A method name the router reads as a handler by its name alone: `on` and an upper-case letter. */
const HANDLER_NAME = /^on[A-Z]/;

/**
 * The route table of `source` for `table`'s side, built on first use and cached per source. For a class, its
 * prototype chain is read up to, not including, `base`; for an object, the object and its prototypes up to `base`
 * (default: up to `Object.prototype`). Throws a TypeError naming the method for a handler of an
 * action this side never receives, for a method named `on…` that matches no action (with the closest action's
 * name), for two handlers of one action, and for an `@after` without a handler.
 */
export function routeTable(
  source: HandlerSource,
  table: ActionTable,
  base: object | null = Object.prototype,
): RouteTable {
  const cached = routeTables.get(source);
  if (cached !== undefined && cached.table === table) return cached.routes;

  const isClass = typeof source === 'function';
  const levels: object[] = [];
  for (let level = (isClass ? source.prototype : source) as object | null; level !== null && level !== base; ) {
    levels.push(level);
    level = Object.getPrototypeOf(level) as object | null;
  }
  const owner = isClass ? source.name || 'anonymous class' : ownerName(source);

  const checkIncoming = (action: string, where: string, kind: 'on' | 'after'): void => {
    if (!table.actions.has(action)) {
      throw new TypeError(`${owner}.${where}: "${action}" is not an action of ${table.version}`);
    }
    if (table.incomingCalls.has(action)) return;
    if (!table.incomingSends.has(action)) {
      throw new TypeError(`${owner}.${where}: ${SIDE_NAMES[table.side]} never receives "${action}" (${table.version})`);
    }
    if (kind === 'after') throw new TypeError(`${owner}.${where}: @after does not apply to the SEND "${action}"`);
  };

  const seen = new Set<PropertyKey>();
  const handlers = new Map<string, Found>();
  // after handlers per level, most derived level first
  const afterLevels: Map<string, AnyFunction[]>[] = [];
  for (const level of levels) {
    const levelHandlers = new Map<string, Found>();
    const levelAfter = new Map<string, AnyFunction[]>();
    for (const key of Reflect.ownKeys(level)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key);
      const fn: unknown = Object.getOwnPropertyDescriptor(level, key)?.value;
      if (typeof fn !== 'function') continue;
      const name = String(key);
      let found = registrationsOf(fn as AnyFunction);
      if (found === undefined && typeof key === 'string' && HANDLER_NAME.test(key)) {
        const action = key.slice(2);
        if (!table.actions.has(action)) throw new TypeError(misspeltHandler(owner, key, table));
        found = [{ kind: 'on', action, skipValidation: false }];
      }
      for (const r of found ?? []) {
        checkIncoming(r.action, name, r.kind);
        if (r.kind === 'after') {
          const list = levelAfter.get(r.action);
          if (list === undefined) levelAfter.set(r.action, [fn as AnyFunction]);
          else list.push(fn as AnyFunction);
          continue;
        }
        const other = levelHandlers.get(r.action);
        if (other !== undefined && other.handler !== fn) {
          throw new TypeError(`${owner}: "${r.action}" has two handlers, ${other.where} and ${name}`);
        }
        levelHandlers.set(r.action, { handler: fn as AnyFunction, skipValidation: r.skipValidation, where: name });
      }
    }
    for (const [action, h] of levelHandlers) if (!handlers.has(action)) handlers.set(action, h);
    afterLevels.push(levelAfter);
  }

  const routes = new Map<string, Route>();
  for (const [action, h] of handlers) {
    const after: AnyFunction[] = [];
    for (let i = afterLevels.length - 1; i >= 0; i--) after.push(...(afterLevels[i]?.get(action) ?? []));
    const kind = table.incomingCalls.has(action) ? 'call' : 'send';
    routes.set(action, {
      action,
      kind,
      handler: h.handler as unknown as Route['handler'],
      skipValidation: h.skipValidation,
      after: after as unknown as Route['after'],
      requestValidator: table.requestValidators.get(action),
      responseValidator: kind === 'call' ? table.responseValidators.get(action) : undefined,
    });
  }
  for (const level of afterLevels) {
    for (const action of level.keys()) {
      if (!routes.has(action)) throw new TypeError(`${owner}: @after("${action}") without a handler for "${action}"`);
    }
  }
  routeTables.set(source, { table, routes });
  return routes;
}

/** How errors name an object of handlers: its class, if it has one of its own. */
function ownerName(source: object): string {
  const name = (source as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'handlers';
}

/** The error for a method named `on…` that is no action: it names the method and the closest action received. */
function misspeltHandler(owner: string, method: string, table: ActionTable): string {
  const name = method.slice(2);
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const action of [...table.incomingCalls, ...table.incomingSends]) {
    const distance = editDistance(name.toLowerCase(), action.toLowerCase());
    if (distance < bestDistance) {
      best = action;
      bestDistance = distance;
    }
  }
  // a suggestion only when it is plausibly the same word: at most a third of its letters differ
  const hint = bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? ` Did you mean on${best}?` : '';
  return (
    `${owner}.${method}: "${name}" is not an action of ${table.version}, so ${method} would never be called.${hint} ` +
    '(Methods named on<Upper-case letter> are read as handlers; rename a helper method that is not one.)'
  );
}

/** Levenshtein distance (insertions, deletions, substitutions), on one row. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] as number;
}
