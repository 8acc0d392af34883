// Stage 3b: the names of the object types. A named type (`title`, `$defs`) has its
// name already; an anonymous object that the runtime holds as a SyncedDict is named
// after the nearest named type that holds it plus its path, PascalCase:
// `AppMemoryData` + `complex.settings` -> `AppMemoryDataComplexSettings`, `User` +
// `address` -> `UserAddress`. Every object type `N` also gets its synced interface
// `NSynced`. A path name another type already has takes the first free `<name>2`, ...
import { pascalCase } from "./identifiers.js";
import { isObject, type Schema, type SchemaObject } from "./json.js";
import { kindsOf, unionOptions } from "./classify.js";
import { RUNTIME_NAMES, type NormalizedStore } from "./normalize.js";

export interface TypeNames {
  /** Names of the anonymous object nodes of the bundle (by node identity). */
  readonly anonymous: ReadonlyMap<object, string>;
  /** Every object type (`$defs` entries and anonymous): each has a synced interface. */
  readonly objects: ReadonlySet<string>;
  /** The synced interface of each object type. */
  readonly synced: ReadonlyMap<string, string>;
}

/** A node the runtime holds as a SyncedDict whatever its value: an object schema, not a union or a $ref. */
export function isObjectType(node: Schema): boolean {
  if (!isObject(node) || node.$ref !== undefined || node.allOf !== undefined || unionOptions(node) !== undefined) return false;
  const kinds = kindsOf(node);
  return kinds !== "any" && kinds.length === 1 && kinds[0] === "dict";
}

/** A list with one item schema (not a tuple). */
function isPlainList(node: Schema): boolean {
  if (!isObject(node) || node.$ref !== undefined || node.prefixItems !== undefined) return false;
  const kinds = kindsOf(node);
  return kinds !== "any" && kinds.length === 1 && kinds[0] === "list";
}

export function nameTypes(store: NormalizedStore): TypeNames {
  const anonymous = new Map<object, string>();
  const objects = new Set<string>();
  const synced = new Map<string, string>();
  const defs = isObject(store.schema.$defs) ? store.schema.$defs : {};
  const taken = new Set<string>([store.name, store.dataName, ...RUNTIME_NAMES, ...Object.keys(defs)]);
  const claim = (wanted: string): string => {
    let name = wanted;
    for (let i = 2; taken.has(name); i++) name = `${wanted}${i}`;
    taken.add(name);
    return name;
  };

  // `node` belongs to the type `name`: its object places below are named from it.
  const visit = (node: SchemaObject, name: string): void => {
    if (isObjectType(node)) {
      const props = isObject(node.properties) ? node.properties : {};
      for (const key of Object.keys(props)) child(props[key] as Schema, name, pascalCase(key) || "Property");
      const patterns = isObject(node.patternProperties) ? Object.values(node.patternProperties) : [];
      patterns.forEach((sub, i) => child(sub as Schema, name, `Pattern${i + 1}`));
      if (isObject(node.additionalProperties)) child(node.additionalProperties, name, "Value");
    } else if (isPlainList(node) && node.items !== undefined) {
      child(node.items as Schema, name, "Item");
    }
  };
  const child = (node: Schema, parent: string, segment: string): void => {
    if (!isObject(node)) return;
    if (isObjectType(node)) {
      const name = claim(parent + segment);
      anonymous.set(node, name);
      objects.add(name);
      visit(node, name);
    } else if (isPlainList(node)) {
      visit(node, parent + segment);
    }
  };

  visit(store.schema, store.dataName);
  for (const [name, def] of Object.entries(defs)) {
    if (isObjectType(def as Schema)) objects.add(name);
    if (isObject(def)) visit(def, name);
  }
  for (const name of [...objects].sort()) synced.set(name, claim(`${name}Synced`));
  return { anonymous, objects, synced };
}
