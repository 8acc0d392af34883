// The keyword table: what the generator does with each keyword it meets in a schema.
// Each rule's sentence is the message of the warning or problem it gives; the test
// suite has one fixture per rule (test/fixtures/generator/keywords/).
import { fullFormats } from "ajv-formats/dist/formats.js";

export const RULES = {
  // Problems: what cannot become a store (exit 2).
  unknownType: (t: unknown) =>
    `unknown type ${JSON.stringify(t)} (expected string, number, integer, boolean, null, object or array)`,
  unresolvedRef: (ref: string) => `$ref "${ref}" cannot be resolved`,
  rootNotObject: () => `the root of a store schema must be an object schema ("type": "object" with "properties")`,
  notSchema: () => `a schema must be an object or a boolean`,
  notNumber: (k: string) => `"${k}" must be a number`,
  badPattern: (p: string, why: string) => `patternProperties key ${JSON.stringify(p)} is not a valid regular expression (${why})`,
  // Warnings: what the generator did instead of refusing.
  unknownKeyword: (k: string) => `unknown keyword "${k}": kept as an annotation (no effect on types or validation)`,
  unknownFormat: (f: string) => `unknown format ${JSON.stringify(f)}: accepted, not validated (ajv-formats knows date-time, email, uri, uuid, ...)`,
  anyType: () => `type "any" (draft-03) is not a JSON Schema type: treated as no type`,
  booleanRequired: () => `"required": true (draft-03) inside a property: ignored; list the property in its parent's "required"`,
  dynamicRef: (k: string) => `"${k}" is not followed: the place accepts any value here`,
  rootDollar: (k: string) => `store property "${k}" starts with "$" (reserved for store members): skipped`,
  rootReserved: (k: string) => `store property "${k}" cannot be a class accessor name: skipped`,
  remoteRef: (ref: string) => `$ref "${ref}" is not fetched (no network access while generating): the place accepts any value; vendor the file and refer to it by relative path to type it`,
  patternNotUnicode: (p: string, why: string) => `pattern ${JSON.stringify(p)} is not a valid Unicode regular expression (${why}): not validated`,
  unknownOnlyOption: (keys: string) => `an option made only of keywords JSON Schema does not know (${keys}) would match any value: it matches none here`,
  badDefault: (why: string) => `"default" does not validate against its own schema (${why}): not filled in for new instances`,
  emptyEnum: () => `"enum": [] matches no value: every write to this place is refused (a ValidationError)`,
  allOfKept: (k: string) => `allOf parts set different values for "${k}": kept as allOf (validated; typed as an intersection)`,
} as const;

/** Annotations ajv knows: kept in the validators' schema (documentation, defaults). */
export const ANNOTATIONS = new Set(["description", "default", "examples", "deprecated", "readOnly", "writeOnly", "contentMediaType", "contentEncoding", "x-redis-memory"]);
/** Annotations dropped from every output. */
export const DROPPED = new Set(["$schema", "$comment", "$vocabulary", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "contentSchema", "title", "$defs", "definitions"]);
export const VALIDATION = new Set([
  "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
  "minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "uniqueItems", "minProperties",
  "maxProperties", "required", "dependentRequired", "minContains", "maxContains",
]);
/** Keywords whose value is one subschema / a map of them / a list of them, and that shape the data. */
export const SHAPING_ONE = ["additionalProperties", "items"] as const;
export const SHAPING_MAPS = ["properties", "patternProperties"] as const;
export const SHAPING_LISTS = ["prefixItems", "oneOf", "anyOf", "allOf"] as const;
/**
 * Keywords that only constrain values: enforced by the generated validators and typed
 * as the base type (the subschemas below them never shape the data).
 */
export const VALUE_ONE = ["not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems"] as const;
export const VALUE_MAPS = ["dependentSchemas"] as const;
export const VALUE_ONLY = new Set<string>([...VALUE_ONE, ...VALUE_MAPS, "dependentRequired", "minContains", "maxContains", "dependencies"]);
export const DYNAMIC = new Set(["$dynamicRef", "$recursiveRef"]);
export const TYPES = new Set(["string", "number", "integer", "boolean", "null", "object", "array"]);
export const NUMERIC = new Set(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minContains", "maxContains"]);
export const KNOWN_FORMATS: ReadonlySet<string> = new Set(Object.keys(fullFormats));

/** Every keyword whose value holds subschemas, as the bundle has them: for walks over it. */
export const SUBSCHEMA_ONE = [...SHAPING_ONE, ...VALUE_ONE] as const;
export const SUBSCHEMA_MAPS = [...SHAPING_MAPS, ...VALUE_MAPS] as const;
export const SUBSCHEMA_LISTS = SHAPING_LISTS;

/** Whether `key` means something to JSON Schema (any draft) or to the generator. */
export function isKeyword(key: string): boolean {
  return ANNOTATIONS.has(key) || DROPPED.has(key) || VALIDATION.has(key) || VALUE_ONLY.has(key) || DYNAMIC.has(key) ||
    (SHAPING_ONE as readonly string[]).includes(key) || (SHAPING_MAPS as readonly string[]).includes(key) ||
    (SHAPING_LISTS as readonly string[]).includes(key) || ["$ref", "$id", "id", "additionalItems"].includes(key);
}
