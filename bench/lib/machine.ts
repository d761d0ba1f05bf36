/**
 * How busy the whole machine was during a measurement, from /proc/stat (Linux; elsewhere: unknown). Subtracting the
 * bench's own processes' CPU gives the CPU other programs took: a measurement with much of it is not trustworthy.
 */
import { readFileSync } from 'node:fs';

export interface CpuTicks {
  busy: number;
  total: number;
}

export function machineTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

/** Busy CPU between two readings, in % of one core (so 200% = both cores of a 2-core machine). */
export function busyPercent(from: CpuTicks | undefined, to: CpuTicks | undefined, cores: number): number {
  if (from === undefined || to === undefined || to.total === from.total) return Number.NaN;
  return ((to.busy - from.busy) / (to.total - from.total)) * 100 * cores;
}

/**
 * Wait (up to `maxWaitMs`) until the machine has been nearly idle for one `sampleMs` interval: other programs busy
 * (tests, compilers) would take a core from the two processes under test. Returns the busy figure last seen.
 */
export async function waitForQuiet(
  cores: number,
  limitPercent: number,
  maxWaitMs: number,
  sampleMs = 500,
): Promise<{ waitedMs: number; busy: number }> {
  const t0 = performance.now();
  for (;;) {
    const from = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const busy = busyPercent(from, machineTicks(), cores);
    const waitedMs = performance.now() - t0;
    if (!(busy > limitPercent) || waitedMs >= maxWaitMs) return { waitedMs, busy };
  }
}
