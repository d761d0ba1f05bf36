/**
 * Progress while a run goes: on a TTY one line rewritten in place; otherwise a line every few seconds and one per
 * failed case, so CI logs stay short.
 */
import type { CaseResult, ConformanceCase } from '../types.ts';

/** Where progress goes: a stream with an optional `isTTY`. */
export interface ProgressStream {
  /** Writes text. */
  write(text: string): unknown;
  /** A terminal: progress is one line rewritten in place. */
  isTTY?: boolean;
}

/** What `progressReporter` returns: pass `onCaseStart` and `onCaseEnd` to a run, call `done()` after it. */
export interface ProgressReporter {
  /** A case starts. */
  onCaseStart(testCase: ConformanceCase, index: number, total: number): void;
  /** A case ended. */
  onCaseEnd(result: CaseResult, index: number, total: number): void;
  /** The run ended: clears the live line. */
  done(): void;
}

/** Progress of a run on `stream`: a live line on a TTY, otherwise a line every `intervalMs` and one per failure. */
export function progressReporter(stream: ProgressStream, intervalMs = 5000): ProgressReporter {
  let passed = 0;
  let failed = 0;
  let lastLine = 0;
  const status = (index: number, total: number, current: string) =>
    `[${index}/${total}] ${passed} passed, ${failed} failed ${current}`;
  return {
    onCaseStart(testCase: ConformanceCase, index: number, total: number) {
      if (stream.isTTY === true)
        stream.write(`\r\x1b[K${status(index, total, `· ${testCase.id} ${testCase.title}`.slice(0, 100))}`);
    },
    onCaseEnd(result: CaseResult, index: number, total: number) {
      if (result.verdict === 'passed') passed += 1;
      else if (result.verdict === 'failed') failed += 1;
      if (result.verdict === 'failed') {
        const first = result.problems[0];
        stream.write(
          `${stream.isTTY === true ? '\r\x1b[K' : ''}FAIL ${result.id} ${result.title}: ${first?.rule ?? ''}\n`,
        );
      }
      if (stream.isTTY !== true && Date.now() - lastLine >= intervalMs) {
        lastLine = Date.now();
        stream.write(`${status(index + 1, total, '')}\n`);
      }
    },
    done() {
      if (stream.isTTY === true) stream.write('\r\x1b[K');
    },
  };
}
