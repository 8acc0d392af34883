// What the normalize stages (walk, refs, all-of) share while they turn one loaded
// schema file into a bundle: the named types found so far and where each node came from.
import type { LoadedSchema } from "./load.js";
import type { Schema, SchemaObject } from "./json.js";
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
  /** JSON pointer of the subschema in `doc`. */
  readonly pointer: string;
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
  /**
   * Which pass walks: the types pass merges `allOf` parts and `$ref` siblings and closes
   * objects with `properties` (for the TypeScript types and the runtime shape); the
   * validation pass keeps the schema's meaning (JSON Schema's, as ajv judges it) and only
   * rewrites draft-04/07 spellings and `$ref`s to the named types the types pass found.
   */
  readonly pass: "types" | "validation";
  /** What the `$ref` of the node at `absolute-file#pointer` became in the types pass. */
  readonly refAt: Map<string, SchemaObject>;
  /** Where the validation pass refers to something else: a meta-schema's URL, which only ajv follows. */
  readonly validationRefAt: Map<string, SchemaObject>;
  walk(node: unknown, doc: string, pointer: string, mode: Mode): Schema;
}

export function where(context: Context, doc: string, pointer: string): string {
  return `${context.loaded.display(doc)}#${pointer}`;
}
