// Stage 4b: the validators module of a store: the bundle (every named type once, under
// `$defs`), without annotations, and the table of where its nodes come from in the
// user's files. The runtime's `ajvValidators` compiles each place's validator from it on
// first use, so the module is about the size of the schema it checks.
import { Ajv2020 } from "ajv/dist/2020.js";
import type { StoreModel } from "./model.js";
import { isObject, pointerJoin, type Schema, type SchemaObject } from "./json.js";
import { ANNOTATIONS, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS, SUBSCHEMA_ONE } from "./keywords.js";
import type { Problems } from "./problems.js";

export interface Validators {
  /** The bundle ajv compiles, without annotations. */
  readonly schema: SchemaObject;
  /** Bundle pointer -> `file#/pointer`, for the root and every node not where its parent says. */
  readonly sources: Readonly<Record<string, string>>;
}

// Checking a schema against the 2020-12 meta-schema compiles that meta-schema: done once
// per process, on this shared instance, instead of once per store. It holds nothing of
// any store (validateSchema adds no schema), so runs cannot see each other's.
let metaChecker: Ajv2020 | undefined;

function checkAgainstMetaSchema(model: StoreModel, problems: Problems): boolean {
  metaChecker ??= new Ajv2020({ allErrors: true, strict: false, logger: false });
  if (metaChecker.validateSchema(model.store.validation) === true) return true;
  for (const error of metaChecker.errors ?? []) {
    problems.add(model.store.file, error.instancePath, `invalid schema: ${error.message ?? error.keyword}`);
  }
  return false;
}

export function emitValidators(model: StoreModel, problems: Problems): Validators | undefined {
  if (!checkAgainstMetaSchema(model, problems)) return undefined;
  const { store } = model;
  const sources: Record<string, string> = {};
  const strip = (node: Schema, pointer: string, expected: string | undefined): Schema => {
    if (!isObject(node)) return node;
    const actual = store.sourceOf(node) ?? expected ?? `${store.file}#${pointer}`;
    if (actual !== expected) sources[pointer] = actual;
    const out: SchemaObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (ANNOTATIONS.has(key)) continue;
      const at = (...segments: (string | number)[]): [string, string] => {
        const rel = pointerJoin("", ...segments);
        return [pointer + rel, actual + rel];
      };
      if ((SUBSCHEMA_ONE as readonly string[]).includes(key)) out[key] = strip(value as Schema, ...at(key));
      else if ((SUBSCHEMA_MAPS as readonly string[]).includes(key) && isObject(value)) {
        const map: SchemaObject = {};
        for (const k of Object.keys(value)) Object.defineProperty(map, k, { value: strip(value[k] as Schema, ...at(key, k)), enumerable: true, writable: true, configurable: true });
        out[key] = map;
      } else if ((SUBSCHEMA_LISTS as readonly string[]).includes(key) && Array.isArray(value)) {
        out[key] = value.map((v, i) => strip(v as Schema, ...at(key, i)));
      } else if (key === "$defs" && pointer === "" && isObject(value)) {
        const defs: SchemaObject = {};
        for (const [name, def] of Object.entries(value)) {
          const defPointer = pointerJoin("/$defs", name);
          sources[defPointer] = store.defSources[name] ?? `${store.file}#${defPointer}`;
          defs[name] = strip(def as Schema, defPointer, sources[defPointer]);
        }
        out[key] = defs;
      } else out[key] = value;
    }
    return out;
  };
  const schema = strip(store.validation, "", undefined) as SchemaObject;
  return { schema, sources };
}
