// Stage 4b''': the agent-memory annotations of a schema, checked where they stand:
// `"x-redis-memory": { "keepLast": N }` belongs on an array schema and N is a positive
// integer; `"x-redis-memory": { "history": {...} }` belongs on the root. (The root's
// `version` is checked by check-evolution.ts.)
import { isObject, pointerJoin } from "./json.js";
import type { JSONSchema } from "./load.js";
import type { Problems } from "./problems.js";

const ANNOTATION = "x-redis-memory";
const ROOT_KEYS = new Set(["version", "history"]);
const HISTORY_KEYS = new Set(["maxEntries", "maxAgeMs"]);

const positiveInteger = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 1;

/** `keepLast` of an array schema's annotation, when valid. */
export function keepLastOf(node: unknown): number | undefined {
  const annotation = isObject(node) ? node[ANNOTATION] : undefined;
  const keep = isObject(annotation) ? annotation.keepLast : undefined;
  return positiveInteger(keep) ? keep : undefined;
}

/** Reports every misplaced or malformed `"x-redis-memory"` annotation of `schema`. */
export function checkRetention(schema: JSONSchema, file: string, problems: Problems): void {
  const walk = (node: unknown, pointer: string, isRoot: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, pointerJoin(pointer, i), false));
      return;
    }
    if (!isObject(node)) return;
    for (const [key, child] of Object.entries(node)) {
      // enum/const values are data: nothing inside them is an annotation.
      if (key === "enum" || key === "const" || key === "default" || key === "examples") continue;
      if (key === ANNOTATION) checkAnnotation(node, child, pointerJoin(pointer, key), isRoot);
      else walk(child, pointerJoin(pointer, key), false);
    }
  };
  const checkAnnotation = (owner: Record<string, unknown>, annotation: unknown, at: string, isRoot: boolean): void => {
    if (!isObject(annotation)) {
      problems.add(file, at, `"${ANNOTATION}" must be an object (e.g. { "keepLast": 100 } on an array schema)`);
      return;
    }
    for (const [key, value] of Object.entries(annotation)) {
      const where = pointerJoin(at, key);
      if (key === "keepLast") {
        const isArray = owner.type === "array" || (Array.isArray(owner.type) && owner.type.includes("array")) || (owner.type === undefined && (owner.items !== undefined || owner.prefixItems !== undefined));
        if (!isArray) problems.add(file, where, `"keepLast" belongs on an array schema (a list): this schema is not one`);
        else if (!positiveInteger(value)) problems.add(file, where, `"keepLast" must be a positive integer, the number of newest elements the list keeps (got ${JSON.stringify(value)})`);
        else if (typeof owner.minItems === "number" && owner.minItems > value) problems.add(file, where, `"keepLast" (${value}) is below "minItems" (${owner.minItems}): the list could never hold what it must`);
      } else if (key === "history") {
        if (!isRoot) problems.add(file, where, `"history" belongs on the root schema (it keeps the whole instance's batches)`);
        else if (!isObject(value)) problems.add(file, where, `"history" must be an object: { "maxEntries": N, "maxAgeMs": T }`);
        else {
          for (const [bound, n] of Object.entries(value)) {
            if (!HISTORY_KEYS.has(bound)) problems.add(file, pointerJoin(where, bound), `"history" takes "maxEntries" and "maxAgeMs"; "${bound}" is not one of them`);
            else if (!positiveInteger(n)) problems.add(file, pointerJoin(where, bound), `"${bound}" must be a positive integer (got ${JSON.stringify(n)})`);
          }
        }
      } else if (!(isRoot && ROOT_KEYS.has(key))) {
        problems.add(file, where, `"${ANNOTATION}" knows "keepLast" (on an array schema)${isRoot ? `, "version" and "history"` : ""}; "${key}" is not one of them`);
      }
    }
  };
  walk(schema, "", true);
}
