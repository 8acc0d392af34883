// Stage 3b: the names of the object types. A named type (`title`, `$defs`) has its
// name already; an anonymous object that the runtime holds as a SyncedDict is named
// after the nearest named type that holds it plus its path, PascalCase:
// `AppMemoryData` + `complex.settings` -> `AppMemoryDataComplexSettings`, `User` +
// `address` -> `UserAddress`. Every object type `N` also gets its synced interface
// `NSynced`. A name wanted twice is a problem with both places, never `Item1`.
import { kindsOf } from "./model.js";
import { RULES, pascalCase, type NormalizedStore, type Schema, type SchemaObject } from "./normalize.js";
import type { Problems } from "./problems.js";

export interface TypeNames {
  /** Names of the anonymous object nodes of the bundle (by node identity). */
  readonly anonymous: ReadonlyMap<object, string>;
  /** Every object type (`$defs` entries and anonymous): each has a `<name>Synced` interface. */
  readonly objects: ReadonlySet<string>;
}

/** The synced interface of object type `name`. */
export function syncedName(name: string): string {
  return `${name}Synced`;
}

function isObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A node the runtime holds as a SyncedDict whatever its value: an object schema, not a union or a $ref. */
export function isObjectType(node: Schema): boolean {
  if (!isObject(node) || node.$ref !== undefined || node.oneOf !== undefined || node.anyOf !== undefined || node.allOf !== undefined) return false;
  const kinds = kindsOf(node);
  return kinds !== "any" && kinds.length === 1 && kinds[0] === "dict";
}

/** A list with one item schema (not a tuple). */
function isPlainList(node: Schema): boolean {
  if (!isObject(node) || node.$ref !== undefined || node.prefixItems !== undefined) return false;
  const kinds = kindsOf(node);
  return kinds !== "any" && kinds.length === 1 && kinds[0] === "list";
}

export function nameTypes(store: NormalizedStore, problems: Problems): TypeNames {
  const anonymous = new Map<object, string>();
  const objects = new Set<string>();
  const defs = isObject(store.schema.$defs) ? store.schema.$defs : {};
  const taken = new Map<string, string>([
    [store.name, `the store class of ${store.file}`],
    [store.dataName, `the data type of ${store.file}`],
  ]);
  for (const name of Object.keys(defs)) taken.set(name, store.defSources[name] ?? `${store.file}#/$defs/${name}`);

  const placeOf = (node: object): [string, string] => {
    const source = store.sourceOf(node) ?? `${store.file}#`;
    const hash = source.indexOf("#");
    return [source.slice(0, hash), source.slice(hash + 1)];
  };
  const claim = (name: string, owner: string, node: object): boolean => {
    const other = taken.get(name);
    if (other !== undefined) {
      problems.add(...placeOf(node), RULES.nameClash(name, other));
      return false;
    }
    taken.set(name, owner);
    return true;
  };

  // `node` belongs to the type `name`: its object places below are named from it.
  const visit = (node: SchemaObject, name: string): void => {
    if (isObjectType(node)) {
      const props = isObject(node.properties) ? node.properties : {};
      for (const [key, sub] of Object.entries(props)) child(sub as Schema, name, pascalCase(key));
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
      if (segment === "") {
        problems.add(...placeOf(node), RULES.noName());
        return;
      }
      const name = parent + segment;
      const [file, pointer] = placeOf(node);
      if (!claim(name, `${file}#${pointer}`, node)) return;
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
  for (const name of [...objects].sort()) claim(syncedName(name), `the synced interface of ${name}`, defs[name] ?? findNode(anonymous, name) ?? store.schema);
  return { anonymous, objects };
}

function findNode(anonymous: ReadonlyMap<object, string>, name: string): object | undefined {
  for (const [node, n] of anonymous) if (n === name) return node;
  return undefined;
}
