/**
 * Id continuity, followed across every message of a run rather than inside one case: a transaction keeps the id
 * it started with, its TransactionEvents count up one by one, a 1.6 CSMS gives every transaction an id of its own.
 */
import type { Subprotocol } from '../protocol.ts';
import type { Problem } from './types.ts';

/** Follows the messages of one run and reports what breaks continuity. */
export interface Monitor {
  /** A CALL of the peer arrived (already valid against its schema). */
  peerCall(action: string, payload: Record<string, unknown>): Problem[];
  /** The kit answered a CALL of the peer. */
  kitAnswer(action: string, request: Record<string, unknown>, response: object): void;
  /** The peer answered a CALL of the kit. */
  peerAnswer(action: string, request: object, response: Record<string, unknown>): Problem[];
}

/** A 2.x transaction as the kit (playing the CSMS) has seen it. */
interface SeenTransaction {
  seqNo: number;
  ended: boolean;
}

/** The monitor of a run where the kit plays the CSMS: it follows the charge point's transactions. */
export function chargePointMonitor(protocol: Subprotocol): Monitor {
  const v2 = new Map<string, SeenTransaction>();
  // 1.6: the ids the kit gave, and whether each transaction stopped
  const v16 = new Map<number, { stopped: boolean }>();
  return {
    peerCall(action, payload) {
      if (protocol !== 'ocpp1.6' && action === 'TransactionEvent') return transactionEvent(v2, payload);
      if (protocol === 'ocpp1.6' && (action === 'StopTransaction' || action === 'MeterValues')) {
        const id = payload.transactionId;
        if (typeof id !== 'number') return [];
        const known = v16.get(id);
        if (known === undefined) {
          return [
            {
              rule: `${action} names transaction ${id}, which the CSMS never gave in a StartTransaction answer`,
              requirement: 'OCPP 1.6 6.49',
            },
          ];
        }
        if (known.stopped)
          return [
            { rule: `${action} names transaction ${id}, which was already stopped`, requirement: 'OCPP 1.6 4.10' },
          ];
        if (action === 'StopTransaction') known.stopped = true;
      }
      return [];
    },
    kitAnswer(action, _request, response) {
      if (protocol === 'ocpp1.6' && action === 'StartTransaction') {
        const id = (response as { transactionId?: unknown }).transactionId;
        if (typeof id === 'number') v16.set(id, { stopped: false });
      }
    },
    peerAnswer: () => [],
  };
}

function transactionEvent(seen: Map<string, SeenTransaction>, payload: Record<string, unknown>): Problem[] {
  const info = payload.transactionInfo as { transactionId?: unknown } | undefined;
  const id = String(info?.transactionId);
  const seqNo = payload.seqNo as number;
  const known = seen.get(id);
  if (known === undefined) {
    seen.set(id, { seqNo, ended: payload.eventType === 'Ended' });
    if (payload.eventType === 'Started') return [];
    return [
      {
        rule: `a TransactionEvent (${String(payload.eventType)}) for transaction "${id}", which never started: a transaction keeps the id it started with`,
        requirement: 'E01',
      },
    ];
  }
  const problems: Problem[] = [];
  if (known.ended)
    problems.push({ rule: `a TransactionEvent for transaction "${id}" after its Ended event`, requirement: 'E06' });
  if (seqNo !== known.seqNo + 1) {
    problems.push({
      rule: `seqNo ${seqNo} after ${known.seqNo} in transaction "${id}": the charging station increases it by 1 after each TransactionEvent`,
      requirement: 'E01.FR.07',
    });
  }
  if (payload.eventType === 'Started')
    problems.push({ rule: `a second Started event for transaction "${id}"`, requirement: 'E01.FR.08' });
  known.seqNo = seqNo;
  if (payload.eventType === 'Ended') known.ended = true;
  return problems;
}

/** The monitor of a run where the kit plays a charge point: a 1.6 CSMS must give each transaction its own id. */
export function csmsMonitor(protocol: Subprotocol): Monitor {
  const given = new Set<number>();
  return {
    peerCall: () => [],
    kitAnswer: () => {},
    peerAnswer(action, _request, response) {
      if (protocol !== 'ocpp1.6' || action !== 'StartTransaction') return [];
      const id = response.transactionId;
      if (typeof id !== 'number') return [];
      if (given.has(id)) {
        return [
          {
            rule: `StartTransaction answered with transaction id ${id}, which the CSMS already gave to another transaction`,
            requirement: 'OCPP 1.6 6.46',
          },
        ];
      }
      given.add(id);
      return [];
    },
  };
}
