// Stage 4a': the synced interfaces. For each object type `N` (names.ts) an interface
// `NSynced extends DictMethods<N>` says what reads of a SyncedDict give and what writes
// take: scalars are plain properties; containers are accessor pairs whose getter gives
// the synced form (`MSynced`, `SyncedList<E, ESynced>`) and whose setter takes plain
// data (`M`, `E[]`). Index signatures cannot be accessors: they give the synced form
// (write container values at unknown keys with `update()`), and a type with one is an
// intersection, since an interface's index signature would have to admit the methods.
// The plain type texts are json-schema-to-typescript's, read back with the TypeScript
// parser ts-morph bundles (its syntax tree only: no project, no type checking).
import type { ts as TypeScript } from "ts-morph";
import { ts } from "./typescript.js";
import { kindsOf, unionOptions } from "./classify.js";
import { typeKey } from "./identifiers.js";
import { isObject, type Schema, type SchemaObject } from "./json.js";
import type { StoreModel } from "./model.js";
import { isObjectType } from "./names.js";
const METHODS = ["update", "pop", "popitem", "setdefault", "clear", "get", "incr", "asdict"];

/** How one property reads and writes. */
export interface Member {
  readonly key: string;
  readonly optional: boolean;
  /** The plain type (what writes take), without `| undefined`. */
  readonly plain: string;
  /** What reads give, without `| undefined`. */
  readonly synced: string;
  /** A container: read and write types differ (an accessor pair). */
  readonly container: boolean;
  /** JSDoc comments of the property, as written in the data type. */
  readonly docs: readonly string[];
}

export interface SyncedTypes {
  /** The data types, their optional properties widened to admit `undefined` (see below). */
  readonly types: string;
  /** The interface declarations. */
  readonly text: string;
  /** The members of the store's data type: the store class's accessors. */
  readonly root: readonly Member[];
  /** Runtime types the declarations and members refer to. */
  readonly runtime: ReadonlySet<string>;
}

interface Form {
  readonly synced: string;
  readonly container: boolean;
  /** Refers to a `*Synced` interface: differs from what the runtime's `Synced<T>` gives. */
  readonly custom: boolean;
}

type TypeNode = TypeScript.TypeNode;

function unwrap(node: TypeNode): TypeNode {
  return ts.isParenthesizedTypeNode(node) ? unwrap(node.type) : node;
}

/** A type text that can take `| undefined` or `[]` after it. */
export function grouped(text: string): string {
  return text.includes("=>") ? `(${text})` : text;
}

export function emitSynced(model: StoreModel, types: string): SyncedTypes {
  const { store, names } = model;
  const syncedName = (name: string): string => names.synced.get(name) ?? `${name}Synced`;
  const file = ts.createSourceFile(`/synced-${store.dataName}.ts`, types, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const textOf = (node: TypeScript.Node): string => node.getText(file);
  const propertyKey = (prop: TypeScript.PropertySignature): string => {
    const name = prop.name;
    return ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name) || ts.isNumericLiteral(name) ? name.text : name.getText(file);
  };
  /** The property's JSDoc; for an object type that took the description along, the description. */
  const docsOf = (prop: TypeScript.PropertySignature, schema: Schema): string[] => {
    const written = ((prop as { jsDoc?: TypeScript.JSDoc[] }).jsDoc ?? []).map((d) => d.getText(file));
    if (written.length > 0 || !isObject(schema) || typeof schema.description !== "string" || schema.description.trim() === "") return written;
    return [`/** ${schema.description.trim().replace(/\*\//g, "*\\/")} */`];
  };
  const defs = isObject(store.schema.$defs) ? store.schema.$defs : {};
  const runtime = new Set<string>();
  // Object types json-schema-to-typescript declared as interfaces (all of them, in practice).
  const interfaces = new Map(file.statements.filter(ts.isInterfaceDeclaration).map((i) => [i.name.text, i]));
  const declared = new Set([...names.objects].filter((n) => interfaces.has(n)));
  const anonymousNodes = new Map([...names.anonymous].map(([node, n]) => [n, node]));

  const resolve = (node: Schema, seen: readonly string[] = []): Schema => {
    if (!isObject(node) || typeof node.$ref !== "string") return node;
    const name = node.$ref.slice("#/$defs/".length);
    if (seen.includes(name)) return {};
    return resolve((defs[name] as Schema | undefined) ?? {}, [...seen, name]);
  };
  const isScalar = (node: Schema): boolean => {
    const target = resolve(node);
    if (!isObject(target)) return false;
    const union = unionOptions(target);
    if (union !== undefined) return union.options.every((o) => isScalar(o));
    if (target.allOf !== undefined) return false;
    const kinds = kindsOf(target);
    return kinds !== "any" && kinds.every((k) => k === "scalar");
  };
  const objectName = (node: Schema): string | undefined => {
    if (isObject(node) && typeof node.$ref === "string") {
      const name = node.$ref.slice("#/$defs/".length);
      return declared.has(name) ? name : undefined;
    }
    const name = isObject(node) ? names.anonymous.get(node) : undefined;
    return name !== undefined && declared.has(name) ? name : undefined;
  };

  /** The synced form of a place whose schema is `node` and whose plain type is `type`. */
  const formOf = (node: Schema, type: TypeNode): Form => {
    const text = textOf(unwrap(type));
    const named = objectName(node);
    if (named !== undefined) return { synced: syncedName(named), container: true, custom: true };
    if (text === "unknown" || isScalar(node)) return { synced: text, container: false, custom: false };
    const target = resolve(node);
    const bare = unwrap(type);
    // A union of object types (a oneOf of $refs): one of their synced interfaces.
    const options = isObject(target) ? unionOptions(target)?.options : undefined;
    const isNull = (o: Schema): boolean => isObject(o) && o.type === "null" && Object.keys(o).length === 1;
    const objects = options?.filter((o) => !isNull(o)) ?? [];
    const optionNames = objects.map((o) => objectName(o));
    if (optionNames.length > 0 && optionNames.every((n) => n !== undefined)) {
      const nullable = objects.length < (options?.length ?? 0) ? " | null" : "";
      return { synced: optionNames.map((n) => syncedName(n!)).join(" | ") + nullable, container: true, custom: true };
    }
    if (node === target && isObject(target) && target.prefixItems === undefined && ts.isArrayTypeNode(bare)) {
      const element = unwrap(bare.elementType);
      const item = formOf((target.items ?? {}) as Schema, element);
      runtime.add("SyncedList");
      const elementText = textOf(element);
      return {
        synced: item.custom ? `SyncedList<${elementText}, ${item.synced}>` : `SyncedList<${elementText}>`,
        container: true,
        custom: item.custom,
      };
    }
    runtime.add("Synced");
    return { synced: `Synced<${text}>`, container: true, custom: false };
  };

  const membersOf = (name: string, node: SchemaObject): Member[] => {
    const props = isObject(node.properties) ? node.properties : {};
    const members: Member[] = [];
    for (const prop of interfaces.get(name)?.members.filter(ts.isPropertySignature) ?? []) {
      const key = propertyKey(prop);
      const type = prop.type;
      if (type === undefined) continue;
      const schema = (Object.hasOwn(props, key) ? props[key] : {}) as Schema;
      const form = formOf(schema, type);
      members.push({
        key,
        optional: prop.questionToken !== undefined,
        plain: textOf(unwrap(type)),
        synced: form.synced,
        container: form.container,
        docs: docsOf(prop, schema),
      });
    }
    return members;
  };

  /** The index signature's synced type, or undefined when the type has none. */
  const indexOf = (name: string, node: SchemaObject, members: readonly Member[]): string | undefined => {
    const signature = interfaces.get(name)?.members.find(ts.isIndexSignatureDeclaration);
    if (signature === undefined) return undefined;
    const type = signature.type as TypeNode | undefined;
    const text = type === undefined ? "unknown" : textOf(type);
    const patterns = isObject(node.patternProperties) ? (Object.values(node.patternProperties) as Schema[]) : [];
    const extra = isObject(node.additionalProperties) ? [node.additionalProperties] : [];
    const props = isObject(node.properties) ? (Object.values(node.properties) as Schema[]) : [];
    if (text === "unknown" || [...patterns, ...extra, ...props].every(isScalar)) return text;
    // The common case: one value schema and no properties, typed `T | undefined`.
    const values = [...patterns, ...extra];
    if (type !== undefined && values.length === 1 && props.length === 0 && ts.isUnionTypeNode(type)) {
      const parts = type.types;
      if (parts.length === 2 && textOf(parts[1]!) === "undefined") return `${grouped(formOf(values[0]!, parts[0]!).synced)} | undefined`;
    }
    // Several value schemas, some containers: the runtime's mapping, widened to admit the properties.
    runtime.add("Synced");
    const options = [...new Set([...members.filter((m) => m.container).map((m) => grouped(m.synced)), `Synced<Exclude<${name}[string], undefined>>`])];
    return `${options.join(" | ")} | undefined`;
  };

  const declarations: string[] = [];
  for (const name of [...declared].sort()) {
    const node = defs[name] !== undefined ? (defs[name] as SchemaObject) : anonymousNodes.get(name);
    if (!isObject(node) || !isObjectType(node)) continue;
    const members = membersOf(name, node);
    const lines: string[] = [];
    for (const m of members) {
      for (const doc of m.docs) lines.push(...doc.split("\n").map((l) => `  ${l.trim().startsWith("*") ? " " : ""}${l.trim()}`));
      const key = typeKey(m.key);
      if (!m.container) lines.push(`  ${key}${m.optional ? "?" : ""}: ${m.plain};`);
      else {
        const u = m.optional ? " | undefined" : "";
        lines.push(`  get ${key}(): ${grouped(m.synced)}${u};`, `  set ${key}(value: Input<${m.plain}>${u});`);
        runtime.add("Input");
      }
    }
    const index = indexOf(name, node, members);
    if (index !== undefined) lines.push(`  [k: string]: ${index};`);
    // A property named like a dict method wins over the method (as at run time).
    const shadowed = METHODS.filter((method) => members.some((m) => m.key === method));
    const base = shadowed.length > 0 ? `Omit<DictMethods<${name}>, ${shadowed.map((s) => JSON.stringify(s)).join(" | ")}>` : `DictMethods<${name}>`;
    const doc = `/** \`${name}\` as a SyncedDict holds it: reads give synced containers, writes take plain data. */`;
    const body = lines.length > 0 ? `{\n${lines.join("\n")}\n}` : "{}";
    // Nothing to sync below it: reads and writes are the plain type's.
    if (index === undefined && members.every((m) => !m.container)) declarations.push(`${doc}\nexport interface ${syncedName(name)} extends ${base}, ${name} {}`);
    else declarations.push(index === undefined ? `${doc}\nexport interface ${syncedName(name)} extends ${base} ${body}` : `${doc}\nexport type ${syncedName(name)} = ${base} & ${body};`);
  }
  if (declarations.length > 0) runtime.add("DictMethods");
  const root = membersOf(store.dataName, store.schema);
  return { types: widen(file, types), text: declarations.join("\n"), root, runtime };
}

/**
 * The data types as the module prints them. Every optional property admits `undefined`:
 * a synced interface reads an optional container through a getter typed `S | undefined`
 * (an accessor cannot be optional), and under exactOptionalPropertyTypes it is assignable
 * to the data type only if that admits `undefined` too, as writes do (undefined deletes).
 * Members and type aliases end with `;`, as the rest of the module does.
 */
function widen(file: TypeScript.SourceFile, text: string): string {
  // Insertions only, in the order pushed where they meet (a member's `| undefined`, then its `;`).
  const inserts: { at: number; text: string }[] = [];
  const end = (node: TypeScript.Node): void => {
    if (!/[;,]$/.test(node.getText(file))) inserts.push({ at: node.end, text: ";" });
  };
  const visit = (node: TypeScript.Node): void => {
    if (ts.isPropertySignature(node) && node.questionToken !== undefined && node.type !== undefined) {
      const bare = unwrap(node.type);
      const parts = ts.isUnionTypeNode(bare) ? bare.types.map((t) => t.getText(file)) : [bare.getText(file)];
      if (!parts.includes("undefined")) {
        const paren = grouped(node.type.getText(file)) !== node.type.getText(file);
        if (paren) inserts.push({ at: node.type.getStart(file), text: "(" });
        inserts.push({ at: node.type.end, text: `${paren ? ")" : ""} | undefined` });
      }
    }
    if (ts.isTypeElement(node)) end(node);
    ts.forEachChild(node, visit);
  };
  for (const statement of file.statements) {
    if (ts.isTypeAliasDeclaration(statement)) end(statement);
    visit(statement);
  }
  let out = "";
  let at = 0;
  for (const insert of inserts.sort((a, b) => a.at - b.at)) {
    out += text.slice(at, insert.at) + insert.text;
    at = insert.at;
  }
  return out + text.slice(at);
}
