/**
 * flagstream: a reactive feature-flag client for TypeScript, built on RxJS.
 *
 * @module flagstream
 */
export { createFlagClient, type FlagClient } from './client/client.js';
export type { ValuesOptions } from './client/flag-client.js';
export type { AnyFlagKey, FlagKeyOf, FlagValueOf, IsUntyped, TypedKey, UntypedFlags, UntypedKey } from './client/flag-keys.js';
export { FlagSnapshot } from './client/state/snapshot.js';
export type { SnapshotJSON, SnapshotJSONFlag, SnapshotUpdate } from './client/state/snapshot.js';
export type { FlagClientOptions, FlagStore, StoredFlags } from './client/options.js';
export { renderedSnapshot, withRenderedSnapshot } from './client/features/rendered-snapshot.js';
export { isFlagNotFound } from './client/state/results.js';
export { cuttlegate, type CuttlegateOptions } from './transports/cuttlegate/index.js';
export { rollgate, type RollgateOptions } from './transports/rollgate/index.js';
export { ofrep, type ChangeDetection, type OfrepOptions } from './transports/ofrep/index.js';
export type { BackoffPolicy } from './net/backoff.js';
export type { CircuitBreakerOptions } from './net/circuit.js';
export type { TrackingOptions } from './client/features/tracking.js';
export type {
  InvalidFlag,
  LoadOptions,
  LoadResult,
  LoadTrigger,
  StreamMessage,
  Transport,
  TransportRuntime,
  TransportSession,
} from './transports/transport.js';
export {
  AuthError,
  CircuitOpenError,
  ClosedError,
  ConfigError,
  FlagNotFoundError,
  FleetLeaderError,
  FlagstreamError,
  InvalidResponseError,
  NetworkError,
  RateLimitError,
  RequestError,
  ServerError,
  TimeoutError,
  ProjectNotFoundError,
  isTerminal,
} from './errors.js';
export type {
  CircuitState,
  ClientEvent,
  ClientState,
  ClientStatus,
  EvalContext,
  EvalResult,
  EvaluationCount,
  FetchLike,
  FlagChange,
  JsonValue,
  Logger,
  ReadyResult,
  StatusSource,
  TelemetryReport,
  TrackEvent,
  TrackedEvent,
  ValueSource,
} from './types.js';
