/**
 * flagstream/testing: test doubles for code that uses flagstream.
 *
 * @module flagstream/testing
 */
export { createMockClient, type MockClientOptions, type MockFlagClient, type MockFlagInput, type MockFlags } from './mock-client.js';
export { testSource, type SourceFlag, type TestRequest, type TestSource } from './test-source.js';
export type { FlagInput } from './inputs.js';
