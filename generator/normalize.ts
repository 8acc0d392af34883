// Stage 2: one loaded schema file -> a self-contained 2020-12 schema (a "bundle"):
// every `$ref` target and every titled subschema is hoisted into `$defs` under its type
// name (refs.ts), `allOf` object parts are merged (all-of.ts), each keyword is handled
// by its row of the keyword table (walk.ts, keywords.ts), and objects with
// `properties` are closed (close.ts). What cannot become a store is a problem; what the
// generator did instead of refusing is a warning.
import { basename } from "node:path";
import type { Context, Def } from "./context.js";
import { pascalCase } from "./identifiers.js";
import { isObject, pointerJoin, type Schema, type SchemaObject } from "./json.js";
import { isKeyword, RULES } from "./keywords.js";
import type { LoadedSchema } from "./load.js";
import { Problems } from "./problems.js";
import { hoist } from "./refs.js";
import { walk } from "./walk.js";

export type { Schema, SchemaObject } from "./json.js";

export interface NormalizedStore {
  /** Schema file, relative to cwd. */
  readonly file: string;
  /** Class name (PascalCase). */
  readonly name: string;
  /** Name of the data type: `<name>Data`. */
  readonly dataName: string;
  /** Self-contained 2020-12 schema; named types live in `$defs`. */
  readonly schema: SchemaObject;
  /** `file#/pointer` each `$defs` entry comes from. */
  readonly defSources: Readonly<Record<string, string>>;
  /**
   * The same schema as ajv must judge it (the validators' bundle): `allOf` parts and
   * `$ref` siblings kept apart, objects open unless the schema closes them. Same
   * `$defs` names as `schema`; a place's pointer into `schema` names its validator here
   * when this bundle has a node there.
   */
  readonly validation: SchemaObject;
  /** `file#/pointer` of a normalized node (for shape `source`s). */
  readonly sourceOf: (node: object) => string | undefined;
}

/** Names generated modules import from the runtime: never a type name of a store. */
export const RUNTIME_NAMES = [
  "Store", "openStore", "ajvValidators", "DictMethods", "DictShape", "ListShape", "UnionShape", "ScalarShape", "AnyShape", "Shape",
  "Input", "OpenOptions", "StoreSchema", "Synced", "SyncedList", "SyncedDict", "Validate", "ValidationIssue",
];
const RESERVED_ROOT = new Set(["constructor", "prototype", "__proto__"]);

/** Store name from `title`, else the file name (without `.schema.json`/`.json`). */
export function storeNameOf(loaded: LoadedSchema): string {
  const title = isObject(loaded.schema) && typeof loaded.schema.title === "string" ? loaded.schema.title : "";
  return pascalCase(title) || pascalCase(basename(loaded.path).replace(/(\.schema)?\.json$/, "")) || "Store";
}

// A `$defs` entry whose keys are no keywords at all is a folder of definitions (refs name its entries).
const looksLikeSchema = (value: unknown): boolean =>
  typeof value === "boolean" || (isObject(value) && (Object.keys(value).length === 0 || Object.keys(value).some(isKeyword)));

const isObjectRoot = (root: SchemaObject): boolean =>
  isObject(root.properties) && (root.type === undefined || root.type === "object" || (Array.isArray(root.type) && root.type.includes("object")));

export function normalize(loaded: LoadedSchema, problems: Problems): NormalizedStore {
  const name = storeNameOf(loaded);
  const dataName = `${name}Data`;
  const context: Context = {
    loaded,
    problems,
    storeName: name,
    dataName,
    defs: new Map<string, Def>(),
    names: new Map([
      [name, { source: `the store class of ${loaded.file}` }],
      [dataName, { source: `the data type of ${loaded.file}` }],
      ...RUNTIME_NAMES.map((n) => [n, { source: `the runtime's ${n}` }] as const),
    ]),
    sources: new WeakMap(),
    pass: "types",
    refAt: new Map(),
    validationRefAt: new Map(),
    walk: (node, doc, pointer, mode) => walk(context, node, doc, pointer, mode),
  };

  const rootOf = (walked: Schema, defSchema: (name: string) => Schema | undefined, report: Problems): SchemaObject => {
    let root = walked;
    // A root that is a $ref to an object definition: the store is that object.
    for (let hops = 0; isObject(root) && typeof root.$ref === "string" && root.$ref.startsWith("#/$defs/") && hops < 10; hops++) {
      const target = defSchema(root.$ref.slice("#/$defs/".length));
      if (!isObject(target)) break;
      const { $ref: _ref, ...siblings } = root;
      root = { ...target, ...siblings };
      context.sources.set(root, context.sources.get(target) ?? `${loaded.file}#`);
    }
    if (!isObject(root) || !isObjectRoot(root)) {
      report.add(loaded.file, "", RULES.rootNotObject());
      return {};
    }
    // Store members start with "$" and class accessors cannot be named constructor/prototype.
    const rootProps = isObject(root.properties) ? root.properties : {};
    const skipped = Object.keys(rootProps).filter((key) => {
      const at = pointerJoin("/properties", key);
      if (key.startsWith("$")) report.warn(loaded.file, at, RULES.rootDollar(key));
      else if (RESERVED_ROOT.has(key)) report.warn(loaded.file, at, RULES.rootReserved(key));
      else return false;
      return true;
    });
    if (skipped.length > 0) {
      const source = context.sources.get(root);
      root = {
        ...root,
        properties: Object.fromEntries(Object.entries(rootProps).filter(([key]) => !skipped.includes(key))),
        ...(Array.isArray(root.required) ? { required: root.required.filter((key) => !skipped.includes(key as string)) } : {}),
      };
      if (source !== undefined) context.sources.set(root, source);
    }
    return root;
  };
  const root = rootOf(context.walk(loaded.schema, loaded.path, "", { asDef: true, closable: true }), (n) => context.names.get(n)?.def?.schema, problems);
  // Every definition of the root file is a named type, used or not.
  for (const key of ["$defs", "definitions"]) {
    const table = isObject(loaded.schema) ? loaded.schema[key] : undefined;
    if (!isObject(table)) continue;
    for (const defKey of Object.keys(table)) {
      const pointer = pointerJoin(`/${key}`, defKey);
      if (table[defKey] !== loaded.schema && looksLikeSchema(table[defKey])) hoist(context, loaded.path, pointer, table[defKey], `${loaded.path}#${pointer}`);
    }
  }
  const defs = [...new Set(context.defs.values())].sort((a, b) => (a.name < b.name ? -1 : 1));

  // The validation pass: what the types pass found, walked again keeping the schema's meaning.
  const quiet = new Problems();
  const faithful: Context = { ...context, problems: quiet, pass: "validation", walk: (node, doc, pointer, mode) => walk(faithful, node, doc, pointer, mode) };
  const faithfulDefs = new Map(defs.map((def) => [def.name, faithful.walk(def.raw, def.doc, def.pointer, { asDef: true, closable: true })]));
  const validationRoot = rootOf(faithful.walk(loaded.schema, loaded.path, "", { asDef: true, closable: true }), (n) => faithfulDefs.get(n), quiet);

  const schema: SchemaObject = { ...root };
  const validation: SchemaObject = { ...validationRoot };
  const defSources: Record<string, string> = {};
  if (defs.length > 0) {
    const table: SchemaObject = {};
    const validationTable: SchemaObject = {};
    for (const def of defs) {
      table[def.name] = def.schema ?? {};
      validationTable[def.name] = faithfulDefs.get(def.name) ?? {};
      defSources[def.name] = def.source;
    }
    schema.$defs = table;
    validation.$defs = validationTable;
  }
  context.sources.set(schema, context.sources.get(root) ?? `${loaded.file}#`);
  context.sources.set(validation, context.sources.get(validationRoot) ?? `${loaded.file}#`);
  return { file: loaded.file, name, dataName, schema, validation, defSources, sourceOf: (node) => context.sources.get(node) };
}

export { canonical, equal } from "./json.js";
export { kebabCase, pascalCase } from "./identifiers.js";
export { RULES } from "./keywords.js";
