/** One line of a recorded trace (JSON Lines), and reading a trace back from files. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One frame as recorded: one line of a trace file. */
export interface TraceRecord {
  /** When the frame was received or sent (ISO 8601, UTC). */
  readonly time: string;
  /** The charge point's identity. */
  readonly identity: string;
  /** The subprotocol of the connection. */
  readonly protocol: string;
  /** `in`: the charge point sent it; `out`: the CSMS sent it. */
  readonly direction: 'in' | 'out';
  /** The frame: its JSON array, or its text when it was not JSON. */
  readonly frame: unknown;
}

/** One trace line for a frame's text. */
export function traceLine(identity: string, protocol: string, direction: 'in' | 'out', text: string): string {
  let frame: unknown = text;
  try {
    frame = JSON.parse(text);
  } catch {
    // kept as text: a bad frame is worth recording as it came
  }
  const record: TraceRecord = { time: new Date().toISOString(), identity, protocol, direction, frame };
  return `${JSON.stringify(record)}\n`;
}

/** The name of the n-th trace file a recording writes. */
export function traceFileName(startedAt: Date, sequence: number): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `ocpp-${stamp}-${String(sequence).padStart(6, '0')}.jsonl`;
}

/** Whether `name` is one a recording writes. */
export function isTraceFileName(name: string): boolean {
  return /^ocpp-\d{8}T\d{6}Z-\d{6}\.jsonl$/.test(name);
}

/**
 * The records of a trace: a `.jsonl` file, or a directory of them read in name order (a recording's rotated files).
 * Throws with the file and line of a line that is not a record.
 */
export function readTrace(path: string): TraceRecord[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.jsonl'))
        .sort()
        .map((name) => join(path, name))
    : [path];
  const records: TraceRecord[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      records.push(parseRecord(line, `${file}:${index + 1}`));
    });
  }
  return records;
}

function parseRecord(line: string, where: string): TraceRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  const record = value as Partial<TraceRecord> | null;
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof record.identity !== 'string' ||
    typeof record.protocol !== 'string' ||
    (record.direction !== 'in' && record.direction !== 'out') ||
    !('frame' in record)
  ) {
    throw new Error(`${where}: not a trace record (time, identity, protocol, direction, frame)`);
  }
  return record as TraceRecord;
}
