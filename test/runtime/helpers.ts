/** Test helpers: a scripted raw peer on one end of an in-memory pair, and a way to let frames flow. */
import type { Logger } from '../../src/logger.ts';
import { createConnectionPair, type MemoryConnection } from '../../src/testing.ts';

/** Let queued microtasks and immediate callbacks run (in-memory frames are delivered as microtasks). */
export async function flush(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The raw end of a pair: send frames by hand, read what the endpoint answered. */
export class RawPeer {
  readonly received: string[] = [];
  closedWith: { code: number; reason: string } | undefined;
  readonly #waiters: ((frame: string) => void)[] = [];

  constructor(readonly connection: MemoryConnection) {
    connection.on('message', (data: string | Buffer) => {
      const text = String(data);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(text);
      else this.received.push(text);
    });
    connection.on('close', (code: number, reason: Buffer) => {
      this.closedWith = { code, reason: String(reason) };
    });
  }

  /** Send a frame: an array/object is serialised, a string is sent as is. */
  send(frame: unknown): void {
    this.connection.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame the endpoint sends, parsed. */
  async next(): Promise<unknown[]> {
    const ready = this.received.shift();
    const text =
      ready ??
      (await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no frame arrived')), 2000);
        this.#waiters.push((frame) => {
          clearTimeout(timer);
          resolve(frame);
        });
      }));
    return JSON.parse(text) as unknown[];
  }

  /** Send a frame and return the parsed answer. */
  async exchange(frame: unknown): Promise<unknown[]> {
    this.send(frame);
    return this.next();
  }

  /** Everything sent so far, after letting frames flow; clears the buffer. */
  async drain(): Promise<unknown[][]> {
    await flush();
    return this.received.splice(0).map((t) => JSON.parse(t) as unknown[]);
  }
}

/** An in-memory pair whose first end goes to the endpoint under test and whose second end is a RawPeer. */
export function rawPair(protocol: string, textAsBuffer = false): { connection: MemoryConnection; peer: RawPeer } {
  const [connection, other] = createConnectionPair({ protocol, textAsBuffer });
  return { connection, peer: new RawPeer(other) };
}

/** A logger that records what it was given. */
export function recordingLogger(): Logger & {
  records: { level: string; obj: Record<string, unknown>; msg: string | undefined }[];
} {
  const records: { level: string; obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      records.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
