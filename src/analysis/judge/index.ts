export { createJudge, decide, parseJudgeSpec } from './judge.js';
export type { Judge, JudgeDecision, JudgeVerdict, ErrorEvidence, LatencyEvidence } from './judge.js';
export { JudgeSpec, ErrorTestSpec, LatencyTestSpec, parseLatencyChange } from './schema.js';
export type { JudgeSpecInput, LatencyChange } from './schema.js';
export { JudgeState, initialJudgeState, parseJudgeState } from './state.js';
export { JudgeInputError } from './observation.js';
export type {
  ArmObservation,
  JudgeObservation,
  LatencyObservation,
  LatencySum,
  LogLatencyMoments,
} from './observation.js';
export { momentsFromHistogram, histogramQuantile, histogramIncrease } from './histogram.js';
export type { HistogramBucket } from './histogram.js';
