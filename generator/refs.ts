// Stage 2a: `$ref`s. Every target (same file, another file, `$defs`/`definitions`,
// a plain-name `$anchor`) becomes a named type in the bundle's `$defs`, and the
// `$ref` points there. Names come from `title`, else the pointer's last segment; an
// identical subschema wanting a taken name shares it, a different one gets a name
// from its path (`FooItem`), never a refusal.
import { basename, dirname, resolve } from "node:path";
import { where, type Context, type Def } from "./context.js";
import { pascalCase } from "./identifiers.js";
import { decodeSegment, equal, isObject, lookup, pointerJoin, type SchemaObject } from "./json.js";
import { RULES } from "./keywords.js";

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

function findAnchor(node: unknown, anchor: string): unknown {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findAnchor(item, anchor);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isObject(node)) return undefined;
  if (node.$anchor === anchor || node.$id === `#${anchor}` || node.id === `#${anchor}`) return node;
  for (const value of Object.values(node)) {
    const found = findAnchor(value, anchor);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `{ $ref: "#/$defs/Name" }` for a `$ref` value, or `{}` with a problem. */
export function resolveRef(context: Context, value: unknown, doc: string, pointer: string): SchemaObject {
  const at = pointerJoin(pointer, "$ref");
  const file = context.loaded.display(doc);
  if (typeof value !== "string") {
    context.problems.add(file, at, RULES.unresolvedRef(String(value)));
    return {};
  }
  const hash = value.indexOf("#");
  const filePart = hash === -1 ? value : value.slice(0, hash);
  const fragment = hash === -1 ? "" : value.slice(hash + 1);
  const byId = context.loaded.ids.get(filePart);
  const targetDoc = filePart === "" ? doc : (byId ?? resolve(dirname(doc), decodeURI(filePart)));
  const document = context.loaded.documents.get(targetDoc);
  const anchored = fragment !== "" && !fragment.startsWith("/");
  const target = anchored ? findAnchor(document, fragment) : lookup(document, fragment);
  // A relative ref in a document whose $id is a URL names a URL: a loaded document with that $id, or a remote one.
  const base = (context.loaded.documents.get(doc) as { $id?: unknown; id?: unknown } | undefined) ?? {};
  const baseId = typeof base.$id === "string" ? base.$id : typeof base.id === "string" ? base.id : undefined;
  if (document === undefined && filePart !== "" && baseId !== undefined && /^https?:/i.test(baseId) && !/^[a-z][a-z0-9+.-]*:/i.test(filePart)) {
    const url = new URL(filePart, baseId).href;
    const known = context.loaded.ids.get(url);
    if (known !== undefined) return resolveRef(context, `${url}${hash === -1 ? "" : value.slice(hash)}`, doc, pointer);
    context.problems.warn(file, at, RULES.remoteRef(`${url}${hash === -1 ? "" : value.slice(hash)}`), `remote ${url}`);
    return {};
  }
  if (document === undefined && /^[a-z][a-z0-9+.-]*:/i.test(filePart)) {
    context.problems.warn(file, at, RULES.remoteRef(value), `remote ${filePart}`);
    return {};
  }
  if (document === undefined || target === undefined) {
    context.problems.add(file, at, RULES.unresolvedRef(value));
    return {};
  }
  // The root of the store's own file: the store's data type itself.
  if (targetDoc === context.loaded.path && target === context.loaded.schema) return { $ref: "#" };
  const targetPointer = anchored ? `/${fragment}` : fragment;
  return { $ref: `#/$defs/${hoist(context, targetDoc, targetPointer, target, `${targetDoc}#${targetPointer}`)}` };
}
