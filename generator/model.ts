// Stage 3: the store model. Each place of a store (a field, a list item, a dict
// value, a union option) becomes one `Place`, a tagged union of the kinds the
// runtime knows, plus `ref`: a place that holds a named type, whose place is built
// once (`StoreModel.defs`) and referred to wherever the type is used, so that the
// model grows with the schema, not with its `$ref` expansion. `pointer` is where the
// place's schema lives in the bundle: the place's validator is compiled from it.
// Keywords that only constrain values (`not`, `if`, a `oneOf` of `required` lists,
// ...) never shape a place: the validator enforces them.
import { keepLastOf } from "./check-retention.js";
import { isObject, lookup, pointerJoin, type Schema, type SchemaObject } from "./json.js";
export { isConstraint, kindsOf, unionOptions, type Kind } from "./classify.js";
import { kindsOf, unionOptions, type Kind } from "./classify.js";
import { nameTypes, type TypeNames } from "./names.js";
import type { NormalizedStore } from "./normalize.js";

interface PlaceBase {
  /** Bundle pointer of the schema validating this place; absent: anything goes. */
  readonly pointer?: string;
  /**
   * The place's schema has a keyword about the whole container (`contains`, `oneOf`,
   * `propertyNames`, ...): the runtime checks the whole value again after each change
   * inside it. Also set where a part of the schema is not any one child's own schema.
   */
  readonly whole?: true;
  /** Present when the schema gives a `default`. */
  readonly default?: { readonly value: unknown };
}

export type DictPlace = PlaceBase & {
  readonly kind: "dict";
  readonly properties: readonly (readonly [string, Place])[];
  readonly patternProperties: readonly { readonly pattern: string; readonly place: Place }[];
  readonly additional: Place | false;
  readonly required: readonly string[];
  readonly minProperties?: number;
  readonly maxProperties?: number;
};

export type Place =
  | (PlaceBase & { readonly kind: "any" })
  | (PlaceBase & { readonly kind: "scalar" })
  | (PlaceBase & {
      readonly kind: "list";
      readonly items: Place;
      readonly prefixItems?: readonly Place[];
      readonly minItems?: number;
      readonly maxItems?: number;
      readonly uniqueItems?: boolean;
      /** `"x-redis-memory": { "keepLast" }`: the list keeps its newest N elements. */
      readonly keepLast?: number;
    })
  | DictPlace
  | (PlaceBase & { readonly kind: "union"; readonly options: readonly Place[] })
  | (PlaceBase & { readonly kind: "ref"; readonly name: string });

export interface StoreModel {
  readonly store: NormalizedStore;
  /** The root place: always a dict. */
  readonly root: DictPlace;
  /** The place of each named type a `ref` place names, dependencies first. */
  readonly defs: ReadonlyMap<string, Place>;
  /** Names of the object types and their synced interfaces. */
  readonly names: TypeNames;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

export function model(store: NormalizedStore): StoreModel {
  const defSchemas = isObject(store.schema.$defs) ? store.schema.$defs : {};
  const defs = new Map<string, Place>();
  const building = new Set<string>();

  const defPlace = (name: string): Place | undefined => {
    if (!defs.has(name) && !building.has(name) && Object.hasOwn(defSchemas, name)) {
      building.add(name);
      const place = placeOf(defSchemas[name] as Schema, pointerJoin("/$defs", name));
      building.delete(name);
      defs.set(name, place);
    }
    return defs.get(name);
  };

  // The place's schema as ajv judges it; absent where the types merged parts into a node of their own.
  const validationAt = (pointer: string): Schema | undefined => {
    const node = lookup(store.validation, pointer);
    return typeof node === "boolean" || isObject(node) ? node : undefined;
  };

  function placeOf(node: Schema, pointer: string): Place {
    const place = shapedPlace(node, pointer);
    // The runtime holds an "any" place as plain data: its schema, if it says anything, is checked whole.
    const checked = place.pointer === undefined ? undefined : validationAt(place.pointer);
    if (place.kind === "any" && !place.whole && checked !== undefined && !acceptsAll(checked)) return { ...place, whole: true };
    return place;
  }

  function shapedPlace(node: Schema, pointer: string): Place {
    const checked = validationAt(pointer);
    const base: PlaceBase = {
      ...(checked === undefined ? {} : { pointer }),
      ...(checked !== undefined && isWhole(store.validation, checked) ? { whole: true as const } : {}),
      ...(isObject(node) && node.default !== undefined ? { default: { value: node.default } } : {}),
    };
    if (typeof node === "boolean") return { ...base, kind: "any" };
    if (typeof node.$ref === "string") {
      // The store's own root, or a type on a cycle: the runtime holds it as "any", validated whole.
      if (node.$ref === "#") return { ...base, kind: "any" };
      const name = node.$ref.slice("#/$defs/".length);
      const target = defPlace(name);
      if (target === undefined) return { ...base, kind: "any" };
      // A ref to a plain scalar or "any" costs more than the place itself.
      if (target.kind === "scalar" || target.kind === "any") return { ...base, kind: target.kind };
      return { ...base, kind: "ref", name: target.kind === "ref" ? target.name : name };
    }
    const union = unionOptions(node);
    if (union !== undefined) {
      const options = union.options.map((option, i) => optionOf(option, pointerJoin(pointer, union.key, i)));
      // Scalars all: the place's validator says which; the runtime holds a plain value either way.
      if (options.every((o) => o.kind === "scalar")) return { ...base, kind: "scalar" };
      return { ...base, kind: "union", options };
    }
    const kinds = kindsOf(node);
    // An allOf left beside the node's own keywords only constrains it (all-of.ts merged the rest).
    if (Array.isArray(node.allOf) && kinds === "any") return { ...base, kind: "any" };
    if (kinds === "any") return { ...base, kind: "any" };
    const shaped = kinds.map((kind) => ofKind(kind, node, pointer, base));
    // Without a `type`, `items` or `properties` say what a list or an object holds, not
    // that the value is one: any other value is held as what it is.
    if (node.type === undefined && shaped.some((o) => o.kind === "list" || o.kind === "dict")) {
      const other: Place = base.pointer === undefined ? { ...base, kind: "any" } : { ...base, kind: "any", whole: true };
      return { ...base, kind: "union", options: [...shaped, other] };
    }
    if (shaped.length === 1 || shaped.every((o) => o.kind === "scalar")) return shaped[0]!;
    return { ...base, kind: "union", options: shaped };
  }

  // An option that is only a `$ref` is the named type itself (its validator is the type's).
  function optionOf(node: Schema, pointer: string): Place {
    if (isObject(node) && typeof node.$ref === "string" && node.$ref !== "#" && Object.keys(node).length === 1) {
      const name = node.$ref.slice("#/$defs/".length);
      const target = defPlace(name);
      if (target !== undefined && target.kind !== "scalar" && target.kind !== "any") return { kind: "ref", name: target.kind === "ref" ? target.name : name };
    }
    return placeOf(node, pointer);
  }

  function ofKind(kind: Kind, node: SchemaObject, pointer: string, base: PlaceBase): Place {
    switch (kind) {
      case "scalar":
        return { ...base, kind: "scalar" };
      case "list": {
        const items = node.items === undefined ? ({ kind: "any" } as const) : placeOf(node.items as Schema, pointerJoin(pointer, "items"));
        const prefix = Array.isArray(node.prefixItems)
          ? (node.prefixItems as Schema[]).map((s, i) => placeOf(s, pointerJoin(pointer, "prefixItems", i)))
          : undefined;
        const minItems = numberOf(node.minItems);
        const maxItems = numberOf(node.maxItems);
        const keepLast = keepLastOf(node);
        return {
          ...base,
          kind: "list",
          items,
          ...(prefix ? { prefixItems: prefix } : {}),
          ...(minItems === undefined ? {} : { minItems }),
          ...(maxItems === undefined ? {} : { maxItems }),
          ...(node.uniqueItems === true ? { uniqueItems: true } : {}),
          ...(keepLast === undefined ? {} : { keepLast }),
        };
      }
      case "dict":
        return dictOf(node, pointer, base);
    }
  }

  function dictOf(node: SchemaObject, pointer: string, base: PlaceBase): DictPlace {
    const props = isObject(node.properties) ? node.properties : {};
    const patterns = isObject(node.patternProperties) ? node.patternProperties : {};
    // Closed only where the schema closes it (the types close objects with `properties`).
    const checked = validationAt(pointer);
    const closed = isObject(checked) && checked.additionalProperties === false;
    const extra = closed ? false : node.additionalProperties === false ? undefined : node.additionalProperties;
    const minProperties = numberOf(node.minProperties);
    const maxProperties = numberOf(node.maxProperties);
    return {
      ...base,
      kind: "dict",
      // ajv never applies `properties.__proto__` (it skips that key): nor does the store, so that the two agree.
      properties: Object.keys(props).map((k) => [k, k === "__proto__" ? { kind: "any" } : placeOf(props[k] as Schema, pointerJoin(pointer, "properties", k))] as const),
      patternProperties: Object.entries(patterns).map(([pattern, s]) => ({
        pattern,
        place: placeOf(s as Schema, pointerJoin(pointer, "patternProperties", pattern)),
      })),
      additional:
        extra === false
          ? false
          : extra === undefined || extra === true
            ? { kind: "any" }
            : placeOf(extra as Schema, pointerJoin(pointer, "additionalProperties")),
      required: Array.isArray(node.required) ? (node.required as string[]) : [],
      ...(minProperties === undefined ? {} : { minProperties }),
      ...(maxProperties === undefined ? {} : { maxProperties }),
    };
  }

  // The root: its dict part (a root typed ["object", ...] is a store of its object form).
  const root = dictOf(store.schema, "", { pointer: "", ...(isWhole(store.validation, store.validation) ? { whole: true as const } : {}) });
  return { store, root, defs, names: nameTypes(store) };
}

/** The place a `ref` names, followed through. */
export function resolvePlace(model: StoreModel, place: Place): Place {
  let current = place;
  for (let hops = 0; current.kind === "ref" && hops < 100; hops++) current = model.defs.get(current.name) ?? { kind: "any" };
  return current;
}

// Keywords about a whole container, or about how several subschemas combine over one
// value: a change anywhere inside the value can break them. (`required`, sizes,
// `uniqueItems`, tuple positions and closed objects the runtime checks per change itself.)
const WHOLE = [
  "contains", "minContains", "maxContains", "const", "enum", "oneOf", "anyOf", "allOf", "not", "if", "then", "else",
  "dependentRequired", "dependentSchemas", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "patternProperties",
];

const acceptsAll = (node: Schema): boolean => node === true || (isObject(node) && Object.keys(node).length === 0);

/** Whether `node` (in `bundle`), or what its `$ref` leads to, has a keyword about the whole value. */
export function isWhole(bundle: SchemaObject, node: Schema): boolean {
  let current: unknown = node;
  for (let hops = 0; isObject(current) && hops < 50; hops++) {
    if (WHOLE.some((key) => (current as SchemaObject)[key] !== undefined)) return true;
    const ref = current.$ref;
    if (typeof ref !== "string" || !ref.startsWith("#")) return false;
    // Keywords beside a $ref combine with its target's.
    if (Object.keys(current).some((key) => key !== "$ref")) return true;
    current = lookup(bundle, ref.slice(1));
  }
  return false;
}
