/**
 * A redis-server that a test starts, stops and restarts itself, on a free port on 127.0.0.1 and without
 * persistence (a restart loses every key and subscription, the hardest case for the adapter).
 *
 * Without the `redis-server` binary the cluster tests skip with a loud message; under CI (`CI=true`) they fail
 * instead, and the Redis that `.ci/run` started (`OCPPKIT_REDIS_URL`) must answer too.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export const REDIS_URL_ENV = 'OCPPKIT_REDIS_URL';

/** The path of the redis-server binary, if installed. */
export function findRedisServer(): string | undefined {
  for (const candidate of [process.env.OCPPKIT_REDIS_SERVER, '/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the cluster tests can run. Outside CI without redis-server: `false`, after a loud warning. Under CI:
 * throws when redis-server is missing.
 */
export function redisAvailable(suite: string): boolean {
  const binary = findRedisServer();
  if (binary) return true;
  const message =
    `\n${'!'.repeat(100)}\n!! ${suite}: SKIPPED: redis-server is not installed.\n` +
    `!! Install it (Debian: apt-get install -y redis-server) or run \`npm run redis:start\`; CI installs it.\n` +
    `${'!'.repeat(100)}\n`;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${suite}: redis-server is required under CI and was not found${message}`);
  }
  console.warn(message);
  return false;
}

/** Under CI, the Redis started by `.ci/run` must answer PING (a check that the install step worked). */
export async function checkCiRedis(): Promise<void> {
  const url = process.env[REDIS_URL_ENV];
  if (!url) {
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${REDIS_URL_ENV} is not set under CI`);
    return;
  }
  const { hostname, port } = new URL(url);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${url}: no answer to PING within 3 s`));
    }, 3000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${url}: ${error.message}`));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.end();
      resolve(String(data).trim());
    });
  });
  if (answer !== '+PONG') throw new Error(`${url}: PING answered ${answer}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server child process on a fixed port, which the test can stop (SIGKILL) and start again. */
export class RedisProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly binary: string,
    readonly port: number,
  ) {}

  static async start(): Promise<RedisProcess> {
    const binary = findRedisServer();
    if (!binary) throw new Error('redis-server is not installed');
    const redis = new RedisProcess(binary, await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(
      this.binary,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 5000;
    for (;;) {
      if (await ping(this.port)) return;
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${this.port}: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Kills the server at once (no save, no goodbye): every connection drops, every key is lost. */
  async kill(): Promise<void> {
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  async restart(downFor = 0): Promise<void> {
    await this.kill();
    if (downFor > 0) await new Promise((resolve) => setTimeout(resolve, downFor));
    await this.start();
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      resolve(String(data).startsWith('+PONG'));
    });
  });
}
