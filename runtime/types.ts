// Types that map plain data types to their synced form.
import type { SyncedList } from "./list.js";
import type { DictMethods } from "./dict.js";

/** The synced form of a data type: arrays are `SyncedList`s, objects `SyncedDict`s. */
export type Synced<T> = T extends readonly (infer E)[] ? SyncedList<E> : T extends object ? SyncedDict<T> : T;

/** A synced object: the data's properties (nested collections synced too) plus dict methods. */
export type SyncedDict<T extends object = Record<string, unknown>> = { [K in keyof T]: Synced<T[K]> } & DictMethods<T>;
