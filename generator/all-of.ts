// Stage 2b: `allOf`. Parts that are objects merge into one schema, so that a closed
// part does not reject the properties another part declares. Parts that cannot merge
// (booleans, different values for one keyword) stay an `allOf`, with a warning.
import { close } from "./close.js";
import type { Context } from "./context.js";
import { equal, isObject, setOwn, type Schema, type SchemaObject } from "./json.js";
import { ANNOTATIONS, RULES } from "./keywords.js";

// Keywords that say what the data is: two parts that disagree on one cannot merge.
const SHAPING = new Set(["properties", "patternProperties", "additionalProperties", "items", "prefixItems", "const", "enum", "$ref"]);

function resolveLocal(context: Context, schema: Schema): Schema | undefined {
  if (isObject(schema) && typeof schema.$ref === "string" && schema.$ref.startsWith("#/$defs/")) {
    const name = schema.$ref.slice("#/$defs/".length);
    return context.names.get(name)?.def?.schema;
  }
  return schema;
}

export function mergeAllOf(context: Context, parts: Schema[], file: string, pointer: string): SchemaObject {
  const resolved = parts.map((p) => resolveLocal(context, p));
  if (resolved.some((p) => p === undefined || typeof p === "boolean" || isObject(p) && typeof p.$ref === "string")) return { allOf: parts };
  const merged: SchemaObject = {};
  const stacked: SchemaObject[] = [];
  const kept = (key: string): SchemaObject => {
    context.problems.warn(file, pointer, RULES.allOfKept(key));
    return { allOf: parts };
  };
  for (const part of resolved as SchemaObject[]) {
    for (const [key, value] of Object.entries(part)) {
      if (ANNOTATIONS.has(key) && key !== "default") {
        if (merged[key] === undefined) merged[key] = value;
      } else if (key === "properties" && isObject(value)) {
        const props: SchemaObject = { ...(isObject(merged.properties) ? merged.properties : {}) };
        for (const [name, sub] of Object.entries(value)) {
          setOwn(props, name, !Object.hasOwn(props, name) || equal(props[name], sub) ? sub : { allOf: [props[name], sub] });
        }
        merged.properties = props;
      } else if (key === "required" && Array.isArray(value)) {
        merged.required = [...new Set([...(Array.isArray(merged.required) ? merged.required : []), ...value])];
      } else if (key === "additionalProperties" && value === false && merged.additionalProperties === undefined) {
        merged.additionalProperties = false;
      } else if (merged[key] === undefined || equal(merged[key], value)) {
        merged[key] = value;
      } else if (key === "type") {
        // Both parts' types must hold: what they share.
        const shared = [merged.type].flat().filter((t) => [value].flat().includes(t));
        if (shared.length === 0) return kept(key);
        merged.type = shared.length === 1 ? shared[0] : shared;
      } else if (SHAPING.has(key)) {
        return kept(key);
      } else {
        // Two constraints of one keyword (two oneOf lists, two patterns): both hold.
        stacked.push({ [key]: value });
      }
    }
  }
  if (stacked.length > 0) merged.allOf = [...(Array.isArray(merged.allOf) ? merged.allOf : []), ...stacked];
  close(merged, { asDef: false, closable: true });
  return merged;
}
