// Stage 4c: the runtime shape of a store: what each place is (list, dict, scalar,
// union, any), its container-level limits (the runtime checks those on each mutation
// itself), `whole` where the whole value is checked again after each change inside it,
// its default, and `...at(pointer)`: its source and validator. Each named type
// is one constant, referred to (`{ ...userShape, ...at("/properties/owner") }`)
// wherever the type is used.
import { camelCase, literalKey } from "./identifiers.js";
import type { Place, StoreModel } from "./model.js";
import { unreachable } from "./problems.js";

const TYPES = { any: "AnyShape", scalar: "ScalarShape", list: "ListShape", dict: "DictShape", union: "UnionShape" } as const;

export function shapeName(model: StoreModel): string {
  return `${camelCase(model.store.name)}Shape`;
}

export function defShapeName(name: string): string {
  return `${camelCase(name)}Shape`;
}

export interface ShapeText {
  readonly text: string;
  /** The runtime shape types the text names. */
  readonly types: ReadonlySet<string>;
}

export function emitShape(model: StoreModel): ShapeText {
  const types = new Set<string>(["DictShape"]);
  const json = (value: unknown): string => JSON.stringify(value);
  const write = (place: Place, indent: string): string => {
    const inner = indent + "  ";
    // A named type where nothing about the place differs: the type's constant itself.
    if (place.kind === "ref" && place.pointer === undefined && place.default === undefined && !place.whole) return defShapeName(place.name);
    const fields: string[] = [];
    if (place.kind === "ref") fields.push(`...${defShapeName(place.name)}`);
    else fields.push(`kind: ${json(place.kind)}`);
    if (place.pointer !== undefined) fields.push(`...at(${json(place.pointer)})`);
    // The keywords the runtime checks itself are the named type's: errors name its node, not the place's `$ref`.
    if (place.kind === "ref" && place.pointer !== undefined) fields.push(`keywords: ${defShapeName(place.name)}.source`);
    if (place.whole && place.kind !== "scalar") fields.push("whole: true");
    if (place.default !== undefined) fields.push(`default: ${place.default.value === undefined ? "undefined" : json(place.default.value)}`);
    switch (place.kind) {
      case "any":
      case "scalar":
      case "ref":
        break;
      case "list":
        fields.push(`items: ${write(place.items, inner)}`);
        if (place.prefixItems) fields.push(`prefixItems: [${place.prefixItems.map((p) => write(p, inner)).join(", ")}]`);
        if (place.minItems !== undefined) fields.push(`minItems: ${place.minItems}`);
        if (place.maxItems !== undefined) fields.push(`maxItems: ${place.maxItems}`);
        if (place.uniqueItems) fields.push(`uniqueItems: true`);
        if (place.keepLast !== undefined) fields.push(`keepLast: ${place.keepLast}`);
        break;
      case "dict": {
        if (place.properties.length > 0) {
          const props = place.properties.map(([key, p]) => {
            const text = write(p, inner + "  ");
            // TypeScript gives a key Object.prototype has (`constructor`, `toString`) the contextual
            // type of that member, not the record's: its literals would widen to string.
            return `${inner}  ${literalKey(key)}: ${key in Object.prototype && text.startsWith("{") ? `${text} as const` : text},`;
          });
          fields.push(`properties: {\n${props.join("\n")}\n${inner}}`);
        }
        if (place.patternProperties.length > 0) {
          const pats = place.patternProperties.map((pp) => `${inner}  { pattern: ${json(pp.pattern)}, shape: ${write(pp.place, inner + "  ")} },`);
          fields.push(`patternProperties: [\n${pats.join("\n")}\n${inner}]`);
        }
        fields.push(`additional: ${place.additional === false ? "false" : write(place.additional, inner)}`);
        if (place.required.length > 0) fields.push(`required: ${json(place.required)}`);
        if (place.minProperties !== undefined) fields.push(`minProperties: ${place.minProperties}`);
        if (place.maxProperties !== undefined) fields.push(`maxProperties: ${place.maxProperties}`);
        break;
      }
      case "union":
        fields.push(`options: [\n${place.options.map((p) => `${inner}  ${write(p, inner + "  ")},`).join("\n")}\n${inner}]`);
        break;
      default:
        unreachable(place);
    }
    const oneLine = `{ ${fields.join(", ")} }`;
    if (oneLine.length + indent.length <= 100 && !oneLine.includes("\n")) return oneLine;
    return `{\n${fields.map((f) => `${inner}${f},`).join("\n")}\n${indent}}`;
  };
  const consts: string[] = [];
  for (const [name, place] of model.defs) {
    // A named type is a ref only when it is a container or a union (model.ts inlines the rest).
    if (place.kind === "scalar" || place.kind === "any" || place.kind === "ref") continue;
    types.add(TYPES[place.kind]);
    consts.push(`const ${defShapeName(name)}: ${TYPES[place.kind]} = ${write(place, "")};`);
  }
  consts.push(`/** What each place of ${model.store.name} holds, its limits and validators: handed to the runtime. */\nexport const ${shapeName(model)}: DictShape = ${write(model.root, "")};`);
  return { text: consts.join("\n"), types };
}
