/**
 * The handler decorators and the types that check handlers against a version.
 *
 * Handlers are declared two ways: standard decorators (`@on(Action.X)`, `@after(Action.X)`) and methods named
 * `on<Action>` (the generated handler interfaces). Decorators record the method function in a module-level WeakMap
 * when the class is defined; the router (`router.ts`) reads them when it builds a class's route table.
 */
import type { AfterContext, HandlerContext, HandlerResult } from './messages.ts';

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

/** What a decorator recorded on a method. */
export interface Registration {
  readonly kind: 'on' | 'after';
  readonly action: string;
  readonly skipValidation: boolean;
}

type AnyFunction = (...args: never[]) => unknown;

const registrations = new WeakMap<AnyFunction, Registration[]>();

/** What the decorators recorded on `method`, if anything. */
export function registrationsOf(method: AnyFunction): readonly Registration[] | undefined {
  return registrations.get(method);
}

/** The message for a decorator applied the TypeScript `experimentalDecorators` way (target, key, descriptor). */
function legacyDecorators(kind: string, action: string, key: unknown): string {
  return (
    `@${kind}(${JSON.stringify(action)}) on ${String(key)}: this decorator was called as a legacy ` +
    '(experimentalDecorators) decorator. ocppkit uses standard ECMAScript decorators: remove ' +
    '"experimentalDecorators" (and "emitDecoratorMetadata") from tsconfig.json, with TypeScript 5.0 or later; ' +
    'or name the method on<Action> instead of decorating it.'
  );
}

function register(method: AnyFunction, context: ClassMethodDecoratorContext, registration: Registration): void {
  if (typeof context !== 'object' || context === null) {
    // legacy decorators pass (prototype, key, descriptor): the second argument is the method's name
    throw new TypeError(legacyDecorators(registration.kind, registration.action, context));
  }
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
