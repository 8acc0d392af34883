// Schema evolution: the change from the schema a store was last generated from to the
// new one, place by place. A change is additive when every value the old schema accepts
// is still accepted (instances already in Redis open as they are): a new optional field,
// a new top-level field with a `default`, a looser constraint. Anything else is breaking:
// a field removed or renamed, a type changed, a constraint tightened, a list become a
// dict, a record's new required key. A breaking change needs a higher
// `"x-redis-memory": { "version" }` and a migration to it.
import { canonicalText, equal, isObject, lookup, pointerJoin, type Schema, type SchemaObject } from "./json.js";

export interface Change {
  readonly kind: "additive" | "breaking";
  /** Bundle pointer of the place (in the new schema; where it was, for a removed one). */
  readonly pointer: string;
  /** What changed, as a sentence. */
  readonly what: string;
}

type Side = { readonly root: SchemaObject; readonly node: Schema; readonly pointer: string };

const LOWER_BOUNDS = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"] as const;
const UPPER_BOUNDS = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"] as const;
// Keywords whose effect cannot be compared one by one: any change to them is breaking.
const OPAQUE = ["not", "if", "then", "else", "contains", "propertyNames", "dependentRequired", "dependentSchemas", "dependencies", "unevaluatedProperties", "unevaluatedItems", "format", "pattern"] as const;
// Annotations: they never change what is accepted.
const ANNOTATION = new Set(["description", "default", "examples", "deprecated", "readOnly", "writeOnly", "title", "$comment", "contentMediaType", "contentEncoding"]);

/** The schema at a place with its `$ref` followed (siblings of the `$ref` kept beside the target's keywords). */
function deref(side: Side, seen = 0): Side {
  const { node } = side;
  if (!isObject(node) || typeof node.$ref !== "string" || !node.$ref.startsWith("#") || seen > 64) return side;
  const pointer = node.$ref.slice(1);
  const target = lookup(side.root, pointer);
  if (target === undefined) return side;
  const { $ref: _ref, ...siblings } = node;
  const meaningful = Object.keys(siblings).filter((k) => !ANNOTATION.has(k));
  const resolved = deref({ root: side.root, node: target as Schema, pointer }, seen + 1);
  if (meaningful.length === 0 || !isObject(resolved.node)) return resolved;
  return { root: side.root, node: { ...resolved.node, ...siblings }, pointer: side.pointer };
}

/** The JSON types a schema node allows (`integer` counted inside `number`). */
function typesOf(node: SchemaObject): Set<string> | undefined {
  const t = node.type;
  if (t === undefined) return undefined;
  return new Set(Array.isArray(t) ? t.map(String) : [String(t)]);
}

function covers(wide: Set<string>, type: string): boolean {
  return wide.has(type) || (type === "integer" && wide.has("number"));
}

const withoutAnnotations = (node: SchemaObject): SchemaObject =>
  Object.fromEntries(Object.entries(node).filter(([k]) => !ANNOTATION.has(k)));

/**
 * Classifies every change from `previous` to `next` (both bundles: named types under
 * `$defs`, refs `#/$defs/...`). `next` may carry annotations (`default` is read).
 */
export function classifyChanges(previous: SchemaObject, next: SchemaObject): Change[] {
  const changes: Change[] = [];
  const visited = new Set<string>();
  const add = (kind: Change["kind"], pointer: string, what: string): void => {
    changes.push({ kind, pointer, what });
  };

  const compare = (oldSide: Side, newSide: Side, isRoot: boolean): void => {
    const o = deref(oldSide);
    const n = deref(newSide);
    const pair = `${o.pointer}\0${n.pointer}`;
    // A named type is compared once, at its own place (recursive types end here).
    if (visited.has(pair)) return;
    visited.add(pair);
    const at = n.pointer;
    if (o.node === true || (isObject(o.node) && Object.keys(withoutAnnotations(o.node)).length === 0)) {
      if (!(n.node === true || (isObject(n.node) && Object.keys(withoutAnnotations(n.node)).length === 0))) {
        add("breaking", at, "a place that accepted any value now has a schema (a constraint tightened)");
      }
      return;
    }
    if (o.node === false) {
      if (n.node !== false) add("additive", at, "a place that accepted nothing now accepts values");
      return;
    }
    if (n.node === false) return add("breaking", at, "a place now accepts no value");
    if (n.node === true || !isObject(n.node)) return add("additive", at, "a place now accepts any value");
    const ov = o.node as SchemaObject;
    const nv = n.node;
    // Equal text is equal meaning unless it refers to named types (which may have changed).
    const oldText = canonicalText(withoutAnnotations(ov));
    if (oldText === canonicalText(withoutAnnotations(nv)) && !oldText.includes('"$ref"')) return;

    // Types.
    const ot = typesOf(ov);
    const nt = typesOf(nv);
    if (nt !== undefined) {
      const lost = ot === undefined ? ["any"] : [...ot].filter((t) => !covers(nt, t));
      if (lost.length > 0) {
        const was = ot === undefined ? "any type" : [...ot].join(" or ");
        const listToDict = ot?.has("array") === true && !nt.has("array") && nt.has("object");
        const dictToList = ot?.has("object") === true && !nt.has("object") && nt.has("array");
        if (listToDict) add("breaking", at, "a list became a dict (type array -> object)");
        else if (dictToList) add("breaking", at, "a dict became a list (type object -> array)");
        else add("breaking", at, `the type changed from ${was} to ${[...nt].join(" or ")}`);
        return;
      }
    }
    if (ot !== undefined && (nt === undefined || [...nt].some((t) => !ot.has(t)))) add("additive", at, "the type accepts more");

    // Bounds.
    for (const key of LOWER_BOUNDS) {
      const a = ov[key];
      const b = nv[key];
      if (typeof b === "number" && (typeof a !== "number" || b > a)) add("breaking", pointerJoin(at, key), `"${key}" tightened (${typeof a === "number" ? a : "none"} -> ${b})`);
      else if (typeof a === "number" && (typeof b !== "number" || b < a)) add("additive", pointerJoin(at, key), `"${key}" loosened`);
    }
    for (const key of UPPER_BOUNDS) {
      const a = ov[key];
      const b = nv[key];
      if (typeof b === "number" && (typeof a !== "number" || b < a)) add("breaking", pointerJoin(at, key), `"${key}" tightened (${typeof a === "number" ? a : "none"} -> ${b})`);
      else if (typeof a === "number" && (typeof b !== "number" || b > a)) add("additive", pointerJoin(at, key), `"${key}" loosened`);
    }
    if (nv.multipleOf !== undefined && !equal(ov.multipleOf, nv.multipleOf)) {
      const a = ov.multipleOf;
      const b = nv.multipleOf;
      const divides = typeof a === "number" && typeof b === "number" && Number.isInteger(a / b);
      if (!divides) add("breaking", pointerJoin(at, "multipleOf"), `"multipleOf" tightened`);
    }
    if (nv.uniqueItems === true && ov.uniqueItems !== true) add("breaking", pointerJoin(at, "uniqueItems"), `"uniqueItems" added (a constraint tightened)`);

    // Values.
    const values = (node: SchemaObject): unknown[] | undefined =>
      Array.isArray(node.enum) ? node.enum : "const" in node ? [node.const] : undefined;
    const oe = values(ov);
    const ne = values(nv);
    if (ne !== undefined) {
      const kept = new Set(ne.map((v) => canonicalText(v)));
      const dropped = oe === undefined ? undefined : oe.filter((v) => !kept.has(canonicalText(v)));
      if (dropped === undefined) add("breaking", pointerJoin(at, "enum" in nv ? "enum" : "const"), "the values are now restricted (enum/const added)");
      else if (dropped.length > 0) add("breaking", pointerJoin(at, "enum" in nv ? "enum" : "const"), `allowed values removed: ${dropped.map((v) => JSON.stringify(v)).join(", ")}`);
    }

    for (const key of OPAQUE) {
      if (!equal(ov[key], nv[key])) {
        if (nv[key] === undefined) add("additive", pointerJoin(at, key), `"${key}" removed`);
        else add("breaking", pointerJoin(at, key), `"${key}" ${ov[key] === undefined ? "added" : "changed"} (it may refuse data the old schema accepted)`);
      }
    }

    // Unions: options added are additive; an option removed or changed is breaking.
    for (const key of ["oneOf", "anyOf"] as const) {
      const a = Array.isArray(ov[key]) ? (ov[key] as Schema[]) : undefined;
      const b = Array.isArray(nv[key]) ? (nv[key] as Schema[]) : undefined;
      if (a === undefined && b === undefined) continue;
      if (a !== undefined && b !== undefined && a.length <= b.length) {
        // Options compared by position: the common case is options appended.
        a.forEach((option, i) => compare({ root: o.root, node: option, pointer: pointerJoin(o.pointer, key, i) }, { root: n.root, node: b[i]!, pointer: pointerJoin(at, key, i) }, false));
        if (b.length > a.length) add("additive", pointerJoin(at, key), `options added to "${key}"`);
      } else if (b === undefined) add("additive", pointerJoin(at, key), `"${key}" removed`);
      else add("breaking", pointerJoin(at, key), a === undefined ? `"${key}" added (a constraint tightened)` : `options removed from "${key}"`);
    }
    {
      const a = Array.isArray(ov.allOf) ? (ov.allOf as Schema[]) : [];
      const b = Array.isArray(nv.allOf) ? (nv.allOf as Schema[]) : [];
      const known = new Set(a.map(canonicalText));
      if (b.some((part) => !known.has(canonicalText(part)))) add("breaking", pointerJoin(at, "allOf"), `"allOf" gained or changed a part (a constraint tightened)`);
    }

    // Objects.
    const op = isObject(ov.properties) ? ov.properties : {};
    const np = isObject(nv.properties) ? nv.properties : {};
    const oreq = new Set(Array.isArray(ov.required) ? ov.required.map(String) : []);
    const nreq = new Set(Array.isArray(nv.required) ? nv.required.map(String) : []);
    const removed = Object.keys(op).filter((k) => !Object.hasOwn(np, k));
    const added = Object.keys(np).filter((k) => !Object.hasOwn(op, k));
    for (const key of removed) {
      const twin = added.find((k) => equal(withoutAnnotations(asObject(op[key])), withoutAnnotations(asObject(np[k]))));
      if (twin !== undefined) add("breaking", pointerJoin(at, "properties", key), `field "${key}" renamed to "${twin}"?: "${key}" removed, "${twin}" added with the same schema`);
      else add("breaking", pointerJoin(at, "properties", key), `field "${key}" removed`);
    }
    for (const key of added) {
      const node = np[key];
      const hasDefault = isObject(node) && "default" in node;
      if (!nreq.has(key)) add("additive", pointerJoin(at, "properties", key), `optional field "${key}" added`);
      else if (isRoot && hasDefault) add("additive", pointerJoin(at, "properties", key), `field "${key}" added with a default`);
      else {
        const why = isRoot ? "without a default (instances already in Redis lack it)" : "(records already in Redis lack it; defaults are filled in for top-level fields only)";
        add("breaking", pointerJoin(at, "properties", key), `new required field "${key}" ${why}`);
      }
    }
    for (const key of nreq) {
      if (oreq.has(key) || !Object.hasOwn(op, key)) continue;
      const node = np[key];
      if (isRoot && isObject(node) && "default" in node) continue;
      add("breaking", pointerJoin(at, "required"), `field "${key}" became required`);
    }
    for (const key of oreq) if (!nreq.has(key)) add("additive", pointerJoin(at, "required"), `field "${key}" became optional`);
    for (const key of Object.keys(op)) {
      if (!Object.hasOwn(np, key)) continue;
      compare({ root: o.root, node: op[key] as Schema, pointer: pointerJoin(o.pointer, "properties", key) }, { root: n.root, node: np[key] as Schema, pointer: pointerJoin(at, "properties", key) }, false);
    }
    const opp = isObject(ov.patternProperties) ? ov.patternProperties : {};
    const npp = isObject(nv.patternProperties) ? nv.patternProperties : {};
    for (const pattern of Object.keys(npp)) {
      const next = { root: n.root, node: npp[pattern] as Schema, pointer: pointerJoin(at, "patternProperties", pattern) };
      if (Object.hasOwn(opp, pattern)) compare({ root: o.root, node: opp[pattern] as Schema, pointer: pointerJoin(o.pointer, "patternProperties", pattern) }, next, false);
      else add("breaking", next.pointer, `patternProperties ${JSON.stringify(pattern)} added (keys already in Redis may not match it)`);
    }
    const oa = ov.additionalProperties;
    const na = nv.additionalProperties;
    if (na !== undefined && !equal(oa, na)) {
      compare({ root: o.root, node: (oa ?? true) as Schema, pointer: pointerJoin(o.pointer, "additionalProperties") }, { root: n.root, node: na as Schema, pointer: pointerJoin(at, "additionalProperties") }, false);
    } else if (na === undefined && oa !== undefined && oa !== true) add("additive", pointerJoin(at, "additionalProperties"), "other keys now accepted");

    // Arrays.
    if (ov.items !== undefined || nv.items !== undefined) {
      compare({ root: o.root, node: (ov.items ?? true) as Schema, pointer: pointerJoin(o.pointer, "items") }, { root: n.root, node: (nv.items ?? true) as Schema, pointer: pointerJoin(at, "items") }, false);
    }
    const opi = Array.isArray(ov.prefixItems) ? (ov.prefixItems as Schema[]) : [];
    const npi = Array.isArray(nv.prefixItems) ? (nv.prefixItems as Schema[]) : [];
    npi.forEach((schema, i) => {
      compare({ root: o.root, node: opi[i] ?? ((ov.items ?? true) as Schema), pointer: pointerJoin(o.pointer, "prefixItems", i) }, { root: n.root, node: schema, pointer: pointerJoin(at, "prefixItems", i) }, false);
    });
  };

  compare({ root: previous, node: previous, pointer: "" }, { root: next, node: next, pointer: "" }, true);
  return changes;
}

function asObject(node: unknown): SchemaObject {
  return isObject(node) ? node : {};
}
