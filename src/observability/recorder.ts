/**
 * Writing a trace: JSON Lines appended to files in one directory, a new file when one passes `maxFileBytes`, the
 * oldest deleted beyond `maxFiles`, so a recording never holds more than about `maxFiles × maxFileBytes` on disk.
 * Lines wait in memory only while the disk is behind, up to `maxBufferedBytes`; beyond that they are dropped and
 * counted rather than let memory grow.
 */
import { createWriteStream, mkdirSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { isTraceFileName, traceFileName } from './trace-record.ts';

/** How big a recording may grow. */
export interface RotationOptions {
  /** Start a new file once one has this many bytes. Default 16 MiB. */
  maxFileBytes?: number;
  /** Keep at most this many files; the oldest are deleted. Default 8. */
  maxFiles?: number;
  /** Drop lines (counted in `dropped`) while this many bytes wait for the disk. Default 8 MiB. */
  maxBufferedBytes?: number;
}

export class RotatingWriter {
  readonly dir: string;
  /** Lines dropped because the disk was behind. */
  dropped = 0;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;
  readonly #maxBuffered: number;
  readonly #startedAt = new Date();
  #sequence = 0;
  #stream: WriteStream | undefined = undefined;
  #bytes = 0;
  #closed = false;

  constructor(dir: string, options: RotationOptions = {}) {
    this.dir = dir;
    this.#maxFileBytes = positive('maxFileBytes', options.maxFileBytes ?? 16 * 1024 * 1024);
    this.#maxFiles = positive('maxFiles', options.maxFiles ?? 8);
    this.#maxBuffered = positive('maxBufferedBytes', options.maxBufferedBytes ?? 8 * 1024 * 1024);
    mkdirSync(dir, { recursive: true });
  }

  /** Appends one line (ending with `\n`). */
  write(line: string): void {
    if (this.#closed) return;
    if (this.#stream === undefined || this.#bytes >= this.#maxFileBytes) this.#rotate();
    const stream = this.#stream as WriteStream;
    if (stream.writableLength >= this.#maxBuffered) {
      this.dropped++;
      return;
    }
    this.#bytes += Buffer.byteLength(line);
    stream.write(line);
  }

  /** Writes what waits and closes the file. */
  close(): Promise<void> {
    this.#closed = true;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream === undefined) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }

  #rotate(): void {
    this.#stream?.end();
    this.#prune(this.#maxFiles - 1);
    this.#sequence++;
    const file = join(this.dir, traceFileName(this.#startedAt, this.#sequence));
    const stream = createWriteStream(file, { flags: 'a' });
    stream.on('error', () => {
      // a full or vanished disk: what cannot be written is counted as dropped from now on
      this.#closed = true;
    });
    this.#stream = stream;
    this.#bytes = 0;
  }

  /** Deletes the oldest trace files but `keep` (names sort by start time, then sequence). */
  #prune(keep: number): void {
    const files = readdirSync(this.dir).filter(isTraceFileName).sort();
    for (const name of files.slice(0, Math.max(0, files.length - keep))) {
      rmSync(join(this.dir, name), { force: true });
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
