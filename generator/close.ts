// Objects with properties and no additionalProperties are closed (types and validation
// agree); objects with neither are open maps. Not below value-only keywords (a `not`
// or `if` part constrains, it does not list keys), and not where `oneOf`/`anyOf`
// options list keys of their own or `unevaluatedProperties` decides.
import type { Mode } from "./context.js";
import { isObject, type SchemaObject } from "./json.js";

const declaresKeys = (node: unknown): boolean => isObject(node) && (node.properties !== undefined || node.patternProperties !== undefined);

export function optionsDeclareKeys(node: SchemaObject): boolean {
  return [node.oneOf, node.anyOf].some((options) => Array.isArray(options) && options.some(declaresKeys));
}

export function close(out: SchemaObject, mode: Mode): void {
  if (out.additionalProperties !== undefined || out.unevaluatedProperties !== undefined) return;
  if (declaresKeys(out)) {
    if (mode.closable && !optionsDeclareKeys(out)) out.additionalProperties = false;
    return;
  }
  const isObjectType = out.type === "object" || (Array.isArray(out.type) && out.type.includes("object"));
  if (isObjectType && out.oneOf === undefined && out.anyOf === undefined && out.allOf === undefined) out.additionalProperties = true;
}
