// Turns ajv standalone validators into the runtime's `Validate` signature: issues
// with a data path, a pointer into the user's schema and a sentence.
import type { Validate, ValidationIssue } from "{{runtime}}";

interface AjvError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

/** An ajv standalone validator function. */
export type AjvFunction = ((value: unknown) => boolean) & { errors?: readonly AjvError[] | null };

function decode(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Data path segments; indexes into arrays become numbers. */
function pathOf(value: unknown, instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  const path: (string | number)[] = [];
  let node: unknown = value;
  for (const raw of instancePath.slice(1).split("/")) {
    const key = decode(raw);
    if (Array.isArray(node)) {
      const index = Number(key);
      path.push(index);
      node = node[index];
    } else {
      path.push(key);
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

// ajv names a `false` subschema with the pseudo-keyword "false schema", also as the last
// segment of its schema path: the place to point at is the subschema itself.
const FALSE_SCHEMA = "false schema";

function sentence(error: AjvError): string {
  if (error.keyword === FALSE_SCHEMA) return "no value is allowed here (the schema is false)";
  const base = error.message ?? "is invalid";
  const params = error.params;
  let detail = "";
  if (Array.isArray(params.allowedValues)) detail = `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  else if ("allowedValue" in params) detail = `: ${JSON.stringify(params.allowedValue)}`;
  else if (typeof params.additionalProperty === "string") detail = `: ${JSON.stringify(params.additionalProperty)}`;
  return `${base}${detail} (${error.keyword})`;
}

/**
 * Binds the sources of one store's validator units (an error whose schema path starts
 * with `#/$defs/pN` failed in unit `pN`; any other path is relative to the place
 * checked): `check(fn, source)` wraps the ajv function of the place `source` into a `Validate`.
 */
export function validatorsFor(defSources: Readonly<Record<string, string>>) {
  const pointerOf = (source: string, ajvPath: string): string => {
    const schemaPath = ajvPath.endsWith(`/${FALSE_SCHEMA}`) ? ajvPath.slice(0, -FALSE_SCHEMA.length - 1) : ajvPath;
    const def = /^#\/\$defs\/([^/]+)(.*)$/.exec(schemaPath);
    const defSource = def ? defSources[decode(def[1] ?? "")] : undefined;
    if (def && defSource !== undefined) return defSource + (def[2] ?? "");
    return source + schemaPath.slice(1);
  };
  return (fn: AjvFunction, source: string): Validate =>
    (value: unknown): readonly ValidationIssue[] | null => {
      if (fn(value)) return null;
      return (fn.errors ?? []).map((error) => ({
        path: pathOf(value, error.instancePath),
        schemaPointer: pointerOf(source, error.schemaPath),
        message: sentence(error),
      }));
    };
}
