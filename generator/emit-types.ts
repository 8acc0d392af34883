// Stage 4a: the data types, by json-schema-to-typescript. What it gets wrong is
// rewritten before it sees the schema: `prefixItems` become draft-07 tuples (it
// ignores them), `patternProperties` fold into the index signature (it loses the
// regex and writes a confusing comment), keywords beside a `$ref` are dropped (it
// declares the type twice), and every named type carries its name as `title`, the
// anonymous objects too (names.ts), so that each object type has a name to refer to.
import { compile, type Options } from "json-schema-to-typescript";
import { equal, isObject, setOwn, type Schema, type SchemaObject } from "./json.js";
import { VALUE_ONLY } from "./keywords.js";
import { unionOptions } from "./classify.js";
import type { StoreModel } from "./model.js";

// Pinned versions: upgrading json-schema-to-typescript changes its output.
const OPTIONS: Partial<Options> = {
  additionalProperties: false,
  strictIndexSignatures: true,
  enableConstEnums: false,
  ignoreMinAndMaxItems: true,
  unreachableDefinitions: true,
  format: false,
  bannerComment: "",
  declareExternallyReferenced: true,
  $refOptions: { resolve: { http: false } },
};

function forTypes(node: Schema, titles: ReadonlyMap<object, string>): Schema {
  if (!isObject(node)) return node;
  if (typeof node.$ref === "string") return { $ref: node.$ref };
  const out: SchemaObject = {};
  const title = titles.get(node);
  if (title !== undefined) out.title = title;
  // Value-only keywords, and a oneOf/anyOf beside the node's own type or of constraints only, type as the base type.
  const union = unionOptions(node)?.key;
  for (const [key, value] of Object.entries(node)) {
    if (VALUE_ONLY.has(key) || ((key === "oneOf" || key === "anyOf") && key !== union)) continue;
    // json-schema-to-typescript would follow a `$ref` key inside enum/const data: such data types as the base type.
    if ((key === "enum" || key === "const") && JSON.stringify(value).includes('"$ref"')) continue;
    switch (key) {
      case "properties":
      case "patternProperties":
      case "$defs": {
        const map: SchemaObject = {};
        for (const [k, v] of Object.entries(value as SchemaObject)) setOwn(map, k, forTypes(v as Schema, titles));
        out[key] = map;
        break;
      }
      case "items":
      case "additionalProperties":
        out[key] = forTypes(value as Schema, titles);
        break;
      case "allOf": {
        // Beside the node's own shape, parts that shape nothing (a stacked oneOf) type as the base type.
        const own = node.type !== undefined || node.properties !== undefined;
        const parts = (value as Schema[]).filter((v) => !own || !isObject(v) || ["type", "properties", "items", "$ref", "patternProperties", "additionalProperties"].some((k) => v[k] !== undefined));
        if (parts.length > 0) out[key] = parts.map((v) => forTypes(v, titles));
        break;
      }
      case "prefixItems":
      case "oneOf":
      case "anyOf":
        out[key] = (value as Schema[]).map((v) => forTypes(v, titles));
        break;
      // Annotations jstt would print as JSDoc tags; only description/deprecated are wanted.
      case "default":
      case "examples":
      case "format":
      case "pattern":
      case "$comment":
        break;
      default:
        out[key] = value;
    }
  }
  const objectLike = out.properties !== undefined || out.patternProperties !== undefined || out.type === "object";
  if (objectLike && out.additionalProperties === undefined) out.additionalProperties = true;
  if (Array.isArray(out.prefixItems)) {
    const rest = out.items;
    out.items = out.prefixItems;
    delete out.prefixItems;
    if (rest !== undefined) out.additionalItems = rest;
  }
  const patterns = isObject(out.patternProperties) ? Object.values(out.patternProperties) : [];
  delete out.patternProperties;
  const extra = out.additionalProperties;
  if (patterns.length > 0 || (isObject(extra) && isObject(out.properties))) {
    // One index signature must admit every value the object can hold.
    const options: Schema[] = [...(patterns as Schema[])];
    if (extra === true) options.push({});
    else if (isObject(extra)) options.push(extra);
    if (isObject(out.properties)) options.push(...Object.values(out.properties as Record<string, Schema>));
    const unique = options.filter((o, i) => options.findIndex((p) => equal(p, o)) === i);
    out.additionalProperties = unique.length === 1 ? unique[0] : { anyOf: unique };
  }
  return out;
}

/** The TypeScript declarations of a store's data types, as json-schema-to-typescript writes them. */
export async function emitTypes(model: StoreModel): Promise<string> {
  const { store, names } = model;
  const schema = forTypes(store.schema, names.anonymous) as SchemaObject;
  delete schema.$id;
  schema.title = store.dataName;
  // A root typed ["object", ...] is a store of its object form: the data type is that object.
  if (Array.isArray(schema.type) && schema.type.includes("object")) schema.type = "object";
  if (isObject(schema.$defs)) {
    for (const [name, def] of Object.entries(schema.$defs)) {
      schema.$defs[name] = isObject(def) ? { ...def, title: name } : { title: name };
    }
  }
  const text = await compile(schema, store.dataName, OPTIONS);
  return indent(tidy(text));
}

// json-schema-to-typescript's output unformatted (its Prettier pass is most of its
// time): indent it by brace depth, which is all its declarations need.
function indent(text: string): string {
  let depth = 0;
  return text
    .split("\n")
    .map((raw) => {
      const line = raw.trim();
      const code = line.startsWith("*") || line.startsWith("/*") ? "" : line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, "");
      const opens = (code.match(/[{(]/g) ?? []).length;
      const closes = (code.match(/[})]/g) ?? []).length;
      if (/^[})]/.test(code)) depth = Math.max(0, depth - 1);
      const out = line === "" ? "" : "  ".repeat(depth) + (line.startsWith("*") ? " " : "") + line;
      depth = Math.max(0, depth + opens - closes + (/^[})]/.test(code) ? 1 : 0));
      return out;
    })
    .join("\n");
}

// jstt explains where each definition came from with a comment naming the pointer
// of its own, rewritten input: noise for a reader of the generated file.
function tidy(text: string): string {
  return text
    .replace(/\/\*\*\n \* This interface was referenced by `[^`]*`'s JSON-Schema\n \* via the `definition` "[^"]*".\n \*\/\n/g, "")
    .replace(/\n \* ?\n \* This interface was referenced by `[^`]*`'s JSON-Schema\n \* via the `definition` "[^"]*".\n/g, "\n")
    .trim();
}
