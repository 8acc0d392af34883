// Types about plain data that writes take (the synced forms, which refer to the
// SyncedList class, are declared beside it in list.ts).

/**
 * What a write accepts where the data holds a `T`: the same data, where every array may
 * be readonly (`as const` values, `readonly T[]` parameters). Writes copy; they never
 * keep or change the array given.
 */
export type Input<T> = T extends readonly (infer E)[] ? InputList<E> : T extends object ? { readonly [K in keyof T]: Input<T[K]> } : T;

/**
 * An array a write accepts: an interface, so that a recursive data type (`type T = string |
 * T[]`) is expanded only as deep as a value goes (a mapped type over it is TS2589).
 */
export interface InputList<E> extends ReadonlyArray<Input<E>> {}

/** The fields of `T` that can hold any number: what `$incr` and `incr` count. */
export type NumericKeys<T> = { [K in keyof T]-?: number extends NonNullable<T[K]> ? K : never }[keyof T] & string;
