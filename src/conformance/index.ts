/**
 * The conformance kit: cases organised as the specification organises use cases, run against a CSMS (the kit
 * plays a charge point) or a charge point (the kit plays the CSMS), with JUnit and Markdown reports.
 */
export { chargePointCases, conformanceCases, csmsCases } from './cases/index.ts';
export {
  type ReferenceChargePoint,
  type ReferenceChargePointOptions,
  startReferenceChargePoint,
} from './reference/index.ts';
export { junitReport } from './report/junit.ts';
export { markdownReport } from './report/markdown.ts';
export { type ProgressReporter, type ProgressStream, progressReporter } from './report/progress.ts';
export { summaryRows, summaryTable } from './report/summary.ts';
export { type ChargePointRunOptions, testChargePoint } from './run-charge-point.ts';
export type { CommonRunOptions } from './run-common.ts';
export { type CsmsRunOptions, testCsms } from './run-csms.ts';
export type {
  Answer,
  AwaitStep,
  CallStep,
  CaseContext,
  CaseResult,
  Check,
  ConformanceCase,
  FrameRecord,
  PauseStep,
  PayloadSource,
  Problem,
  RefuseStep,
  RunResult,
  SendStep,
  SideUnderTest,
  Step,
  Verdict,
} from './types.ts';
export { CONFORMANCE_PROTOCOLS } from './versions.ts';
