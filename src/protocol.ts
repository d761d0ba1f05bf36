/**
 * What the runtime needs to know about one OCPP version. Each `generated/<version>/` folder provides it:
 * the action table as data (`protocol`) and the per-direction type maps. The runtime is generic over it.
 */

/** Which side sends an action's request. `send-cp-to-csms`: a 2.1 SEND message, never answered. */
export type Direction = 'cp-to-csms' | 'csms-to-cp' | 'both' | 'send-cp-to-csms';

/** The WebSocket subprotocol of each OCPP version ocppkit speaks. */
export type Subprotocol = 'ocpp1.6' | 'ocpp2.0.1' | 'ocpp2.1';

/** One ajv validation error, as much of it as ocppkit reads. */
export interface ValidationIssue {
  /** The JSON Schema keyword that failed (`required`, `maxLength`, `enum`, …). */
  keyword: string;
  /** JSON Pointer to the failing value in the payload (`/idTagInfo/status`; empty for the payload itself). */
  instancePath: string;
  /** A human-readable message (`must have required property 'idTag'`). */
  message?: string;
  /** The keyword's details (`{ missingProperty: 'idTag' }`, `{ limit: 20 }`). */
  params: Record<string, unknown>;
}

/** A validator compiled ahead of time: a type guard that leaves its first error in `errors`. */
export type Validator<T> = ((data: unknown) => data is T) & {
  /** The errors of the last call that failed; `null` after one that passed. */
  errors?: ValidationIssue[] | null;
};

/** The run-time description of a version, generated as `protocol` in `generated/<version>/actions.ts`. */
export interface ProtocolSpec {
  /** The version's WebSocket subprotocol. */
  readonly subprotocol: Subprotocol;
  /** Every action of the version and who sends its request. */
  readonly actions: Readonly<Record<string, Direction>>;
}

/** The validators of a version, keyed `<Action>Request` / `<Action>Response` (generated `validators.js`). */
export type ValidatorTable = Readonly<Record<string, Validator<unknown>>>;

/** A keyed map `{ BootNotification: { request; response } }` of one direction of one version. */
export type ActionMap = { [action: string]: { request: object; response: object } };

/** A keyed map of SEND messages (2.1): requests only. */
export type SendMap = { [action: string]: { request: object } };
