/**
 * What the 2.x CSMS case lists share: allowed statuses, tolerances, and a case of one CALL that must be confirmed.
 */
import { call, isoNow, oneOf } from '../script.ts';
import type { CaseContext, ConformanceCase } from '../types.ts';

export const AUTHORIZATION = [
  'Accepted',
  'Blocked',
  'ConcurrentTx',
  'Expired',
  'Invalid',
  'NoCredit',
  'NotAllowedTypeEVSE',
  'NotAtThisLocation',
  'NotAtThisTime',
  'Unknown',
];
export const CLOCK_TOLERANCE = 300;
export const token = (c: CaseContext, type = 'ISO14443') => ({ idToken: c.idTag, type });
export const component = (name: string) => ({ name });
export const idTokenInfo = oneOf('idTokenInfo.status', AUTHORIZATION, 'E01.FR.12');
/** A NotifyEvent payload reporting one event now, under a fresh event id. */
export const notifyEvent =
  (event: Record<string, unknown>) =>
  (c: CaseContext): object => ({
    generatedAt: isoNow(),
    seqNo: 0,
    eventData: [{ eventId: c.unique(), timestamp: isoNow(), ...event }],
  });
/** A case of one CALL that must be answered with a CALLRESULT. */
export const noCallError = (
  action: string,
  payload: object | ((c: CaseContext) => object),
  id: string,
  title: string,
  block: string,
  useCase: string,
  requirements?: string[],
): ConformanceCase => ({
  id,
  title,
  block,
  useCase,
  ...(requirements === undefined ? {} : { requirements }),
  steps: [call(action, payload)],
});
