/** The CALLRESULT frame of a handler's result, or why there can be none. */
import { isJsonObject, serializeCallResult } from '../framing.ts';
import { CallResult } from '../messages.ts';
import type { ValidationIssue } from '../protocol.ts';
import type { Route } from '../router.ts';
import { validate } from '../validation.ts';
import type { Wire } from './wire.ts';

/** Why a result cannot be sent: it fails the response schema (`issue`), or cannot be checked or serialised. */
export type UnsendableResult = { issue: ValidationIssue; error?: undefined } | { issue?: undefined; error: unknown };

/**
 * The CALLRESULT of `result` (a payload, or a `CallResult` of the same action), checked against the response
 * schema unless validation is off for the connection or the route.
 */
export function responseFrame(
  wire: Pick<Wire, 'validate' | 'lenient'>,
  route: Route,
  action: string,
  messageId: string,
  result: unknown,
): string | UnsendableResult {
  let payload: unknown = result;
  if (result instanceof CallResult) {
    payload = result.payload;
    if (result.action !== action) {
      return {
        issue: { keyword: 'action', instancePath: '', params: { action: result.action }, message: 'wrong action' },
      };
    }
  }
  if (!isJsonObject(payload)) {
    return { issue: { keyword: 'type', instancePath: '', params: { type: 'object' }, message: 'must be object' } };
  }
  try {
    if (wire.validate && !route.skipValidation) {
      const issue = validate(route.responseValidator, payload, wire.lenient);
      if (issue !== undefined) return { issue };
    }
    return serializeCallResult(messageId, payload);
  } catch (error) {
    return { error };
  }
}
