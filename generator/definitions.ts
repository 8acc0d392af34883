// A definitions-only file (`$defs`/`definitions` and annotations, no root object schema)
// holds types that stores share through `$ref`: it is not a store. Its types are
// generated where stores use them, alike in each store's module, so index.ts exports
// each of them once.

const ROOT_ANNOTATIONS = new Set(["$schema", "$id", "id", "$comment", "$anchor", "title", "description", "examples", "deprecated", "$defs", "definitions"]);

export function isDefinitionsOnly(schema: unknown): boolean {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return false;
  const root = schema as Record<string, unknown>;
  if (!Object.hasOwn(root, "$defs") && !Object.hasOwn(root, "definitions")) return false;
  // `"type": "object"` alone declares no store either: a store has properties (or another shape keyword).
  return Object.keys(root).every((key) => ROOT_ANNOTATIONS.has(key) || key.startsWith("x-") || (key === "type" && root[key] === "object"));
}
