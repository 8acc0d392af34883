// Stage 4b': the defaults a new instance is filled with (those of the store's fields)
// must pass the field's own validator, or opening a new instance would fail. A schema
// whose `default` breaks its own constraints (`"default": ""` beside `"minLength": 1`)
// keeps the default as documentation only, with a warning.
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { createRequire } from "node:module";
import { resolvePlace, type Place, type StoreModel } from "./model.js";
import type { Validators } from "./emit-validators.js";
import { RULES } from "./keywords.js";
import type { Problems } from "./problems.js";


const ANNOTATION_ONLY = new Set(["description", "default", "examples", "deprecated", "readOnly", "writeOnly", "title", "$comment"]);
const JSON_TYPES: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  null: (v) => v === null,
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
};

/**
 * Defaults that no keyword of their schema can refuse (an empty list or object where
 * nothing asks for items or keys, a scalar of an allowed type or in the enum): most
 * defaults, checked without compiling anything. Any other default goes to ajv.
 */
function plainlyValid(schema: unknown, value: unknown): boolean {
  if (typeof schema !== "object" || schema === null) return schema === true;
  const node = schema as Record<string, unknown>;
  const keys = Object.keys(node).filter((k) => !ANNOTATION_ONLY.has(k));
  const types = node.type === undefined ? undefined : ([node.type].flat() as string[]);
  if (types !== undefined && !types.some((t) => JSON_TYPES[t]?.(value))) return false;
  if (Array.isArray(node.enum) && !node.enum.some((e) => e === value)) return false;
  if (node.const !== undefined && node.const !== value) return false;
  const bounds: Record<string, (n: number, v: unknown) => boolean> = {
    minimum: (n, v) => typeof v === "number" && v >= n,
    maximum: (n, v) => typeof v === "number" && v <= n,
    exclusiveMinimum: (n, v) => typeof v === "number" && v > n,
    exclusiveMaximum: (n, v) => typeof v === "number" && v < n,
    minLength: (n, v) => typeof v === "string" && [...v].length >= n,
    maxLength: (n, v) => typeof v === "string" && [...v].length <= n,
  };
  const rest = keys.filter((k) => !["type", "enum", "const"].includes(k) && !(k in bounds && typeof node[k] === "number" && bounds[k]!(node[k] as number, value)));
  if (rest.length === 0) return typeof value !== "object" || value === null || types !== undefined;
  if (Array.isArray(value) && value.length === 0) return rest.every((k) => ["items", "prefixItems", "maxItems", "uniqueItems", "maxContains"].includes(k));
  if (JSON_TYPES.object!(value) && Object.keys(value as object).length === 0) {
    return rest.every((k) => ["properties", "patternProperties", "additionalProperties", "maxProperties", "propertyNames", "unevaluatedProperties"].includes(k) || (k === "required" && Array.isArray(node.required) && node.required.length === 0));
  }
  return false;
}

function lookup(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer === "" ? [] : pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function effectiveDefault(model: StoreModel, place: Place): { value: unknown } | undefined {
  return place.default ?? resolvePlace(model, place).default;
}

export function checkDefaults(model: StoreModel, validators: Validators, problems: Problems): StoreModel {
  const fields = model.root.properties.filter(([, place]) => {
    const value = effectiveDefault(model, place)?.value;
    if (value === undefined || place.pointer === undefined) return false;
    let node = lookup(validators.schema, place.pointer);
    for (let hops = 0; typeof node === "object" && node !== null && typeof (node as { $ref?: unknown }).$ref === "string" && hops < 20; hops++) {
      const ref = (node as { $ref: string }).$ref;
      if (!ref.startsWith("#") || Object.keys(node).length > 1) break;
      node = lookup(validators.schema, ref.slice(1));
    }
    return !plainlyValid(node, value);
  });
  if (fields.length === 0) return model;
  // One ajv per check, never shared: a schema edited between two generate() calls
  // (--watch) is judged by its new form.
  const ajv = new Ajv2020({ strict: false, logger: false, validateSchema: false, allErrors: false, ownProperties: true, code: { optimize: false } });
  formats.default(ajv);
  ajv.addMetaSchema(createRequire(import.meta.url)("ajv/dist/refs/json-schema-draft-07.json") as object);
  const key = "store";
  ajv.addSchema(validators.schema, key);
  const invalid = new Set<string>();
  for (const [field, place] of fields) {
    let validate;
    try {
      validate = ajv.getSchema(`${key}#${place.pointer!.split("/").map(encodeURIComponent).join("/")}`);
    } catch {
      validate = undefined;
    }
    if (validate === undefined || validate(effectiveDefault(model, place)!.value)) continue;
    invalid.add(field);
    const error = validate.errors?.[0];
    const source = validators.sources[place.pointer!] ?? `${model.store.file}#${place.pointer!}`;
    const [file, pointer] = [source.slice(0, source.indexOf("#")), source.slice(source.indexOf("#") + 1)];
    problems.warn(file, `${pointer}/default`, RULES.badDefault(`${error?.instancePath ?? ""} ${error?.message ?? "invalid"}`.trim()));
  }
  if (invalid.size === 0) return model;
  const properties = model.root.properties.map(([key, place]) => [key, invalid.has(key) ? { ...place, default: { value: undefined } } : place] as const);
  return { ...model, root: { ...model.root, properties } };
}
