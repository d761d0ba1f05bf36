/**
 * Handler registration and routing.
 *
 * Handlers are declared two ways: standard decorators (`@on(Action.X)`, `@after(Action.X)`) and methods named
 * `on<Action>` (the generated handler interfaces). Decorators record the method function in a module-level WeakMap
 * when the class is defined; the route table of a class is built once, on its first instance, by walking its
 * prototype chain, and cached per constructor. Instances hold no handler table of their own.
 */
import type { AfterContext, HandlerContext, HandlerResult } from './messages.ts';
import type { Direction, ProtocolSpec, Subprotocol, Validator, ValidatorTable } from './protocol.ts';

/** A version's request/response map, as an interface or a type (no index signature needed). */
export type ActionsOf<M> = { [K in keyof M]: { request: object; response: object } };
/** A version's SEND map (2.1): requests only. */
export type SendsOf<M> = { [K in keyof M]: { request: object } };

/**
 * The key of the type-only member that carries an endpoint's maps, so that decorators can check a method against
 * the class it decorates. Never set at run time.
 */
export const kMaps: unique symbol = Symbol('ocppkit.maps');

/** The maps an endpoint class is bound to: what it receives and what it sends. */
export interface EndpointMaps<In, Out, SendIn, SendOut> {
  /** CALLs this side handles. */
  incoming: In;
  /** CALLs this side makes. */
  outgoing: Out;
  /** SEND messages this side receives (2.1). */
  sendIn: SendIn;
  /** SEND messages this side sends (2.1). */
  sendOut: SendOut;
}

type MapsOf<This> = This extends { readonly [kMaps]: infer M } ? M : never;

/** The method type `@on(action)` accepts on class `This`: the action's request in, its response out. */
export type HandlerFor<This, A extends string> =
  MapsOf<This> extends { incoming: infer In; sendIn: infer SIn }
    ? A extends keyof In
      ? In[A] extends { request: infer Q; response: infer R extends object }
        ? (this: This, request: Q, context: HandlerContext) => HandlerResult<A, R>
        : never
      : A extends keyof SIn
        ? SIn[A] extends { request: infer Q }
          ? (this: This, request: Q, context: HandlerContext) => void | Promise<void>
          : never
        : never
    : never;

/** The method type `@after(action)` accepts on class `This`: the request and the response that was sent. */
export type AfterHandlerFor<This, A extends string> =
  MapsOf<This> extends { incoming: infer In }
    ? A extends keyof In
      ? In[A] extends { request: infer Q; response: infer R }
        ? (this: This, request: Q, context: AfterContext<R>) => void | Promise<void>
        : never
      : never
    : never;

/** Options of `@on`. */
export interface HandlerOptions {
  /**
   * Do not validate this action's incoming request nor the response the handler returns, for chargers that break
   * the schema.
   */
  skipValidation?: boolean;
}

/** The context a decorator of a public instance method gets. */
export type MethodDecoratorContext<This> = ClassMethodDecoratorContext<This> & {
  readonly static: false;
  readonly private: false;
};

/** `@on(action, options?)`, with the actions of one version. */
export type OnDecorator<Actions extends string> = <A extends Actions>(
  action: A,
  options?: HandlerOptions,
) => <This, F extends HandlerFor<This, A>>(method: F, context: MethodDecoratorContext<This>) => void;

/** `@after(action)`, with the actions of one version. */
export type AfterDecorator<Actions extends string> = <A extends Actions>(
  action: A,
) => <This, F extends AfterHandlerFor<This, A>>(method: F, context: MethodDecoratorContext<This>) => void;

interface Registration {
  readonly kind: 'on' | 'after';
  readonly action: string;
  readonly skipValidation: boolean;
}

type AnyFunction = (...args: never[]) => unknown;

const registrations = new WeakMap<AnyFunction, Registration[]>();

function register(method: AnyFunction, context: ClassMethodDecoratorContext, registration: Registration): void {
  const where = `@${registration.kind}(${JSON.stringify(registration.action)}) on ${String(context.name)}`;
  if (context.kind !== 'method') throw new TypeError(`${where}: only methods can be handlers`);
  if (context.static) throw new TypeError(`${where}: a handler must be an instance method, not static`);
  if (context.private) throw new TypeError(`${where}: a handler cannot be a #private method`);
  if (typeof registration.action !== 'string') throw new TypeError(`${where}: the action must be a string`);
  const list = registrations.get(method);
  if (list === undefined) registrations.set(method, [registration]);
  else list.push(registration);
}

/** Register the decorated method as the handler of `action` (a CALL, or on 2.1 a SEND). */
export const on: OnDecorator<string> = (action, options) => (method, context) =>
  register(method as AnyFunction, context as ClassMethodDecoratorContext, {
    kind: 'on',
    action,
    skipValidation: options?.skipValidation === true,
  });

/**
 * Register the decorated method to run after the response to `action` was sent. Several may exist for one action:
 * they run one after the other, base class first, then in declaration order. Their errors go to the `handler:error`
 * event and the logger, never to the peer.
 */
export const after: AfterDecorator<string> = (action) => (method, context) =>
  register(method as AnyFunction, context as ClassMethodDecoratorContext, {
    kind: 'after',
    action,
    skipValidation: false,
  });

/** Which side of the connection an endpoint is. */
export type Side = 'csms' | 'charge-point';

/** What binds the generic runtime to one version and one side. */
export interface EndpointBinding {
  readonly protocol: ProtocolSpec;
  readonly validators: ValidatorTable;
  readonly side: Side;
}

/** A binding prepared for the hot path. Built once per binding object. */
export interface CompiledBinding {
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

const compiledBindings = new WeakMap<EndpointBinding, CompiledBinding>();

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

function sends(side: Side, direction: Direction): 'call' | 'send' | undefined {
  return receives(side === 'csms' ? 'charge-point' : 'csms', direction);
}

export function compileBinding(binding: EndpointBinding): CompiledBinding {
  let compiled = compiledBindings.get(binding);
  if (compiled !== undefined) return compiled;
  const actions = new Set<string>();
  const incomingCalls = new Set<string>();
  const incomingSends = new Set<string>();
  const outgoingCalls = new Set<string>();
  const outgoingSends = new Set<string>();
  const requestValidators = new Map<string, Validator<unknown>>();
  const responseValidators = new Map<string, Validator<unknown>>();
  for (const [action, direction] of Object.entries(binding.protocol.actions)) {
    actions.add(action);
    const request = validatorFor(binding.validators, `${action}Request`);
    if (request !== undefined) requestValidators.set(action, request);
    const response = validatorFor(binding.validators, `${action}Response`);
    if (response !== undefined) responseValidators.set(action, response);
    const rx = receives(binding.side, direction);
    if (rx === 'call') incomingCalls.add(action);
    else if (rx === 'send') incomingSends.add(action);
    const tx = sends(binding.side, direction);
    if (tx === 'call') outgoingCalls.add(action);
    else if (tx === 'send') outgoingSends.add(action);
  }
  compiled = {
    version: binding.protocol.subprotocol,
    side: binding.side,
    validators: binding.validators,
    actions,
    incomingCalls,
    incomingSends,
    outgoingCalls,
    outgoingSends,
    requestValidators,
    responseValidators,
  };
  compiledBindings.set(binding, compiled);
  return compiled;
}

/** The validator named `name` (`BootNotificationRequest`), if the table has it. */
export function validatorFor(table: ValidatorTable, name: string): Validator<unknown> | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** How one incoming action is handled by one class. */
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

const routeTables = new WeakMap<object, { binding: CompiledBinding; routes: RouteTable }>();

const SIDE_NAMES: Readonly<Record<Side, string>> = { csms: 'a CSMS', 'charge-point': 'a charge point' };

interface Found {
  handler: AnyFunction;
  skipValidation: boolean;
  where: string;
}

/**
 * The route table of the class `ctor` (handlers up to, not including, `stop`), built on first use and cached.
 * Throws a TypeError naming the method when a handler is for an action this side never receives.
 */
export function routeTable(
  ctor: { readonly prototype: unknown; readonly name: string },
  stop: object,
  binding: CompiledBinding,
): RouteTable {
  const cached = routeTables.get(ctor);
  if (cached !== undefined && cached.binding === binding) return cached.routes;

  const levels: object[] = [];
  for (let proto: object | null = ctor.prototype as object; proto !== null && proto !== stop; ) {
    levels.push(proto);
    proto = Object.getPrototypeOf(proto) as object | null;
  }

  const className = ctor.name || 'anonymous class';
  const side = SIDE_NAMES[binding.side];
  const checkIncoming = (action: string, where: string, kind: 'on' | 'after'): 'call' | 'send' => {
    if (!binding.actions.has(action)) {
      throw new TypeError(`${className}.${where}: "${action}" is not an action of ${binding.version}`);
    }
    if (binding.incomingCalls.has(action)) return 'call';
    if (binding.incomingSends.has(action)) {
      if (kind === 'after') throw new TypeError(`${className}.${where}: @after does not apply to the SEND "${action}"`);
      return 'send';
    }
    throw new TypeError(`${className}.${where}: ${side} never receives "${action}" (${binding.version})`);
  };

  const seen = new Set<PropertyKey>();
  const handlers = new Map<string, Found>();
  // after handlers per level, most derived level first
  const afterLevels: Map<string, AnyFunction[]>[] = [];
  for (const proto of levels) {
    const levelHandlers = new Map<string, Found>();
    const levelAfter = new Map<string, AnyFunction[]>();
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key);
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      const fn: unknown = descriptor?.value;
      if (typeof fn !== 'function') continue;
      const name = String(key);
      const regs = registrations.get(fn as AnyFunction);
      const found: { action: string; kind: 'on' | 'after'; skipValidation: boolean }[] = [];
      if (regs !== undefined) {
        for (const r of regs) found.push(r);
      } else if (typeof key === 'string' && key.length > 2 && key.startsWith('on')) {
        const action = key.slice(2);
        if (binding.actions.has(action)) found.push({ action, kind: 'on', skipValidation: false });
      }
      for (const r of found) {
        checkIncoming(r.action, name, r.kind);
        if (r.kind === 'after') {
          const list = levelAfter.get(r.action);
          if (list === undefined) levelAfter.set(r.action, [fn as AnyFunction]);
          else list.push(fn as AnyFunction);
          continue;
        }
        const other = levelHandlers.get(r.action);
        if (other !== undefined && other.handler !== fn) {
          throw new TypeError(`${className}: "${r.action}" has two handlers, ${other.where} and ${name}`);
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
    const kind = binding.incomingCalls.has(action) ? 'call' : 'send';
    routes.set(action, {
      action,
      kind,
      handler: h.handler as unknown as Route['handler'],
      skipValidation: h.skipValidation,
      after: after as unknown as Route['after'],
      requestValidator: binding.requestValidators.get(action),
      responseValidator: kind === 'call' ? binding.responseValidators.get(action) : undefined,
    });
  }
  for (const level of afterLevels) {
    for (const action of level.keys()) {
      if (!routes.has(action)) {
        throw new TypeError(`${className}: @after("${action}") without a handler for "${action}"`);
      }
    }
  }
  routeTables.set(ctor, { binding, routes });
  return routes;
}
