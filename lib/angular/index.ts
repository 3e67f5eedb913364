/** flagstream for Angular (≥ 20, standalone, zoneless-safe): the client as a provider, flags as signals, `*flag`. */
export { FLAG_SNAPSHOT_KEY } from './transfer.js';
export { FLAG_CLIENT, injectFlagClient, provideFlagClient, type FlagClientSource, type ProvideFlagClientOptions } from './provide.js';
export { flagSignal, flagStatus, type FlagSignalOptions } from './signals.js';
export { FlagDirective, type FlagContext } from './flag.directive.js';
export type { AppFlags } from './app-flags.js';
