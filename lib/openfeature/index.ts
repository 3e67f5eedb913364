/**
 * flagstream/openfeature: flagstream as a provider for the OpenFeature SDKs. Needs only
 * `@openfeature/core` at runtime (a peer of both SDKs), so a web app never loads the server SDK and a
 * server never loads the web SDK.
 */
export { FlagstreamWebProvider } from './web-provider.js';
export { FlagstreamServerProvider } from './server-provider.js';
export { toEvalContext, toEvaluationContext } from './context.js';
