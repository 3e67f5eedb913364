import type { IsUntyped, UntypedFlags } from 'flagstream';

/**
 * The app's flags interface, as the Angular entry sees it. Empty here: an app registers its own once
 * (templates take no type arguments, so this is how `*flag` learns the keys), and then `flagSignal`,
 * `injectFlagClient` and the `*flag` directive's key follow it:
 *
 * ```ts
 * import type { Flags } from './flags'; // written by `flagstream types`
 * declare module 'flagstream/angular' {
 *   interface AppFlags extends Flags {}
 * }
 * ```
 */
export interface AppFlags {}

/** The registered flags interface, or the untyped flags while none is registered. */
export type AppFlagTypes = IsUntyped<AppFlags> extends true ? UntypedFlags : AppFlags;
