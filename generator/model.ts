// Stage 3: the store model. Each place of a store (a field, a list item, a dict
// value, a union option) becomes one `Place`, a tagged union of the kinds the
// runtime knows. `pointer` is where the place's schema lives in the bundle: the
// validator of the place is compiled from it.
import type { NormalizedStore, Schema, SchemaObject } from "./normalize.js";
import { pointerJoin } from "./problems.js";

interface PlaceBase {
  /** Bundle pointer of the schema validating this place; absent: anything goes. */
  readonly pointer?: string;
  /** `file#/pointer` in the user's schema. */
  readonly source?: string;
  /** Present when the schema gives a `default`. */
  readonly default?: { readonly value: unknown };
}

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
    })
  | (PlaceBase & {
      readonly kind: "dict";
      readonly properties: readonly (readonly [string, Place])[];
      readonly patternProperties: readonly { readonly pattern: string; readonly place: Place }[];
      readonly additional: Place | false;
      readonly required: readonly string[];
      readonly minProperties?: number;
      readonly maxProperties?: number;
    })
  | (PlaceBase & { readonly kind: "union"; readonly options: readonly Place[] });

export interface StoreModel {
  readonly store: NormalizedStore;
  /** The root place: always a dict. */
  readonly root: Extract<Place, { kind: "dict" }>;
}

const SCALAR_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);
export type Kind = "dict" | "list" | "scalar";

function isObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a schema node can hold, from its `type` (or, without one, from the keywords it uses). */
export function kindsOf(node: SchemaObject): Kind[] | "any" {
  const types = node.type === undefined ? [] : Array.isArray(node.type) ? (node.type as string[]) : [node.type as string];
  if (types.length > 0) {
    const kinds = new Set<Kind>(types.map((t) => (t === "object" ? "dict" : t === "array" ? "list" : "scalar")));
    return (["dict", "list", "scalar"] as const).filter((k) => kinds.has(k));
  }
  if (node.properties !== undefined || node.patternProperties !== undefined || node.additionalProperties !== undefined) return ["dict"];
  if (node.items !== undefined || node.prefixItems !== undefined) return ["list"];
  const values = node.const !== undefined ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
  if (values !== undefined && values.every((v) => v === null || typeof v !== "object")) return ["scalar"];
  return "any";
}

function numberOf(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

export function model(store: NormalizedStore): StoreModel {
  const defs = isObject(store.schema.$defs) ? store.schema.$defs : {};

  function place(node: Schema, pointer: string, stack: readonly string[]): Place {
    const source = isObject(node) ? store.sourceOf(node) : undefined;
    const base: PlaceBase = {
      pointer,
      ...(source === undefined ? {} : { source }),
      ...(isObject(node) && node.default !== undefined ? { default: { value: node.default } } : {}),
    };
    if (typeof node === "boolean") return { ...base, kind: "any" };
    if (typeof node.$ref === "string") {
      const name = node.$ref.slice("#/$defs/".length);
      const target = defs[name] as Schema | undefined;
      const defPointer = pointerJoin("/$defs", name);
      // A recursive type: the runtime holds the inner levels as "any", validated whole.
      if (target === undefined || stack.includes(name)) return { ...base, pointer: defPointer, kind: "any" };
      const inner = place(target, defPointer, [...stack, name]);
      return { ...inner, ...(base.default ? { default: base.default } : {}), ...(source ? { source } : {}) };
    }
    if (Array.isArray(node.oneOf) || Array.isArray(node.anyOf)) {
      const key = Array.isArray(node.oneOf) ? "oneOf" : "anyOf";
      const options = (node[key] as Schema[]).map((option, i) => place(option, pointerJoin(pointer, key, i), stack));
      return { ...base, kind: "union", options };
    }
    if (Array.isArray(node.allOf)) return { ...base, kind: "any" };
    const kinds = kindsOf(node);
    if (kinds === "any") return { ...base, kind: "any" };
    const shaped = kinds.map((kind) => ofKind(kind, node, pointer, base, stack));
    if (shaped.length === 1) return shaped[0]!;
    return { ...base, kind: "union", options: shaped };
  }

  function ofKind(kind: Kind, node: SchemaObject, pointer: string, base: PlaceBase, stack: readonly string[]): Place {
    switch (kind) {
      case "scalar":
        return { ...base, kind: "scalar" };
      case "list": {
        const items = node.items === undefined ? ({ kind: "any" } as const) : place(node.items as Schema, pointerJoin(pointer, "items"), stack);
        const prefix = Array.isArray(node.prefixItems)
          ? (node.prefixItems as Schema[]).map((s, i) => place(s, pointerJoin(pointer, "prefixItems", i), stack))
          : undefined;
        const minItems = numberOf(node.minItems);
        const maxItems = numberOf(node.maxItems);
        return {
          ...base,
          kind: "list",
          items,
          ...(prefix ? { prefixItems: prefix } : {}),
          ...(minItems === undefined ? {} : { minItems }),
          ...(maxItems === undefined ? {} : { maxItems }),
          ...(node.uniqueItems === true ? { uniqueItems: true } : {}),
        };
      }
      case "dict": {
        const props = isObject(node.properties) ? node.properties : {};
        const patterns = isObject(node.patternProperties) ? node.patternProperties : {};
        const extra = node.additionalProperties;
        const minProperties = numberOf(node.minProperties);
        const maxProperties = numberOf(node.maxProperties);
        return {
          ...base,
          kind: "dict",
          properties: Object.entries(props).map(([k, s]) => [k, place(s as Schema, pointerJoin(pointer, "properties", k), stack)] as const),
          patternProperties: Object.entries(patterns).map(([pattern, s]) => ({
            pattern,
            place: place(s as Schema, pointerJoin(pointer, "patternProperties", pattern), stack),
          })),
          additional:
            extra === false
              ? false
              : extra === undefined || extra === true
                ? { kind: "any" }
                : place(extra as Schema, pointerJoin(pointer, "additionalProperties"), stack),
          required: Array.isArray(node.required) ? (node.required as string[]) : [],
          ...(minProperties === undefined ? {} : { minProperties }),
          ...(maxProperties === undefined ? {} : { maxProperties }),
        };
      }
    }
  }

  const root = place(store.schema, "", []);
  if (root.kind !== "dict") throw new Error(`internal: root of ${store.file} is not a dict`);
  return { store, root };
}

/** Whether a place only ever holds a JSON scalar (getter returns the plain value). */
export function isScalarPlace(p: Place): boolean {
  return p.kind === "scalar" || (p.kind === "union" && p.options.every(isScalarPlace));
}

export { SCALAR_TYPES };
