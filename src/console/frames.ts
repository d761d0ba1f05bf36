/**
 * Reading frames for the console: the message type, id and action of a frame's text, and what the console shows of
 * some messages (a connector's status, a transaction's start, meter values and end), for every version.
 */
import type { FrameKind, MeterPoint } from './wire.ts';

/** A frame as the console reads it. */
export interface ReadFrame {
  readonly kind: FrameKind;
  readonly messageId: string | undefined;
  /** The action of a CALL or SEND. */
  readonly action: string | undefined;
  /** The payload of a CALL, SEND or CALLRESULT. */
  readonly payload: Record<string, unknown> | undefined;
}

const KINDS: Readonly<Record<number, FrameKind>> = {
  2: 'CALL',
  3: 'CALLRESULT',
  4: 'CALLERROR',
  5: 'CALLRESULTERROR',
  6: 'SEND',
};

const BAD: ReadFrame = { kind: 'BAD', messageId: undefined, action: undefined, payload: undefined };

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Reads a frame's text; anything unreadable is `BAD`. */
export function readFrame(text: string): ReadFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return BAD;
  }
  if (!Array.isArray(parsed) || typeof parsed[1] !== 'string') return BAD;
  const kind = KINDS[parsed[0] as number];
  if (kind === undefined) return BAD;
  const messageId = parsed[1];
  if (kind === 'CALL' || kind === 'SEND') {
    return { kind, messageId, action: String(parsed[2]), payload: asRecord(parsed[3]) };
  }
  return { kind, messageId, action: undefined, payload: kind === 'CALLRESULT' ? asRecord(parsed[2]) : undefined };
}

/** The connector and status a StatusNotification reports: `["1", "Available"]`, `["1/2", "Occupied"]` (2.x). */
export function statusOf(payload: Record<string, unknown>): [connector: string, status: string] | undefined {
  const status = payload.status ?? payload.connectorStatus;
  if (typeof status !== 'string') return undefined;
  const connector =
    payload.evseId === undefined ? `${payload.connectorId}` : `${payload.evseId}/${payload.connectorId}`;
  return [connector, status];
}

function timeOf(value: unknown, fallback: number): number {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(time) ? time : fallback;
}

/**
 * The energy readings (Wh) of a `meterValue` array of any version: sampled values of
 * `Energy.Active.Import.Register` (the default measurand), in Wh or kWh (1.6 `unit`, 2.x `unitOfMeasure`).
 */
export function energyReadings(meterValue: unknown, fallback: number): MeterPoint[] {
  if (!Array.isArray(meterValue)) return [];
  const points: MeterPoint[] = [];
  for (const entry of meterValue) {
    const record = asRecord(entry);
    if (!record || !Array.isArray(record.sampledValue)) continue;
    const time = timeOf(record.timestamp, fallback);
    for (const sample of record.sampledValue) {
      const value = asRecord(sample);
      if (!value) continue;
      const measurand = value.measurand ?? 'Energy.Active.Import.Register';
      if (measurand !== 'Energy.Active.Import.Register') continue;
      const unitOfMeasure = asRecord(value.unitOfMeasure);
      const unit = value.unit ?? unitOfMeasure?.unit ?? 'Wh';
      const multiplier = 10 ** Number(unitOfMeasure?.multiplier ?? 0);
      const reading = Number(value.value) * multiplier * (unit === 'kWh' ? 1000 : 1);
      if (Number.isFinite(reading)) points.push({ time, wh: reading });
    }
  }
  return points;
}

/** What a message says of a transaction. `id` undefined: 1.6's StartTransaction, whose id comes in the answer. */
export interface TransactionNews {
  readonly id: string | undefined;
  readonly started: number | undefined;
  readonly ended: number | undefined;
  readonly meter: readonly MeterPoint[];
}

/** What a request the charge point sent says of a transaction, for every version; `undefined`: nothing. */
export function transactionNews(
  action: string,
  payload: Record<string, unknown>,
  now: number,
): TransactionNews | undefined {
  switch (action) {
    case 'StartTransaction': {
      const started = timeOf(payload.timestamp, now);
      return { id: undefined, started, ended: undefined, meter: [{ time: started, wh: Number(payload.meterStart) }] };
    }
    case 'StopTransaction': {
      const ended = timeOf(payload.timestamp, now);
      const meter = [...energyReadings(payload.transactionData, now), { time: ended, wh: Number(payload.meterStop) }];
      return { id: String(payload.transactionId), started: undefined, ended, meter };
    }
    case 'MeterValues':
      if (payload.transactionId === undefined) return undefined;
      return {
        id: String(payload.transactionId),
        started: undefined,
        ended: undefined,
        meter: energyReadings(payload.meterValue, now),
      };
    case 'TransactionEvent': {
      const id = asRecord(payload.transactionInfo)?.transactionId;
      if (typeof id !== 'string') return undefined;
      const time = timeOf(payload.timestamp, now);
      return {
        id,
        started: payload.eventType === 'Started' ? time : undefined,
        ended: payload.eventType === 'Ended' ? time : undefined,
        meter: energyReadings(payload.meterValue, now),
      };
    }
    default:
      return undefined;
  }
}
