/**
 * Exactly once across crashes: a real charge-point process (Client + FileQueueStore) is SIGKILLed at random points,
 * at least 40 times, while it queues and sends TransactionEvents; each run carries on where the last left off.
 * Then: every message it reported as queued was handled (nothing lost), none twice (the resend keeps its id and
 * the server's repeat guard answers it), and in the order they were queued.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as v201 from '../../src/v201/index.ts';
import { startServer } from '../server/fixtures.ts';
import { within } from '../server/helpers.ts';

const SCRIPT = new URL('./crash-charge-point.ts', import.meta.url).pathname;
const KILLS = 40;
const LAST = 1200;

/** Runs the charge point from `from`; resolves when it exits, killed after `killAfter` ms unless undefined. */
function run(url: string, path: string, from: number, reported: Set<number>, killAfter?: number): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', SCRIPT, url, path, String(from), String(LAST)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const match of chunk.matchAll(/queued (\d+)/g)) reported.add(Number(match[1]));
  });
  const timer = killAfter === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfter);
  return within(
    new Promise<string>((resolve) =>
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(output);
      }),
    ),
    60_000,
    'the charge point process',
  );
}

it(`${KILLS} SIGKILLs while queueing and sending: nothing lost, nothing handled twice, order kept`, async () => {
  const handled: number[] = [];
  class Csms extends v201.ChargePoint {
    onBootNotification() {
      return { currentTime: new Date().toISOString(), interval: 300, status: v201.RegistrationStatusEnumType.Accepted };
    }
    onTransactionEvent(request: v201.TransactionEventRequest) {
      handled.push(request.seqNo);
      return {};
    }
  }
  const { url } = await startServer({ protocols: { 'ocpp2.0.1': Csms } });
  const path = join(mkdtempSync(join(tmpdir(), 'ocppkit-crash-')), 'queue.log');
  const reported = new Set<number>();
  const next = () => Math.max(0, ...reported) + 1;
  let kills = 0;
  let handledAtKill = 0;
  for (; kills < KILLS; kills++) {
    // random points: during start-up and boot, while queueing, while sending what earlier runs left
    await run(url('/'), path, next(), reported, 300 + Math.floor(Math.random() * 900));
    handledAtKill = Math.max(handledAtKill, handled.length);
  }
  const output = await run(url('/'), path, next(), reported);
  expect(output).toContain('done');

  expect(reported.size).toBeGreaterThan(200); // the kills came while it queued, not before it could
  const seen = new Set(handled);
  expect([...reported].filter((seqNo) => !seen.has(seqNo))).toEqual([]); // nothing lost
  expect(handled.length).toBe(seen.size); // nothing handled twice
  expect(handled).toEqual([...handled].sort((a, b) => a - b)); // in order
  expect(handled.at(-1)).toBe(LAST);
}, 300_000);
