/**
 * `flagstream/server`: the local flag server (Cuttlegate, Rollgate and OFREP routes), its flags-file model and the evaluator.
 *
 * @module flagstream/server
 */
export { startServer, type FlagServer, type ServerOptions } from './server.js';
export type { RequestCounts, RequestLogEntry } from './request-log.js';
export type { FlagStateChange } from './flag-store.js';
export type { RateLimitOptions } from './rate-limit.js';
export type { OfrepRefetch, OfrepSwitches, RetryAfter } from './ofrep-switches.js';
export type { OfrepErrorCode } from './ofrep-evaluation.js';
export { ROUTE_NAMES, type RouteName } from './routes.js';
export type { SegmentIndex } from './operators.js';
export type { EvaluationCounts, ReceivedEvent, ReceivedTelemetry, TelemetryReportBody, WireEvent } from './rollgate-tracking.js';
export {
  FlagsFileError,
  validateFlagsDocument,
  variantsOf,
  type ConditionDoc,
  type EnvironmentDoc,
  type FlagDoc,
  type FlagEnvironmentDoc,
  type FlagsDocument,
  type FlagsFileIssue,
  type FlagType,
  type Operator,
  type ProjectDoc,
  type RolloutDoc,
  type RuleDoc,
  type SegmentDoc,
  type ValidatedFlags,
} from './flags-file.js';
export { parseFlagsText, readFlagsFile, type LoadedFlags } from './load.js';
export {
  compileFlag,
  evaluateFlag,
  indexSegments,
  type CompiledFlag,
  type EvalInput,
  type EvalReason,
  type Evaluation,
  type MatchedRule,
} from './evaluator.js';
export { bucket } from './bucket.js';
