/**
 * flagstream/openfeature: flagstream as a provider for the OpenFeature SDKs. It imports only
 * `@openfeature/core` (a peer of both SDKs), values and types alike, so a web app never loads or
 * type-checks against the server SDK, and a server never needs the web SDK.
 *
 * @module flagstream/openfeature
 */
export { FlagstreamWebProvider } from './web-provider.js';
export { FlagstreamServerProvider } from './server-provider.js';
export { toEvalContext, toEvaluationContext } from './context.js';
