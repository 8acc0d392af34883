// Stage 4c: the runtime shape of a store, as the text of one object literal: what
// each place is (list, dict, scalar, union, any), its container-level limits (the
// runtime checks those on each mutation itself) and its validator.
import type { Place, StoreModel } from "./model.js";
import { unreachable } from "./problems.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** An object-literal key; `__proto__` is computed so that it stays an own property. */
export function literalKey(key: string): string {
  if (key === "__proto__") return `["__proto__"]`;
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

export function shapeName(model: StoreModel): string {
  return `${camelCase(model.store.name)}Shape`;
}

/**
 * The shape literal. `validator(pointer)` gives the expression of the ajv function for
 * a bundle pointer; the place's `source` names where in the user's schema it comes from.
 */
export function emitShape(model: StoreModel, validator: (pointer: string) => string): string {
  const lines: string[] = [];
  const write = (place: Place, indent: string): string => {
    const inner = indent + "  ";
    const fields: string[] = [`kind: ${json(place.kind)}`];
    if (place.source !== undefined) fields.push(`source: ${json(place.source)}`);
    if (place.pointer !== undefined) {
      fields.push(`validate: check(${validator(place.pointer)}, ${json(place.source ?? model.store.file + "#" + place.pointer)})`);
    }
    if (place.default !== undefined) fields.push(`default: ${json(place.default.value)}`);
    switch (place.kind) {
      case "any":
      case "scalar":
        break;
      case "list":
        fields.push(`items: ${write(place.items, inner)}`);
        if (place.prefixItems) fields.push(`prefixItems: [${place.prefixItems.map((p) => write(p, inner)).join(", ")}]`);
        if (place.minItems !== undefined) fields.push(`minItems: ${place.minItems}`);
        if (place.maxItems !== undefined) fields.push(`maxItems: ${place.maxItems}`);
        if (place.uniqueItems) fields.push(`uniqueItems: true`);
        break;
      case "dict": {
        if (place.properties.length > 0) {
          const props = place.properties.map(([key, p]) => `${inner}  ${literalKey(key)}: ${write(p, inner + "  ")},`);
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
  lines.push(`const ${shapeName(model)}: DictShape = ${write(model.root, "")};`);
  return lines.join("\n");
}
