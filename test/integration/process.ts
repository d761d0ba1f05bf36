/**
 * Child processes for integration tests: a TypeScript file run with tsx, its output collected, every wait
 * bounded, and a kill that does not leave the process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll } from 'vitest';
import { within } from '../server/helpers.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;

/** The guide's BootNotification, byte for byte. */
export const GUIDE_FRAME =
  '[2,"12345","BootNotification",{"chargePointVendor":"The Mobility House","chargePointModel":"Optimus"}]';

/** The lines of `output` that contain every one of `parts`. */
export function linesWith(output: string, ...parts: string[]): string[] {
  return output.split('\n').filter((line) => parts.every((part) => line.includes(part)));
}

/** Long enough for tsx to start a process on a slow machine. */
export const START_TIMEOUT = 20_000;

export class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #listeners = new Set<() => void>();

  /** `group`: the child leads a process group (spawned detached), and signals go to the whole group. */
  constructor(
    readonly process: ChildProcess,
    readonly group = false,
  ) {
    process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      for (const listener of this.#listeners) listener();
    });
    process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const listener of this.#listeners) listener();
    });
    this.exited = new Promise((resolve) => {
      process.once('exit', (code, signal) => {
        resolve({ code, signal });
        for (const listener of this.#listeners) listener();
      });
    });
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Waits until stdout + stderr match `pattern`; fails with the output so far on a timeout or an early exit. */
  waitFor(pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    return within(
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const match = this.output.match(pattern);
          if (match) {
            this.#listeners.delete(check);
            resolve(match);
          } else if (!this.running) {
            this.#listeners.delete(check);
            reject(new Error(`process exited before ${pattern}:\n${this.output}`));
          }
        };
        this.#listeners.add(check);
        check();
      }),
      ms,
      `${pattern} in the output of ${this.process.spawnargs.join(' ')}:\n${this.output}`,
    );
  }

  signal(signal: NodeJS.Signals): void {
    if (this.group && this.process.pid !== undefined) {
      try {
        process.kill(-this.process.pid, signal);
      } catch {
        // the group is gone already
      }
    } else {
      this.process.kill(signal);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within two seconds. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    try {
      await within(this.exited, 2000, 'exit after SIGTERM');
    } catch {
      this.signal('SIGKILL');
      await within(this.exited, 2000, 'exit after SIGKILL');
    }
  }
}

const children = new Set<Child>();

// Should the test run itself die, its children go with it.
process.once('exit', () => {
  for (const child of children) if (child.running) child.signal('SIGKILL');
});

afterAll(async () => {
  await Promise.all([...children].map((child) => child.kill()));
  children.clear();
});

/** Runs a TypeScript file of the repository with tsx (`node --import tsx`); killed after the test file at the latest. */
export function runTs(file: string, args: string[] = [], env: Record<string, string> = {}): Child {
  const child = new Child(
    spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  children.add(child);
  return child;
}

/** Runs a command of the repository (`npm start -- …`) in a process group of its own, so that it is killed whole. */
export function runCommand(command: string, args: string[]): Child {
  const child = new Child(
    spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    }),
    true,
  );
  children.add(child);
  return child;
}

/** A port nobody listens on at the moment. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a server script and resolves with the port it reports (`port=<n>` in its log). */
export async function startServerProcess(file: string, args: string[] = [], env: Record<string, string> = {}) {
  const child = runTs(file, args, env);
  const match = await child.waitFor(/port=(\d+)/, START_TIMEOUT);
  return { child, port: Number(match[1]) };
}
