// Where `$ref`s point, as JSON Schema resolves them: every loaded document is indexed
// by the URI of each schema resource in it (the file's own URL, its root `$id`, and the
// `$id` of every embedded resource, resolved against the base URI around it) and by the
// plain-name fragments its `$anchor`s (and draft-07 `"$id": "#name"`s) define. A `$ref`
// resolves against the base URI in effect where it stands, so that
// `{"$ref": "http://example.com/item.json"}`, `{"$ref": "#foo"}` and a relative ref inside
// an embedded resource each name the node they mean: a document and a JSON pointer in it.
import { pathToFileURL } from "node:url";
import { isObject, pointerJoin } from "./json.js";

/** A node of a loaded document: its absolute path and JSON pointer. */
export interface Located {
  readonly doc: string;
  readonly pointer: string;
}

export interface Resources {
  /** Schema resource by absolute URI (no fragment). */
  readonly resources: ReadonlyMap<string, Located>;
  /** Plain-name fragment targets by `uri#name`. */
  readonly anchors: ReadonlyMap<string, Located>;
  /** Base URI of each node that changes it (`doc#pointer` of a node with an `$id`). */
  readonly bases: ReadonlyMap<string, string>;
  /** Base URI of each document's root. */
  readonly roots: ReadonlyMap<string, string>;
}

// Keywords whose value is a subschema, a map of them, or a list of them (every draft):
// where `$id`s and `$anchor`s count. `enum`, `const`, `default`, `examples` hold data.
const ONE = ["additionalProperties", "items", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems"];
const MAPS = ["properties", "patternProperties", "dependentSchemas", "dependencies", "$defs", "definitions"];
const LISTS = ["prefixItems", "items", "oneOf", "anyOf", "allOf"];

function withoutFragment(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = "";
  return copy.href;
}

/** `new URL(ref, base)`, or undefined where the two make no URL. */
export function resolveUri(ref: string, base: string): URL | undefined {
  try {
    return new URL(ref, base);
  } catch {
    return undefined;
  }
}

/** The id a schema object declares: `$id`, else draft-04's `id` (a string). */
function idOf(node: Record<string, unknown>): string | undefined {
  if (typeof node.$id === "string") return node.$id;
  return node.$id === undefined && typeof node.id === "string" ? node.id : undefined;
}

export function indexResources(documents: ReadonlyMap<string, unknown>): Resources {
  const resources = new Map<string, Located>();
  const anchors = new Map<string, Located>();
  const bases = new Map<string, string>();
  const roots = new Map<string, string>();
  // The first definition of a URI wins (a later duplicate is a schema error ajv refuses anyway).
  const add = <T>(map: Map<string, T>, key: string, value: T): void => {
    if (!map.has(key)) map.set(key, value);
  };

  const visit = (doc: string, node: unknown, pointer: string, base: string): void => {
    if (!isObject(node)) return;
    let here = base;
    const id = idOf(node);
    if (id !== undefined) {
      if (id.startsWith("#")) {
        // draft-07: "$id": "#name" is a plain-name fragment of the enclosing resource.
        if (id.length > 1) add(anchors, `${base}#${id.slice(1)}`, { doc, pointer });
      } else {
        const url = resolveUri(id, base);
        if (url !== undefined) {
          here = withoutFragment(url);
          add(resources, here, { doc, pointer });
          bases.set(`${doc}#${pointer}`, here);
        }
      }
    }
    for (const key of ["$anchor", "$dynamicAnchor"]) {
      const name = node[key];
      if (typeof name === "string" && name !== "") add(anchors, `${here}#${name}`, { doc, pointer });
    }
    for (const key of ONE) if (isObject(node[key])) visit(doc, node[key], pointerJoin(pointer, key), here);
    for (const key of MAPS) {
      const map = node[key];
      if (isObject(map)) for (const name of Object.keys(map)) visit(doc, map[name], pointerJoin(pointer, key, name), here);
    }
    for (const key of LISTS) {
      const list = node[key];
      if (Array.isArray(list)) list.forEach((item, i) => visit(doc, item, pointerJoin(pointer, key, i), here));
    }
  };

  for (const [doc, document] of documents) {
    const file = pathToFileURL(doc).href;
    add(resources, file, { doc, pointer: "" });
    const id = isObject(document) ? idOf(document) : undefined;
    const own = id === undefined || id.startsWith("#") ? undefined : resolveUri(id, file);
    const base = own === undefined ? file : withoutFragment(own);
    roots.set(doc, base);
    // The root's own $id is visited as any other (it registers the resource and its base).
    visit(doc, document, "", file);
  }
  return { resources, anchors, bases, roots };
}

/** The base URI in effect at `pointer` of `doc`: the nearest enclosing `$id`'s, else the document's. */
export function baseAt(index: Resources, doc: string, pointer: string): string {
  for (let at = pointer; ; at = at.slice(0, Math.max(at.lastIndexOf("/"), 0))) {
    const base = index.bases.get(`${doc}#${at}`);
    if (base !== undefined) return base;
    if (at === "") return index.roots.get(doc) ?? pathToFileURL(doc).href;
  }
}

export type Target =
  | { readonly kind: "found"; readonly doc: string; readonly pointer: string }
  | { readonly kind: "missing"; readonly uri: string; readonly fragment: string }
  | { readonly kind: "invalid" };

/** Where the `$ref` `ref` written at `pointer` of `doc` points. */
export function locate(index: Resources, doc: string, pointer: string, ref: string): Target {
  const url = resolveUri(ref, baseAt(index, doc, pointer));
  if (url === undefined) return { kind: "invalid" };
  let fragment: string;
  try {
    fragment = decodeURIComponent(url.hash.slice(1));
  } catch {
    fragment = url.hash.slice(1);
  }
  const uri = withoutFragment(url);
  const resource = index.resources.get(uri);
  if (resource === undefined) return { kind: "missing", uri, fragment };
  if (fragment === "") return { kind: "found", ...resource };
  if (fragment.startsWith("/")) return { kind: "found", doc: resource.doc, pointer: resource.pointer + fragment };
  const anchored = index.anchors.get(`${uri}#${fragment}`);
  return anchored === undefined ? { kind: "missing", uri, fragment } : { kind: "found", ...anchored };
}
