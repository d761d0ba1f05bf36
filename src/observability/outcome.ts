/** The outcome of an outgoing CALL from what it rejected with: the error code of a CALLERROR, or what happened. */
import {
  CallAbortedError,
  CallError,
  CallTimeoutError,
  ConnectionClosedError,
  RequestValidationError,
} from '../errors.ts';
import { OUTCOME } from './names.ts';

export function outcomeOf(error: unknown): string {
  if (error instanceof CallError) return error.code;
  if (error instanceof CallTimeoutError) return OUTCOME.timeout;
  if (error instanceof ConnectionClosedError) return OUTCOME.closed;
  if (error instanceof CallAbortedError) return OUTCOME.aborted;
  if (error instanceof RequestValidationError) return OUTCOME.invalidRequest;
  // the cluster's errors carry a code of their own (ClusterTimeoutError, ChargePointNotConnectedError, …)
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== 'Error' && name !== 'TypeError' ? name : OUTCOME.failed;
}
