// Stage 2: turn one loaded schema file into a self-contained 2020-12 schema (a
// "bundle"): every `$ref` target and every titled subschema is hoisted into
// `$defs` under its type name, draft-07 tuples become `prefixItems`, `allOf` object
// parts are merged, and objects with `properties` are closed. Everything the later
// stages cannot honour is reported here, with file and pointer.
import { basename, dirname, resolve } from "node:path";
import { fullFormats } from "ajv-formats/dist/formats.js";
import type { JSONSchema, LoadedSchema } from "./load.js";
import { pointerJoin, type Problems } from "./problems.js";

export type SchemaObject = Record<string, unknown>;
export type Schema = boolean | SchemaObject;

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
  /** `file#/pointer` of a normalized node (for shape `source`s). */
  readonly sourceOf: (node: object) => string | undefined;
}

export const RULES = {
  unsupported: (k: string) => `keyword "${k}" is not supported by redis-memory-gen`,
  unknownKeyword: (k: string) => `unknown keyword "${k}"`,
  unknownType: (t: unknown) =>
    `unknown type ${JSON.stringify(t)} (expected string, number, integer, boolean, null, object or array)`,
  unresolvedRef: (ref: string) => `$ref "${ref}" cannot be resolved`,
  anchorRef: (ref: string) => `$ref "${ref}" uses a plain-name fragment ($anchor), which is not supported`,
  nestedId: () => `keyword "$id" is only supported at the root of a schema file`,
  unknownFormat: (f: unknown) => `format ${JSON.stringify(f)} is not known (known: ${Object.keys(fullFormats).join(", ")})`,
  rootNotObject: () => `the root of a store schema must be an object schema ("type": "object" with "properties")`,
  rootDollar: (k: string) => `store property "${k}" starts with "$", which is reserved for store members`,
  rootReserved: (k: string) => `store property "${k}" cannot be a class accessor name`,
  protoProperty: () => `a declared property named "__proto__" is not supported (TypeScript types cannot carry it); it is fine as a key of an open object's data`,
  nameClash: (name: string, other: string) => `type name "${name}" is also wanted by ${other}; give one of them another "title"`,
  noName: () => `cannot derive a type name; add a "title"`,
  allOfConflict: (k: string) => `allOf parts set different values for "${k}", which cannot be merged`,
  notSchema: () => `a schema must be an object or a boolean`,
} as const;

const ANNOTATIONS = new Set(["title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment"]);
const VALIDATION = new Set([
  "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
  "minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "uniqueItems", "minProperties",
  "maxProperties", "required",
]);
const APPLICATORS = new Set([
  "properties", "patternProperties", "additionalProperties", "items", "prefixItems", "additionalItems",
  "oneOf", "anyOf", "allOf", "$ref",
]);
const UNSUPPORTED = new Set([
  "not", "if", "then", "else", "$dynamicRef", "$dynamicAnchor", "$anchor", "$recursiveRef", "$recursiveAnchor",
  "unevaluatedProperties", "unevaluatedItems", "propertyNames", "dependentRequired", "dependentSchemas",
  "dependencies", "contains", "minContains", "maxContains", "contentMediaType", "contentEncoding",
  "contentSchema", "$vocabulary",
]);
const TYPES = new Set(["string", "number", "integer", "boolean", "null", "object", "array"]);
const NUMERIC = new Set(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]);
const RESERVED_ROOT = new Set(["constructor", "prototype"]);

/** PascalCase identifier from a title or file name; `""` when nothing is left. */
export function pascalCase(text: string): string {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return /^[0-9]/.test(name) ? `T${name}` : name;
}

export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

function isObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function decodeSegment(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, "/").replace(/~0/g, "~");
}

function lookup(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let node = document;
  for (const raw of pointer.slice(1).split("/")) {
    const key = decodeSegment(raw);
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** Store name from `title`, else the file name (without `.schema.json`/`.json`). */
export function storeNameOf(loaded: LoadedSchema): string {
  const title = isObject(loaded.schema) && typeof loaded.schema.title === "string" ? loaded.schema.title : "";
  return pascalCase(title) || pascalCase(basename(loaded.path).replace(/(\.schema)?\.json$/, ""));
}

interface Def {
  readonly name: string;
  readonly source: string;
  schema?: Schema;
}

export function normalize(loaded: LoadedSchema, problems: Problems): NormalizedStore {
  const name = storeNameOf(loaded);
  const dataName = `${name}Data`;
  const defs = new Map<string, Def>();
  const names = new Map<string, string>([
    [name, `the store class of ${loaded.file}`],
    [dataName, `the data type of ${loaded.file}`],
  ]);
  const sources = new WeakMap<object, string>();
  const where = (doc: string, pointer: string): string => `${loaded.display(doc)}#${pointer}`;

  const hoist = (doc: string, pointer: string, target: unknown, refKey: string): string | undefined => {
    const existing = defs.get(refKey);
    if (existing) return existing.name;
    const segments = pointer.split("/");
    const last = decodeSegment(segments.at(-1) ?? "");
    const title = isObject(target) && typeof target.title === "string" ? target.title : "";
    const typeName =
      pascalCase(title) || (pointer === "" ? pascalCase(basename(doc).replace(/(\.schema)?\.json$/, "")) : pascalCase(last));
    if (!typeName) {
      problems.add(loaded.display(doc), pointer, RULES.noName());
      return undefined;
    }
    const source = where(doc, pointer);
    const other = names.get(typeName);
    if (other !== undefined) {
      problems.add(loaded.display(doc), pointer, RULES.nameClash(typeName, other));
      return undefined;
    }
    names.set(typeName, source);
    const def: Def = { name: typeName, source };
    defs.set(refKey, def);
    def.schema = walk(target, doc, pointer, true);
    return typeName;
  };

  const ref = (value: unknown, doc: string, pointer: string): SchemaObject => {
    const at = pointerJoin(pointer, "$ref");
    if (typeof value !== "string") {
      problems.add(loaded.display(doc), at, RULES.unresolvedRef(String(value)));
      return {};
    }
    const hash = value.indexOf("#");
    const filePart = hash === -1 ? value : value.slice(0, hash);
    const fragment = hash === -1 ? "" : value.slice(hash + 1);
    if (fragment !== "" && !fragment.startsWith("/")) {
      problems.add(loaded.display(doc), at, RULES.anchorRef(value));
      return {};
    }
    const targetDoc = filePart === "" ? doc : resolve(dirname(doc), decodeURI(filePart));
    const document = loaded.documents.get(targetDoc);
    const target = lookup(document, fragment);
    if (document === undefined || target === undefined) {
      problems.add(loaded.display(doc), at, RULES.unresolvedRef(value));
      return {};
    }
    const typeName = hoist(targetDoc, fragment, target, `${targetDoc}#${fragment}`);
    return typeName === undefined ? {} : { $ref: `#/$defs/${typeName}` };
  };

  const walkList = (value: unknown, doc: string, pointer: string): Schema[] => {
    if (!Array.isArray(value)) {
      problems.add(loaded.display(doc), pointer, RULES.notSchema());
      return [];
    }
    return value.map((item, i) => walk(item, doc, pointerJoin(pointer, i), false));
  };

  const walkMap = (value: unknown, doc: string, pointer: string): Record<string, Schema> => {
    const out: Record<string, Schema> = Object.create(null) as Record<string, Schema>;
    if (!isObject(value)) {
      problems.add(loaded.display(doc), pointer, RULES.notSchema());
      return out;
    }
    for (const [key, sub] of Object.entries(value)) out[key] = walk(sub, doc, pointerJoin(pointer, key), false);
    // Back to a plain object so that JSON and ajv see ordinary data.
    return { ...out };
  };

  function walk(node: unknown, doc: string, pointer: string, asDef: boolean): Schema {
    const file = loaded.display(doc);
    if (typeof node === "boolean") return node;
    if (!isObject(node)) {
      problems.add(file, pointer, RULES.notSchema());
      return {};
    }
    // A titled subschema is a named type: hoisted like a $ref target.
    if (!asDef && pointer !== "" && typeof node.title === "string") {
      const typeName = hoist(doc, pointer, node, `${doc}#${pointer}`);
      const out: SchemaObject = typeName === undefined ? {} : { $ref: `#/$defs/${typeName}` };
      sources.set(out, where(doc, pointer));
      return out;
    }
    const out: SchemaObject = {};
    const rest: SchemaObject = {};
    for (const [key, value] of Object.entries(node)) {
      const at = pointerJoin(pointer, key);
      if (UNSUPPORTED.has(key)) {
        problems.add(file, at, RULES.unsupported(key));
      } else if (key === "$schema" || key === "$defs" || key === "definitions") {
        // Definitions are hoisted when referenced (or, at a file root, always).
      } else if (key === "$id") {
        if (pointer !== "") problems.add(file, at, RULES.nestedId());
      } else if (key.startsWith("x-")) {
        // Vendor extensions carry no meaning for types or validation.
      } else if (key === "title") {
        // Titles name types; the hoisting already used it.
      } else if (ANNOTATIONS.has(key)) {
        out[key] = value;
      } else if (VALIDATION.has(key)) {
        if (key === "type") {
          const types = Array.isArray(value) ? value : [value];
          for (const t of types) if (typeof t !== "string" || !TYPES.has(t)) problems.add(file, at, RULES.unknownType(t));
        }
        if (key === "format" && (typeof value !== "string" || !Object.hasOwn(fullFormats, value))) {
          problems.add(file, at, RULES.unknownFormat(value));
        }
        if (NUMERIC.has(key) && typeof value !== "number") {
          problems.add(file, at, `"${key}" must be a number`);
        }
        rest[key] = value;
      } else if (APPLICATORS.has(key)) {
        rest[key] = value;
      } else {
        problems.add(file, at, RULES.unknownKeyword(key));
      }
    }
    if (rest.$ref !== undefined) {
      const target = ref(rest.$ref, doc, pointer);
      delete rest.$ref;
      if (Object.keys(rest).length === 0) {
        Object.assign(out, target);
        sources.set(out, where(doc, pointer));
        return out;
      }
      // 2020-12: keywords beside a $ref apply too.
      const sibling = walk({ ...rest }, doc, pointer, true);
      Object.assign(out, mergeAllOf([target, sibling], file, pointer));
      sources.set(out, where(doc, pointer));
      return out;
    }
    for (const [key, value] of Object.entries(rest)) {
      const at = pointerJoin(pointer, key);
      switch (key) {
        case "properties":
        case "patternProperties":
          if (key === "properties" && isObject(value) && Object.hasOwn(value, "__proto__")) {
            problems.add(loaded.display(doc), pointerJoin(at, "__proto__"), RULES.protoProperty());
          }
          out[key] = walkMap(value, doc, at);
          break;
        case "additionalProperties":
          out[key] = walk(value, doc, at, false);
          break;
        case "items":
          if (Array.isArray(value)) {
            out.prefixItems = walkList(value, doc, at);
            if (rest.additionalItems !== undefined) out.items = walk(rest.additionalItems, doc, pointerJoin(pointer, "additionalItems"), false);
          } else {
            out.items = walk(value, doc, at, false);
          }
          break;
        case "additionalItems":
          break;
        case "prefixItems":
        case "oneOf":
        case "anyOf":
          out[key] = walkList(value, doc, at);
          break;
        case "allOf": {
          const merged = mergeAllOf(walkList(value, doc, at), file, at);
          for (const [k, v] of Object.entries(merged)) {
            if (k === "properties" && isObject(out.properties)) out.properties = { ...out.properties, ...(v as SchemaObject) };
            else if (k === "required" && Array.isArray(out.required)) out.required = [...new Set([...out.required, ...(v as string[])])];
            else out[k] = v;
          }
          break;
        }
        default:
          out[key] = value;
      }
    }
    close(out);
    sources.set(out, where(doc, pointer));
    return out;
  }

  // Objects with properties and no additionalProperties are closed (README, "Schema to TypeScript");
  // objects with neither are open maps.
  function close(out: SchemaObject): void {
    const declaresKeys = out.properties !== undefined || out.patternProperties !== undefined;
    if (out.additionalProperties === undefined && declaresKeys) out.additionalProperties = false;
    const isObjectType = out.type === "object" || (Array.isArray(out.type) && out.type.includes("object"));
    if (out.additionalProperties === undefined && isObjectType && !declaresKeys && out.oneOf === undefined && out.anyOf === undefined && out.allOf === undefined) {
      out.additionalProperties = true;
    }
  }

  const resolveLocal = (schema: Schema): Schema | undefined => {
    if (isObject(schema) && typeof schema.$ref === "string") {
      const defName = schema.$ref.slice("#/$defs/".length);
      for (const def of defs.values()) if (def.name === defName) return def.schema;
      return undefined;
    }
    return schema;
  };

  // allOf parts that are objects merge into one schema, so that a closed part does not
  // reject the properties another part declares.
  function mergeAllOf(parts: Schema[], file: string, pointer: string): SchemaObject {
    const resolved = parts.map(resolveLocal);
    if (resolved.some((p) => p === undefined || typeof p === "boolean")) return { allOf: parts };
    const merged: SchemaObject = {};
    for (const part of resolved as SchemaObject[]) {
      for (const [key, value] of Object.entries(part)) {
        if (ANNOTATIONS.has(key) && key !== "default") {
          if (merged[key] === undefined) merged[key] = value;
        } else if (key === "properties" && isObject(value)) {
          const props: SchemaObject = { ...(isObject(merged.properties) ? merged.properties : {}) };
          for (const [name, sub] of Object.entries(value)) {
            props[name] = props[name] === undefined || equal(props[name], sub) ? sub : { allOf: [props[name], sub] };
          }
          merged.properties = props;
        } else if (key === "required" && Array.isArray(value)) {
          merged.required = [...new Set([...(Array.isArray(merged.required) ? merged.required : []), ...value])];
        } else if (key === "additionalProperties" && value === false && merged.additionalProperties === undefined) {
          merged.additionalProperties = false;
        } else if (merged[key] === undefined || equal(merged[key], value)) {
          merged[key] = value;
        } else {
          problems.add(file, pointer, RULES.allOfConflict(key));
        }
      }
    }
    close(merged);
    return merged;
  }

  // The root: an object schema whose properties become the store's fields.
  const rootPointer = "";
  const root = walk(loaded.schema, loaded.path, rootPointer, true);
  const rootProps = isObject(root) && isObject(root.properties) ? root.properties : undefined;
  const rootType = isObject(root) ? root.type : undefined;
  if (!isObject(root) || rootProps === undefined || (rootType !== undefined && rootType !== "object")) {
    problems.add(loaded.file, "", RULES.rootNotObject());
  }
  for (const key of Object.keys(rootProps ?? {})) {
    const at = pointerJoin("/properties", key);
    if (key.startsWith("$")) problems.add(loaded.file, at, RULES.rootDollar(key));
    if (RESERVED_ROOT.has(key)) problems.add(loaded.file, at, RULES.rootReserved(key));
  }
  // Every definition of the root file is a named type, used or not.
  for (const key of ["$defs", "definitions"]) {
    const table = isObject(loaded.schema) ? loaded.schema[key] : undefined;
    if (!isObject(table)) continue;
    for (const defKey of Object.keys(table)) {
      const pointer = pointerJoin(`/${key}`, defKey);
      hoist(loaded.path, pointer, table[defKey], `${loaded.path}#${pointer}`);
    }
  }

  const schema: SchemaObject = isObject(root) ? { ...root } : {};
  const defSources: Record<string, string> = {};
  if (defs.size > 0) {
    const table: SchemaObject = {};
    for (const def of [...defs.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      table[def.name] = def.schema ?? {};
      defSources[def.name] = def.source;
    }
    schema.$defs = table;
  }
  sources.set(schema, where(loaded.path, ""));
  return {
    file: loaded.file,
    name,
    dataName,
    schema,
    defSources,
    sourceOf: (node) => sources.get(node),
  };
}

export function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Same value with object keys sorted: for hashing and comparisons. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isObject(value)) {
    const out: SchemaObject = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical(value[key]);
    return out;
  }
  return value;
}

export { type JSONSchema };
