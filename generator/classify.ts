// What a schema node holds, read from its keywords: the kinds of value (dict, list,
// scalar) and whether a oneOf/anyOf shapes it or only constrains it.
import { isObject, type Schema, type SchemaObject } from "./json.js";

export type Kind = "dict" | "list" | "scalar";

/** What a schema node can hold, from its `type` (or, without one, from the keywords it uses). */
export function kindsOf(node: SchemaObject): Kind[] | "any" {
  const types = node.type === undefined ? [] : Array.isArray(node.type) ? (node.type as string[]) : [node.type as string];
  if (types.length > 0) {
    const kinds = new Set<Kind>(types.map((t) => (t === "object" ? "dict" : t === "array" ? "list" : "scalar")));
    return (["dict", "list", "scalar"] as const).filter((k) => kinds.has(k));
  }
  if (node.properties !== undefined || node.patternProperties !== undefined || node.additionalProperties !== undefined) return ["dict"];
  if (node.items !== undefined || node.prefixItems !== undefined) return ["list"];
  const values = node.const !== undefined ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
  if (values !== undefined && values.every((v) => v === null || typeof v !== "object")) return ["scalar"];
  return "any";
}

const SHAPING_KEYS = ["type", "properties", "patternProperties", "additionalProperties", "items", "prefixItems", "enum", "const", "$ref", "oneOf", "anyOf", "allOf"];

/** A subschema that only adds constraints (`{ "required": [...] }`, `{ "not": ... }`): it shapes nothing. */
export function isConstraint(node: Schema): boolean {
  return isObject(node) && !SHAPING_KEYS.some((k) => node[k] !== undefined);
}

/** The options of a `oneOf`/`anyOf` that shapes the place (not constraints, not beside the node's own keys). */
export function unionOptions(node: SchemaObject): { key: "oneOf" | "anyOf"; options: Schema[] } | undefined {
  const ownShape = node.type !== undefined || node.properties !== undefined || node.patternProperties !== undefined || node.items !== undefined || node.prefixItems !== undefined || node.enum !== undefined || node.const !== undefined;
  if (ownShape) return undefined;
  for (const key of ["oneOf", "anyOf"] as const) {
    const options = node[key];
    if (Array.isArray(options) && !options.every(isConstraint)) return { key, options: options as Schema[] };
  }
  return undefined;
}

