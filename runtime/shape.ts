// How a store describes its data to the runtime: which places hold lists, dicts,
// closed objects, scalars or anything, with the validators the generator compiled
// for them. Hand-written in tests; emitted by the generator for generated stores.

/** One problem found by a validator, relative to the value it was given. */
export interface ValidationIssue {
  /** Path inside the validated value (e.g. `["scores", 3]`). */
  readonly path: readonly (string | number)[];
  /** JSON pointer into the schema (e.g. `#/properties/scores/items/maximum`). */
  readonly schemaPointer: string;
  /** A sentence a person can act on. */
  readonly message: string;
}

/**
 * Validates a whole value written at a place. Returns `null` when the value is
 * valid. Generated code wraps ajv standalone validators into this form.
 */
export type Validate = (value: unknown) => readonly ValidationIssue[] | null;

interface ShapeBase {
  /** Validator for a whole value written at this place (from the schema). */
  readonly validate?: Validate;
  /** Schema file and JSON pointer this place comes from, for error messages. */
  readonly source?: string;
  /**
   * Schema file and JSON pointer of the node whose keywords (`required`, `maxItems`, ...)
   * the runtime checks itself, where it is not `source`: a place that only holds a
   * `$ref` names the referenced type's node.
   */
  readonly keywords?: string | undefined;
  /** `default` from the schema: filled in when a new instance is opened. */
  readonly default?: unknown;
  /**
   * The schema has keywords about the whole value (`contains`, `oneOf`, `propertyNames`,
   * ...): after any change inside this place, its whole value is validated again.
   */
  readonly whole?: boolean;
}

/** Anything JSON: arrays become lists, objects become dicts. */
export interface AnyShape extends ShapeBase {
  readonly kind: "any";
}

/** A JSON scalar: string, number, boolean or null. */
export interface ScalarShape extends ShapeBase {
  readonly kind: "scalar";
}

/** An array: a `SyncedList`. `prefixItems` describe leading tuple positions. */
export interface ListShape extends ShapeBase {
  readonly kind: "list";
  readonly items: Shape;
  readonly prefixItems?: readonly Shape[];
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  /**
   * Retention (`"x-redis-memory": { "keepLast": N }`): a write that makes the list
   * longer than N drops its oldest elements in the same batch, in Redis and in every
   * replica (the change event `op: "keep"` carries them).
   */
  readonly keepLast?: number;
}

/**
 * An object: a `SyncedDict`. `properties` are the declared ones; `additional` is
 * the shape of other keys, or `false` when the object is closed.
 */
export interface DictShape extends ShapeBase {
  readonly kind: "dict";
  readonly properties?: Readonly<Record<string, Shape>>;
  readonly patternProperties?: readonly { readonly pattern: string; readonly shape: Shape }[];
  readonly additional?: Shape | false;
  readonly required?: readonly string[];
  readonly minProperties?: number;
  readonly maxProperties?: number;
}

/** A place whose value is one of several shapes (`oneOf`/`anyOf`/type arrays). */
export interface UnionShape extends ShapeBase {
  readonly kind: "union";
  readonly options: readonly Shape[];
}

export type Shape = AnyShape | ScalarShape | ListShape | DictShape | UnionShape;

/** What a generated store class hands to the runtime. */
export interface StoreSchema {
  /** Store name: part of the Redis namespace `<prefix>{<name>:<id>}`. */
  readonly name: string;
  /** Shape of the root object (always a dict shape). */
  readonly shape: DictShape;
  /** Hash of the schema that produced this store, recorded in `ns:meta`. */
  readonly hash?: string;
  /** `"x-redis-memory": { "history": { maxEntries?, maxAgeMs? } }` at the root: keep every batch for `$history()`. */
  readonly history?: { readonly maxEntries?: number; readonly maxAgeMs?: number };
  /** Schema version (`"x-redis-memory": { "version" }`, default 1): recorded in `ns:meta`. */
  readonly version?: number;
  /** The versions whose change was breaking: a migration to each must be registered. */
  readonly breaking?: readonly number[];
}

export const anyShape: AnyShape = { kind: "any" };
