// Types that map plain data types to their synced form.
import type { SyncedList } from "./list.js";
import type { DictMethods } from "./dict.js";

/** The synced form of a data type: arrays are `SyncedList`s, objects `SyncedDict`s. */
export type Synced<T> = T extends readonly (infer E)[] ? SyncedList<E> : T extends object ? SyncedDict<T> : T;

/**
 * What a write accepts where the data holds a `T`: the same data, where every array may
 * be readonly (`as const` values, `readonly T[]` parameters). Writes copy; they never
 * keep or change the array given.
 */
export type Input<T> = T extends object ? { readonly [K in keyof T]: Input<T[K]> } : T;

/** The fields of `T` that can hold any number: what `$incr` and `incr` count. */
export type NumericKeys<T> = { [K in keyof T]-?: number extends NonNullable<T[K]> ? K : never }[keyof T] & string;

/** A synced object: the data's properties (nested collections synced too) plus dict methods. */
export type SyncedDict<T extends object = Record<string, unknown>> = { [K in keyof T]: Synced<T[K]> } & DictMethods<T>;
