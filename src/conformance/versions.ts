/**
 * What the kit knows of each version: who sends each action, the validators of both directions, the error codes.
 * Loaded on demand, so a run of one version loads no other.
 */
import { V2_ERROR_CODES, V16_ERROR_CODES } from '../errors.ts';
import type { Direction, Subprotocol, ValidatorTable } from '../protocol.ts';

/** One version as the kit checks it. */
export interface VersionFacts {
  readonly protocol: Subprotocol;
  /** Every action and the side that sends its request. */
  readonly actions: Readonly<Record<string, Direction>>;
  /** `<Action>Request` / `<Action>Response` validators. */
  readonly validators: ValidatorTable;
  /** The error codes a CALLERROR of this version may carry. */
  readonly errorCodes: readonly string[];
}

/** The subprotocols the kit runs. */
export const CONFORMANCE_PROTOCOLS: readonly Subprotocol[] = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'];

/** Loads one version's facts. */
export async function loadVersion(protocol: Subprotocol): Promise<VersionFacts> {
  switch (protocol) {
    case 'ocpp1.6': {
      const [{ protocol: spec }, { validators }] = await Promise.all([
        import('../../generated/v16/actions.ts'),
        import('../../generated/v16/validators.ts'),
      ]);
      return { protocol, actions: spec.actions, validators, errorCodes: V16_ERROR_CODES };
    }
    case 'ocpp2.0.1': {
      const [{ protocol: spec }, { validators }] = await Promise.all([
        import('../../generated/v201/actions.ts'),
        import('../../generated/v201/validators.ts'),
      ]);
      return { protocol, actions: spec.actions, validators, errorCodes: V2_ERROR_CODES };
    }
    case 'ocpp2.1': {
      const [{ protocol: spec }, { validators }] = await Promise.all([
        import('../../generated/v21/actions.ts'),
        import('../../generated/v21/validators.ts'),
      ]);
      return { protocol, actions: spec.actions, validators, errorCodes: V2_ERROR_CODES };
    }
    default:
      throw new TypeError(`unknown subprotocol ${String(protocol)}: use ${CONFORMANCE_PROTOCOLS.join(', ')}`);
  }
}

/** Whether the side `sender` may send a CALL (or SEND) of `action`. */
export function maySend(facts: VersionFacts, action: string, sender: 'csms' | 'charge-point'): boolean {
  const direction = facts.actions[action];
  if (direction === undefined) return false;
  if (direction === 'both') return true;
  return sender === 'csms' ? direction === 'csms-to-cp' : direction === 'cp-to-csms';
}

/** Where OCPP-J lists its error codes: 1.6 in its CALLERROR section, 2.x in a section of their own. */
export function errorCodesSection(protocol: Subprotocol): string {
  return protocol === 'ocpp1.6' ? 'OCPP-J 4.2.3' : 'OCPP-J 4.3';
}
