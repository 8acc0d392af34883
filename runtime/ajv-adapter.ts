// The validators of generated stores: a store's schema (the generator's bundle, every
// named type once under `$defs`) compiled by ajv on first use. Each place validates
// with a fast check (ajv, first error only); only when that fails is the same schema
// compiled with every error and its schema object, and each error is named by the
// place of the user's schema file it comes from.
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { createRequire } from "node:module";
import { GeneratedCodeError } from "./errors.js";
import type { Validate, ValidationIssue } from "./shape.js";

type Json = Readonly<Record<string, unknown>>;

// draft-07's meta-schema, as ajv ships it (a JSON module import would warn on Node 20).
const draft07 = createRequire(import.meta.url)("ajv/dist/refs/json-schema-draft-07.json") as object;

/** Where a place's schema lives: its source (`file#/pointer`) and its validator. */
export interface PlaceValidation {
  readonly source: string;
  readonly validate: Validate;
}

interface AjvError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
  readonly parentSchema?: unknown;
}

type AjvFunction = ((value: unknown) => boolean) & { errors?: readonly AjvError[] | null };

const KEY = "store";
const ONE = ["additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems"];
const MAPS = ["properties", "patternProperties", "dependentSchemas", "$defs"];
const LISTS = ["prefixItems", "oneOf", "anyOf", "allOf"];

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const escape = (segment: string | number): string => String(segment).replace(/~/g, "~0").replace(/\//g, "~1");
const decode = (segment: string): string => segment.replace(/~1/g, "/").replace(/~0/g, "~");

function newAjv(schema: Json, detailed: boolean): Ajv2020 {
  // Refs compiled once each, not inlined into every place that uses them: a large schema
  // (biome's configuration) compiles in about two thirds of the time.
  // ownProperties: a key is present when the object has it, not when its prototype does
  // (`{}` has no "constructor" property for `properties`/`required`).
  const ajv = new Ajv2020({ allErrors: detailed, verbose: detailed, strict: false, logger: false, validateSchema: false, addUsedSchema: false, inlineRefs: false, ownProperties: true });
  addFormats.default(ajv);
  // A `$ref` to draft-07's meta-schema stays a URL in the bundle (2020-12's ajv knows already).
  ajv.addMetaSchema(draft07);
  try {
    ajv.addSchema(schema as object, KEY);
  } catch (error) {
    throw new GeneratedCodeError("", `ajv cannot read the schema bundle (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  return ajv;
}

/** Data path segments; indexes into arrays become numbers. */
function pathOf(value: unknown, instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  const path: (string | number)[] = [];
  let node: unknown = value;
  for (const raw of instancePath.slice(1).split("/")) {
    const key = decode(raw);
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = isObject(node) ? node[key] : undefined;
    }
  }
  return path;
}

function sentence(error: AjvError): string {
  if (error.keyword === "false schema") return "no value is allowed here (the schema is false)";
  const params = error.params;
  let detail = "";
  if (Array.isArray(params.allowedValues)) detail = `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  else if ("allowedValue" in params) detail = `: ${JSON.stringify(params.allowedValue)}`;
  else if (typeof params.additionalProperty === "string") detail = `: ${JSON.stringify(params.additionalProperty)}`;
  return `${error.message ?? "is invalid"}${detail} (${error.keyword})`;
}

/**
 * Binds one store's schema. `sources` gives the `file#/pointer` of the bundle's root and
 * of every node that does not sit where its parent's source says (named types, nodes
 * from another file); `at(pointer)` gives the source and validator of the place whose
 * schema is at `pointer` in the bundle.
 */
export function ajvValidators(schema: Json, sources: Readonly<Record<string, string>>): (pointer: string) => PlaceValidation {
  let fast: Ajv2020 | undefined;
  let detailed: Ajv2020 | undefined;
  let nodeSources: WeakMap<object, string> | undefined;

  const sourceOf = (pointer: string): string => {
    const segments = pointer === "" ? [] : pointer.slice(1).split("/");
    for (let n = segments.length; n >= 0; n--) {
      const prefix = n === 0 ? "" : `/${segments.slice(0, n).join("/")}`;
      const base = sources[prefix];
      if (base !== undefined) return base + pointer.slice(prefix.length);
    }
    return `#${pointer}`;
  };
  // Every schema object of the bundle with its source, for naming errors by the node they come from.
  const indexSources = (): WeakMap<object, string> => {
    const map = new WeakMap<object, string>();
    const visit = (node: unknown, pointer: string, source: string): void => {
      if (!isObject(node)) return;
      const own = sources[pointer] ?? source;
      map.set(node, own);
      const child = (sub: unknown, ...segments: (string | number)[]): void => {
        const rel = segments.map((s) => `/${escape(s)}`).join("");
        visit(sub, pointer + rel, own + rel);
      };
      for (const key of ONE) if (node[key] !== undefined) child(node[key], key);
      for (const key of MAPS) if (isObject(node[key])) for (const [k, sub] of Object.entries(node[key])) child(sub, key, k);
      for (const key of LISTS) if (Array.isArray(node[key])) (node[key] as unknown[]).forEach((sub, i) => child(sub, key, i));
    };
    visit(schema, "", sources[""] ?? "#");
    return map;
  };
  const compile = (ajv: Ajv2020, pointer: string): AjvFunction => {
    let fn: unknown;
    try {
      fn = ajv.getSchema(`${KEY}#${pointer.split("/").map(encodeURIComponent).join("/")}`);
    } catch (error) {
      throw new GeneratedCodeError(pointer, `ajv cannot compile it (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    if (fn === undefined) throw new GeneratedCodeError(pointer, "the schema bundle has nothing there");
    return fn as AjvFunction;
  };

  return (pointer) => {
    const source = sourceOf(pointer);
    let check: AjvFunction | undefined;
    let explain: AjvFunction | undefined;
    const validate: Validate = (value) => {
      check ??= compile((fast ??= newAjv(schema, false)), pointer);
      if (check(value)) return null;
      explain ??= compile((detailed ??= newAjv(schema, true)), pointer);
      explain(value);
      nodeSources ??= indexSources();
      const issues: ValidationIssue[] = (explain.errors ?? []).map((error) => {
        const segments = error.schemaPath.split("/");
        const keyword = error.keyword === "false schema" ? "" : `/${segments.at(-1) ?? error.keyword}`;
        const parent = error.parentSchema;
        // The file and place of the keyword itself, followed through `$ref`s.
        const base = (isObject(parent) ? nodeSources!.get(parent) : undefined) ?? source;
        return { path: pathOf(value, error.instancePath), schemaPointer: base + keyword, message: sentence(error) };
      });
      return issues.length > 0 ? issues : [{ path: [], schemaPointer: source, message: "is invalid" }];
    };
    return { source, validate };
  };
}

function lookup(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer === "" ? [] : pointer.slice(1).split("/")) {
    const key = decode(decodeURIComponent(raw));
    node = Array.isArray(node) ? node[Number(key)] : isObject(node) ? node[key] : undefined;
  }
  return node;
}
