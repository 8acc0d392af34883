// How schema names become TypeScript names: PascalCase types, kebab-case files,
// object-literal keys.
import { toSafeString } from "json-schema-to-typescript/dist/src/utils.js";

export const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** PascalCase identifier from a title or file name; `""` when nothing is left. */
export function pascalCase(text: string): string {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  // json-schema-to-typescript spells a type name its own way (`A11y` -> `A11Y`): spell it so first.
  return toSafeString(/^[0-9]/.test(name) ? `T${name}` : name);
}

export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** An object-literal or interface key; `__proto__` is computed so that it stays an own property. */
export function literalKey(key: string): string {
  if (key === "__proto__") return `["__proto__"]`;
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

/** A property key in a type: quoted unless an identifier. */
export function typeKey(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}
