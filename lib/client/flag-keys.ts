/**
 * Types only: how a flags interface (`FlagClient<Flags>`) narrows the keys each method accepts and
 * the values it returns. Without one (an index-signature record, the default) every key is a
 * `string` and values have the types they have always had.
 */
/**
 * The flags a client knows nothing about (the default type argument): any key, any value. It is
 * `any` so that a `FlagClient<Flags>` can be passed wherever a plain `FlagClient` is expected (a
 * provider, a helper taking any client): TypeScript compares a generic interface by its type
 * argument, and an interface such as `Flags` is assignable to no `Record<string, JsonValue>`.
 */
export type UntypedFlags = any;

/**
 * `true` when `F` declares no particular keys (a `Record<string, …>`, or `object` itself): the
 * client is untyped.
 */
export type IsUntyped<F> = [keyof F] extends [never] ? true : string extends keyof F ? true : false;

/** Keys of `F` whose declared type is `V` (`boolean`, `string`, `number`); `string` when untyped. */
export type FlagKeyOf<F, V> = IsUntyped<F> extends true
  ? string
  : { [K in keyof F]-?: F[K] extends V ? K : never }[keyof F] & string;

/** Any key of `F` (every flag's value is JSON); `string` when untyped. */
export type AnyFlagKey<F> = IsUntyped<F> extends true ? string : keyof F & string;

/** The declared type of flag `K` of `F`; `Fallback` when `F` is untyped. */
export type FlagValueOf<F, K, Fallback> = IsUntyped<F> extends true ? Fallback : K extends keyof F ? F[K] : never;

/** The key type of the untyped overloads: `string`, or `never` (no such overload) when `F` is typed. */
export type UntypedKey<F> = IsUntyped<F> extends true ? string : never;

/** The key type of the typed overloads: the keys of `F`, or `never` (no such overload) when untyped. */
export type TypedKey<F> = IsUntyped<F> extends true ? never : keyof F & string;
