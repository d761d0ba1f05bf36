/**
 * `FileQueueStore`: the queue kept in a file, safe across crashes and power loss. The file is an append-only log,
 * one record a line (`add`, `update`, `remove`), each with a checksum; every write is flushed to the disk (fsync)
 * before it counts, and the folder is flushed when the file is created or replaced. When the removed records
 * outnumber the live ones, the log is rewritten to a temporary file, flushed, and renamed into place.
 *
 * Reading it back: a last line cut short is a write the crash interrupted (it never counted) and is cut off. Any
 * other damage (a checksum that does not match, a line that does not parse) is corruption: `load()` throws
 * `QueueStoreCorruptError` saying where, and the store refuses every write from then on, so the file is kept as it
 * is for inspection, never emptied.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, truncate } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { QueuedMessage, QueueStore } from './queue.ts';

/** The store's file is damaged somewhere other than a last line cut short by a crash. */
export class QueueStoreCorruptError extends Error {
  override readonly name = 'QueueStoreCorruptError';
  /**
   * The error for a damaged store file.
   * @param path the store's file
   * @param line the first damaged line (1-based)
   * @param reason what is wrong with it
   */
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`Queue store ${path} is corrupt at line ${line}: ${reason}; it is left as it is and not written to`);
  }
}

/** Settings of a `FileQueueStore`. */
export interface FileQueueStoreOptions {
  /** Rewrite the log when it holds more than this many records besides the live messages. Default 1000. */
  compactAfter?: number;
}

type LogRecord =
  | { op: 'add'; message: QueuedMessage }
  | { op: 'update'; id: string; attempts: number }
  | { op: 'remove'; id: string };

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function line(record: LogRecord): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

/** A queue store in one file; see the module's description. One store per file, one client per store. */
export class FileQueueStore implements QueueStore {
  readonly #path: string;
  readonly #compactAfter: number;
  readonly #messages = new Map<string, QueuedMessage>();
  #records = 0;
  #file: FileHandle | undefined = undefined;
  #failure: Error | undefined = undefined;
  /** Writes run one after the other. */
  #last: Promise<void> = Promise.resolve();

  /**
   * A store in `path`; nothing is read before `load()`.
   * @param path the file (created with its folder on the first write)
   */
  constructor(path: string, options: FileQueueStoreOptions = {}) {
    this.#path = path;
    this.#compactAfter = options.compactAfter ?? 1000;
  }

  /** The messages in the file, oldest first. Throws `QueueStoreCorruptError` when the file is damaged. */
  async load(): Promise<QueuedMessage[]> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.#failure = error as Error;
      throw error;
    }
    const end = text.lastIndexOf('\n') + 1;
    const lines = text.slice(0, end).split('\n');
    lines.pop();
    this.#messages.clear();
    for (const [index, entry] of lines.entries()) {
      const problem = this.#apply(entry);
      if (problem !== undefined) {
        this.#failure = new QueueStoreCorruptError(this.#path, index + 1, problem);
        throw this.#failure;
      }
    }
    this.#records = lines.length;
    if (end < text.length) await truncate(this.#path, Buffer.byteLength(text.slice(0, end)));
    return [...this.#messages.values()];
  }

  add(message: QueuedMessage): Promise<void> {
    this.#messages.set(message.id, message);
    return this.#append({ op: 'add', message });
  }

  update(message: QueuedMessage): Promise<void> {
    if (!this.#messages.has(message.id)) return Promise.resolve();
    this.#messages.set(message.id, message);
    return this.#append({ op: 'update', id: message.id, attempts: message.attempts });
  }

  remove(id: string): Promise<void> {
    if (!this.#messages.delete(id)) return Promise.resolve();
    return this.#append({ op: 'remove', id });
  }

  /** Closes the file; the next write opens it again. */
  close(): Promise<void> {
    return this.#run(async () => {
      await this.#file?.close();
      this.#file = undefined;
    });
  }

  /** One line of the log applied to the messages; what is wrong with it, if anything. */
  #apply(entry: string): string | undefined {
    const space = entry.indexOf(' ');
    const json = entry.slice(space + 1);
    if (space !== 16 || checksum(json) !== entry.slice(0, 16)) return 'checksum mismatch';
    let record: LogRecord;
    try {
      record = JSON.parse(json) as LogRecord;
    } catch {
      return 'not JSON';
    }
    const id = record.op === 'add' ? record.message?.id : record.id;
    if (typeof id !== 'string') return 'a record without an id';
    switch (record.op) {
      case 'add':
        this.#messages.set(record.message.id, record.message);
        return undefined;
      case 'update': {
        const message = this.#messages.get(record.id);
        if (message !== undefined) this.#messages.set(record.id, { ...message, attempts: record.attempts });
        return undefined;
      }
      case 'remove':
        this.#messages.delete(record.id);
        return undefined;
      default:
        return 'unknown record';
    }
  }

  #append(record: LogRecord): Promise<void> {
    return this.#run(async () => {
      const file = this.#file ?? (await this.#open());
      await file.appendFile(line(record));
      await file.datasync();
      this.#records++;
      if (this.#records - this.#messages.size > this.#compactAfter) await this.#compact();
    });
  }

  #run(write: () => Promise<void>): Promise<void> {
    const failure = this.#failure;
    if (failure !== undefined) return Promise.reject(failure);
    const next = this.#last.then(write);
    this.#last = next.catch(() => {});
    return next;
  }

  async #open(): Promise<FileHandle> {
    await mkdir(dirname(this.#path), { recursive: true });
    const file = await open(this.#path, 'a');
    await syncFolder(this.#path);
    this.#file = file;
    return file;
  }

  /** Rewrites the log with the live messages alone: a temporary file, flushed, renamed over the log. */
  async #compact(): Promise<void> {
    const temporary = join(dirname(this.#path), `.${basename(this.#path)}.compact`);
    const file = await open(temporary, 'w');
    try {
      let text = '';
      for (const message of this.#messages.values()) text += line({ op: 'add', message });
      await file.writeFile(text);
      await file.datasync();
    } finally {
      await file.close();
    }
    await this.#file?.close();
    this.#file = undefined;
    await rename(temporary, this.#path);
    await syncFolder(this.#path);
    this.#records = this.#messages.size;
  }
}

/** Flushes a file's folder, so that its creation or renaming survives a power loss. */
async function syncFolder(path: string): Promise<void> {
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
