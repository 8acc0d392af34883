// What the normalize stages (walk, refs, all-of) share while they turn one loaded
// schema file into a bundle: the named types found so far and where each node came from.
import type { LoadedSchema } from "./load.js";
import type { Schema } from "./json.js";
import type { Problems } from "./problems.js";

/** How a subschema is walked. */
export interface Mode {
  /** A `$defs` entry or a root: its own title does not hoist it again. */
  readonly asDef: boolean;
  /** Objects with properties and no additionalProperties are closed here (not below value-only keywords). */
  readonly closable: boolean;
}

export interface Def {
  readonly name: string;
  /** `file#/pointer` in the user's schema. */
  readonly source: string;
  /** The raw subschema, before normalization: identical raw subschemas share one def. */
  readonly raw: unknown;
  readonly doc: string;
  schema?: Schema;
}

export interface Context {
  readonly loaded: LoadedSchema;
  readonly problems: Problems;
  /** Store class and data type names. */
  readonly storeName: string;
  readonly dataName: string;
  /** Every def by `absolute-file#pointer` of its target. */
  readonly defs: Map<string, Def>;
  /** Type names taken, with what took them. */
  readonly names: Map<string, { readonly source: string; readonly def?: Def }>;
  /** `file#/pointer` of every normalized node. */
  readonly sources: WeakMap<object, string>;
  walk(node: unknown, doc: string, pointer: string, mode: Mode): Schema;
}

export function where(context: Context, doc: string, pointer: string): string {
  return `${context.loaded.display(doc)}#${pointer}`;
}
