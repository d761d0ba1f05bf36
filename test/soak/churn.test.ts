/**
 * Soak and churn over real sockets: waves of connections that boot, get a server CALL they never answer, and drop
 * (half abruptly, half cleanly). The workload runs in its own Node process (churn-run.ts, with --expose-gc) so
 * that heap and handle counts are its own; this test checks what it reports:
 * - every connection registered, every one gone from the registry after its wave and at the end;
 * - every server CALL in flight rejected with ConnectionClosedError (no pending promise, no live timer);
 * - after server.close(), the active handles (sockets, timers, servers) back to the count taken before the server
 *   started;
 * - the heap after full collections within 30 MB of the start.
 */
import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const WAVES = 5;
const PER_WAVE = 800;
const HEAP_BOUND = 30 * 1024 * 1024;

interface Report {
  waves: { connections: number; ms: number; heapAfter: number; registryAfter: number }[];
  connections: number;
  connects: number;
  disconnects: number;
  serverCalls: number;
  callsClosed: number;
  callsOther: string[];
  registryEnd: number;
  heapStart: number;
  heapEnd: number;
  resourcesStart: Record<string, number>;
  resourcesPeak: Record<string, number>;
  resourcesEnd: Record<string, number>;
  ms: number;
}

function run(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/soak/churn-run.ts'], {
      cwd: ROOT,
      env: { ...process.env, CHURN_WAVES: String(WAVES), CHURN_CONNECTIONS: String(PER_WAVE) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

test(`churn: ${WAVES} waves of ${PER_WAVE} connections, calls in flight, half dropped abruptly`, async () => {
  const { code, stdout, stderr } = await run();
  expect(code, stderr).toBe(0);
  const report = JSON.parse(stdout.trim().split('\n').pop() as string) as Report;
  const total = WAVES * PER_WAVE;

  console.info(
    `churn: ${report.connections} connections in ${report.ms} ms; heap ${mb(report.heapStart)} → ${mb(report.heapEnd)} ` +
      `(after each wave: ${report.waves.map((w) => mb(w.heapAfter)).join(', ')}); handles ` +
      `${JSON.stringify(report.resourcesStart)} → peak ${JSON.stringify(report.resourcesPeak)} → ` +
      `${JSON.stringify(report.resourcesEnd)}`,
  );

  expect(report.connections).toBe(total);
  expect(report.connects).toBe(total);
  expect(report.disconnects).toBe(total);
  expect(report.waves.map((w) => w.registryAfter)).toEqual(Array(WAVES).fill(0));
  expect(report.registryEnd).toBe(0);

  // every server CALL was in flight when its connection dropped, and was rejected by the drop
  expect(report.serverCalls).toBe(total);
  expect(report.callsOther).toEqual([]);
  expect(report.callsClosed).toBe(total);

  // the handle count saw the sockets and timers, and came back to where it started
  expect(report.resourcesPeak.TCPSocketWrap ?? 0).toBeGreaterThanOrEqual(PER_WAVE);
  expect(report.resourcesPeak.Timeout ?? 0).toBeGreaterThanOrEqual(PER_WAVE);
  for (const [name, count] of Object.entries(report.resourcesEnd)) {
    expect(count, `${name} handles`).toBeLessThanOrEqual(report.resourcesStart[name] ?? 0);
  }

  expect(report.heapEnd - report.heapStart).toBeLessThan(HEAP_BOUND);
}, 120_000);
