// Stage 2a: `$ref`s. Every target (same file, another file, `$defs`/`definitions`,
// an embedded resource by its `$id`, a plain-name `$anchor`; resolved as JSON Schema
// resolves URIs, uris.ts) becomes a named type in the bundle's `$defs`, and the
// `$ref` points there. Names come from `title`, else the pointer's last segment; an
// identical subschema wanting a taken name shares it, a different one gets a name
// from its path (`FooItem`), never a refusal.
import { basename } from "node:path";
import { where, type Context, type Def } from "./context.js";
import { pascalCase } from "./identifiers.js";
import { pathToFileURL } from "node:url";
import { decodeSegment, equal, isObject, nodeAt, pointerJoin, type SchemaObject } from "./json.js";
import { RULES } from "./keywords.js";
import { locate } from "./uris.js";

// Pointer segments that say nothing about a place's meaning.
const STRUCTURAL = new Set(["properties", "items", "prefixItems", "additionalProperties", "patternProperties", "$defs", "definitions", "oneOf", "anyOf", "allOf"]);

function fileBase(doc: string): string {
  return pascalCase(basename(doc).replace(/(\.schema)?\.json$/, ""));
}

/** Names a place could take, best first: the wanted one, then longer paths, then numbered. */
function* candidates(wanted: string, doc: string, pointer: string, otherFile: boolean): Generator<string> {
  if (wanted !== "") yield wanted;
  const segments = pointer.split("/").slice(1).map(decodeSegment).filter((s) => !STRUCTURAL.has(s) && !/^\d+$/.test(s));
  const names = segments.map(pascalCase).filter((s) => s !== "");
  if (names.at(-1) === wanted) names.pop();
  for (let k = 1; k <= names.length; k++) yield names.slice(-k).join("") + wanted;
  const base = fileBase(doc);
  if (otherFile || names.length === 0) yield base + names.join("") + wanted;
  const stem = wanted || names.join("") || base || "Type";
  for (let i = 2; ; i++) yield `${stem}${i}`;
}

/** The name of the def for `target` (hoisted and walked on first use). */
export function hoist(context: Context, doc: string, pointer: string, target: unknown, refKey: string): string {
  const existing = context.defs.get(refKey);
  if (existing) return existing.name;
  const title = isObject(target) && typeof target.title === "string" ? pascalCase(target.title) : "";
  const wanted = title || (pointer === "" ? fileBase(doc) : pascalCase(decodeSegment(pointer.split("/").at(-1) ?? "")));
  const source = where(context, doc, pointer);
  for (const name of candidates(wanted, doc, pointer, doc !== context.loaded.path)) {
    const owner = context.names.get(name);
    if (owner === undefined) {
      const def: Def = { name, source, raw: target, doc, pointer };
      context.names.set(name, { source, def });
      context.defs.set(refKey, def);
      def.schema = context.walk(target, doc, pointer, { asDef: true, closable: true });
      return name;
    }
    // The same subschema again (inlined twice, or one file reached by two paths): one type.
    const same = owner.def !== undefined && (owner.def.doc === doc || !JSON.stringify(target).includes('"$ref"')) && equal(owner.def.raw, target);
    if (same && owner.def) {
      context.defs.set(refKey, owner.def);
      return name;
    }
  }
  throw new Error("unreachable: candidates never end");
}

// JSON Schema's own meta-schemas: not fetched, not typed (their places hold any JSON), but
// validated exactly: the validators' ajv knows them (the runtime's ajv-adapter adds draft-07's).
const META_SCHEMAS = new Set(["https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/draft-07/schema"]);

const hasScheme = (ref: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(ref);

/** `{ $ref: "#/$defs/Name" }` for a `$ref` value, or `{}` with a problem. */
export function resolveRef(context: Context, value: unknown, doc: string, pointer: string): SchemaObject {
  const at = pointerJoin(pointer, "$ref");
  const file = context.loaded.display(doc);
  if (typeof value !== "string") {
    context.problems.add(file, at, RULES.unresolvedRef(String(value)));
    return {};
  }
  const index = context.loaded.resources;
  let found = locate(index, doc, pointer, value);
  // A relative ref in a document whose $id is a URL, to a file next to it that declares no such $id: the file.
  if (found.kind === "missing" && !hasScheme(value) && !value.startsWith("#")) {
    const byFile = locate(index, doc, pointer, new URL(value, pathToFileURL(doc)).href);
    if (byFile.kind === "found") found = byFile;
  }
  if (found.kind === "missing" && META_SCHEMAS.has(found.uri)) {
    context.validationRefAt.set(`${doc}#${pointer}`, { $ref: found.fragment === "" ? found.uri : `${found.uri}#${encodeURI(found.fragment)}` });
    return {};
  }
  if (found.kind === "missing" && !found.uri.startsWith("file:")) {
    const shown = found.fragment === "" ? found.uri : `${found.uri}#${found.fragment}`;
    context.problems.warn(file, at, RULES.remoteRef(shown), `remote ${found.uri}`);
    return {};
  }
  const target = found.kind === "found" ? nodeAt(context.loaded.documents.get(found.doc), found.pointer) : undefined;
  if (found.kind !== "found" || target === undefined) {
    context.problems.add(file, at, RULES.unresolvedRef(value));
    return {};
  }
  // The root of the store's own file: the store's data type itself.
  if (found.doc === context.loaded.path && target === context.loaded.schema) return { $ref: "#" };
  return { $ref: `#/$defs/${hoist(context, found.doc, found.pointer, target, `${found.doc}#${found.pointer}`)}` };
}
