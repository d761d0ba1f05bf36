/**
 * `server.record(options)`: every frame of the chosen charge points (or of all of them) written as a trace, from
 * now until `stop()`. Built on the connections' `message:in`, `message:out` and `bad-frame` events (a frame that
 * does not parse is recorded as it came): a server that records nothing pays nothing.
 */
import type { BadFrameEvent, FrameEvent } from '../events.ts';
import { RotatingWriter, type RotationOptions } from './recorder.ts';
import { traceLine } from './trace-record.ts';

/** Options of `server.record()`. */
export interface RecordOptions extends RotationOptions {
  /** The directory trace files are written to (created if missing). */
  dir: string;
  /** The identities to record, or a function that chooses them. Default: every charge point. */
  identities?: readonly string[] | ((identity: string) => boolean);
}

/** A recording in progress. */
export interface Recording {
  /** The directory its files are in. */
  readonly dir: string;
  /** Lines dropped because the disk could not keep up. */
  readonly dropped: number;
  /** Stops recording; resolves once every line is written. */
  stop(): Promise<void>;
}

/** What recording uses of a connection. */
interface RecordedConnection {
  readonly identity: string;
  readonly protocol: string;
  readonly events: {
    on(event: 'message:in' | 'message:out', listener: (event: FrameEvent) => void): unknown;
    on(event: 'bad-frame', listener: (event: BadFrameEvent) => void): unknown;
    on(event: 'close', listener: () => void): unknown;
    off(event: 'message:in' | 'message:out', listener: (event: FrameEvent) => void): unknown;
    off(event: 'bad-frame', listener: (event: BadFrameEvent) => void): unknown;
  };
}

/** What recording uses of a server: its connected charge points and its `connect` event. */
export interface RecordedServer {
  readonly events: {
    on(event: 'connect', listener: (event: { chargePoint: unknown }) => void): unknown;
    off(event: 'connect', listener: (event: { chargePoint: unknown }) => void): unknown;
  };
  [Symbol.iterator](): Iterator<unknown>;
}

export function recordFrames(server: RecordedServer, options: RecordOptions): Recording {
  const writer = new RotatingWriter(options.dir, options);
  const chosen = chooser(options.identities);
  const detach = new Set<() => void>();
  const attach = (chargePoint: unknown): void => {
    const connection = chargePoint as RecordedConnection;
    if (typeof connection.events?.on !== 'function' || !chosen(connection.identity)) return;
    const { identity, protocol } = connection;
    const received = (event: FrameEvent) => writer.write(traceLine(identity, protocol, 'in', event.data));
    const sent = (event: FrameEvent) => writer.write(traceLine(identity, protocol, 'out', event.data));
    // a frame that did not parse (its text; binary frames have none)
    const bad = (event: BadFrameEvent) => {
      if (event.data !== undefined) writer.write(traceLine(identity, protocol, 'in', event.data));
    };
    connection.events.on('message:in', received);
    connection.events.on('message:out', sent);
    connection.events.on('bad-frame', bad);
    const undo = () => {
      connection.events.off('message:in', received);
      connection.events.off('message:out', sent);
      connection.events.off('bad-frame', bad);
    };
    detach.add(undo);
    connection.events.on('close', () => detach.delete(undo));
  };
  const onConnect = ({ chargePoint }: { chargePoint: unknown }): void => attach(chargePoint);
  for (const chargePoint of { [Symbol.iterator]: () => server[Symbol.iterator]() }) attach(chargePoint);
  server.events.on('connect', onConnect);
  return {
    dir: writer.dir,
    get dropped() {
      return writer.dropped;
    },
    stop() {
      server.events.off('connect', onConnect);
      for (const undo of detach) undo();
      detach.clear();
      return writer.close();
    },
  };
}

function chooser(identities: RecordOptions['identities']): (identity: string) => boolean {
  if (identities === undefined) return () => true;
  if (typeof identities === 'function') return identities;
  const set = new Set(identities);
  return (identity) => set.has(identity);
}
