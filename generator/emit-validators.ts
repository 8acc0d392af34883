// Stage 4b: one ajv validator per place, compiled to standalone code at generation
// time (so opening a store compiles nothing). Every place is compiled exactly once:
// each place's schema becomes one "unit" (its own ajv schema `pN`) that refers to the
// units of its child places with `$ref` instead of inlining them, so a store's
// validators module grows with the number of places, not with places x depth.
import { Ajv2020 } from "ajv/dist/2020.js";
import type { AnyValidateFunction } from "ajv/dist/types/index.js";
import standalone from "ajv/dist/standalone/index.js";
import formats from "ajv-formats";
import type { Place, StoreModel } from "./model.js";
import type { Schema, SchemaObject } from "./normalize.js";
import { pointerJoin, type Problems } from "./problems.js";

export interface Validators {
  /** Module text (ESM JavaScript, `require`s turned into imports). */
  readonly code: string;
  /** Export name of the validator for a bundle pointer. */
  readonly names: ReadonlyMap<string, string>;
  /**
   * `file#/pointer` of each shared unit: an error whose schema path starts with
   * `#/$defs/pN` comes from unit `pN`'s schema (the table validation.ts's `validatorsFor` takes).
   */
  readonly sources: Readonly<Record<string, string>>;
}

/** Every bundle pointer a place validates against, in a stable order, with the sources its places name. */
function collect(place: Place, file: string, into: Map<string, Set<string>>): void {
  if (place.pointer !== undefined) {
    const sources = into.get(place.pointer) ?? new Set<string>();
    sources.add(place.source ?? `${file}#${place.pointer}`);
    into.set(place.pointer, sources);
  }
  switch (place.kind) {
    case "list":
      for (const p of place.prefixItems ?? []) collect(p, file, into);
      collect(place.items, file, into);
      break;
    case "dict":
      for (const [, p] of place.properties) collect(p, file, into);
      for (const { place: p } of place.patternProperties) collect(p, file, into);
      if (place.additional !== false) collect(place.additional, file, into);
      break;
    case "union":
      for (const p of place.options) collect(p, file, into);
      break;
    case "any":
    case "scalar":
      break;
  }
}

function isObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// The keywords whose values are subschemas (normalize leaves no others).
const SCHEMA_MAPS = ["properties", "patternProperties"] as const;
const SCHEMA_ONE = ["additionalProperties", "items"] as const;
const SCHEMA_LISTS = ["prefixItems", "oneOf", "anyOf", "allOf"] as const;

/** Each subschema of a schema with its bundle pointer. */
function* children(node: SchemaObject, pointer: string): Generator<[Schema, string]> {
  for (const key of SCHEMA_MAPS) {
    if (isObject(node[key])) for (const [k, s] of Object.entries(node[key])) yield [s as Schema, pointerJoin(pointer, key, k)];
  }
  for (const key of SCHEMA_ONE) if (node[key] !== undefined) yield [node[key] as Schema, pointerJoin(pointer, key)];
  for (const key of SCHEMA_LISTS) {
    if (Array.isArray(node[key])) for (const [i, s] of (node[key] as Schema[]).entries()) yield [s, pointerJoin(pointer, key, i)];
  }
}

/** Every schema node of the bundle by pointer (`$defs` entries included). */
function indexNodes(node: Schema, pointer: string, into: Map<string, Schema>): void {
  into.set(pointer, node);
  if (!isObject(node)) return;
  if (pointer === "" && isObject(node.$defs)) {
    for (const [name, def] of Object.entries(node.$defs)) indexNodes(def as Schema, pointerJoin("/$defs", name), into);
  }
  for (const [child, at] of children(node, pointer)) indexNodes(child, at, into);
}

interface Unit {
  /** ajv schema key, also the name in schema paths (`#/$defs/pN/...`). */
  readonly key: string;
  /** Bundle pointer of the schema the unit checks. */
  readonly pointer: string;
  readonly schema: Schema;
  /** Shared units are referenced by other units; their errors name the unit. */
  readonly shared: boolean;
}

/**
 * Splits the bundle into units: one per place (plus one per `$defs` entry reached only
 * through a `$ref`), each referring to the units of its child places. A place's
 * validator is its shared unit, except when that would name the wrong source or trip
 * ajv; then the place gets an unshared copy of the unit's top (children still shared),
 * whose errors keep plain `#/...` paths that validation.ts maps onto the place checked:
 * - the place's source differs from its schema's (a def checked where a `$ref` names it);
 * - its schema is a boolean (ajv inlines `$ref`s to booleans, so it stays in its parent);
 * - its unit is on a `$ref` cycle (ajv's standalone code would declare the unit's
 *   function twice when exporting it beside the cycle that calls it).
 */
function split(model: StoreModel) {
  const { store } = model;
  const placeSources = new Map<string, Set<string>>();
  collect(model.root, store.file, placeSources);
  const nodes = new Map<string, Schema>();
  indexNodes(store.schema, "", nodes);

  const units: Unit[] = [];
  const sources: Record<string, string> = {};
  const sharedKeys = new Map<string, string>();
  const calls = new Map<string, Set<string>>();
  const pending: { key: string; pointer: string }[] = [];

  const nodeAt = (pointer: string): Schema => {
    const node = nodes.get(pointer);
    if (node === undefined) throw new Error(`internal: no schema at ${store.file}#${pointer}`);
    return node;
  };
  const sourceOf = (pointer: string): string => {
    const def = /^\/\$defs\/([^/]+)$/.exec(pointer);
    const node = nodes.get(pointer);
    const fromDef = def ? store.defSources[def[1]!.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    return fromDef ?? (isObject(node) ? store.sourceOf(node) : undefined) ?? `${store.file}#${pointer}`;
  };
  const shared = (pointer: string): string => {
    let key = sharedKeys.get(pointer);
    if (key === undefined) {
      key = `p${sharedKeys.size}`;
      sharedKeys.set(pointer, key);
      sources[key] = sourceOf(pointer);
      pending.push({ key, pointer });
    }
    return key;
  };

  // A unit's schema: the node with the subschemas of child places (and `$ref`s) pointing at their units.
  const unitSchema = (node: Schema, pointer: string, top: boolean, refs: Set<string>): Schema => {
    if (!isObject(node)) return node;
    const out: SchemaObject = { ...node };
    if (top) {
      delete out.$defs;
      delete out.$id;
    }
    const ref = (at: string): { $ref: string } => {
      const key = shared(at);
      refs.add(key);
      return { $ref: key };
    };
    if (typeof node.$ref === "string") out.$ref = ref(pointerJoin("/$defs", node.$ref.slice("#/$defs/".length))).$ref;
    // ajv checks uniqueItems by hashing when it sees the items' scalar `type` beside it
    // (and then reports the pair of duplicates in the other order): keep such items inline.
    const hashable = node.uniqueItems === true && isObject(node.items) && node.items.type !== undefined &&
      ![node.items.type].flat().some((t) => t === "object" || t === "array");
    const child = (sub: Schema, at: string): Schema =>
      typeof sub !== "boolean" && placeSources.has(at) && !(hashable && sub === node.items) ? ref(at) : unitSchema(sub, at, false, refs);
    for (const key of SCHEMA_MAPS) {
      if (isObject(node[key])) {
        out[key] = Object.fromEntries(Object.entries(node[key]).map(([k, s]) => [k, child(s as Schema, pointerJoin(pointer, key, k))]));
      }
    }
    for (const key of SCHEMA_ONE) if (node[key] !== undefined) out[key] = child(node[key] as Schema, pointerJoin(pointer, key));
    for (const key of SCHEMA_LISTS) {
      if (Array.isArray(node[key])) out[key] = (node[key] as Schema[]).map((s, i) => child(s, pointerJoin(pointer, key, i)));
    }
    return out;
  };
  const copies: string[] = [];
  const copy = (pointer: string): string => {
    const key = `q${copies.length}`;
    copies.push(key);
    units.push({ key, pointer, schema: unitSchema(nodeAt(pointer), pointer, true, new Set()), shared: false });
    return key;
  };

  const exports = new Map<string, string>();
  for (const [pointer, placeSourceSet] of placeSources) {
    const alone = typeof nodeAt(pointer) === "boolean" || [...placeSourceSet].some((s) => s !== sourceOf(pointer));
    exports.set(pointer, alone ? copy(pointer) : shared(pointer));
  }
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const refs = new Set<string>();
    units.push({ key: next.key, pointer: next.pointer, schema: unitSchema(nodeAt(next.pointer), next.pointer, true, refs), shared: true });
    calls.set(next.key, refs);
  }
  const reachesItself = (key: string): boolean => {
    const seen = new Set<string>();
    const stack = [...(calls.get(key) ?? [])];
    for (let k = stack.pop(); k !== undefined; k = stack.pop()) {
      if (k === key) return true;
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(...(calls.get(k) ?? []));
    }
    return false;
  };
  for (const [pointer, key] of exports) if (sharedKeys.get(pointer) === key && reachesItself(key)) exports.set(pointer, copy(pointer));
  return { units, exports, sources };
}

// ajv's standalone ESM output still `require`s its runtime helpers (ucs2length,
// fast-deep-equal, ajv-formats). Turn them into imports that work both under Node's
// CommonJS interop (default = module.exports) and under bundlers (default = exports.default).
function toImports(code: string): string {
  const modules = new Map<string, string>();
  const body = code.replace(/require\("([^"]+)"\)/g, (_match, specifier: string) => {
    const target = specifier.endsWith(".js") ? specifier : `${specifier}.js`;
    let local = modules.get(target);
    if (local === undefined) {
      local = `cjs${modules.size}`;
      modules.set(target, local);
    }
    return `interop(${local})`;
  });
  const imports = [...modules].map(([target, local]) => `import * as ${local} from ${JSON.stringify(target)};`);
  const helper =
    modules.size === 0
      ? []
      : ["const interop = (m) => (m.default && m.default.__esModule ? m.default : m);"];
  return [...imports, ...helper, body.replace(/^"use strict";\s*/, "")].join("\n");
}

// Checking a schema against the 2020-12 meta-schema compiles that meta-schema: done once
// per process, on this shared instance, instead of once per store.
let metaChecker: Ajv2020 | undefined;

function checkAgainstMetaSchema(model: StoreModel, problems: Problems): boolean {
  metaChecker ??= new Ajv2020({ allErrors: true, strict: false, logger: false });
  if (metaChecker.validateSchema(model.store.schema) === true) return true;
  for (const error of metaChecker.errors ?? []) {
    problems.add(model.store.file, error.instancePath, `invalid schema: ${error.message ?? error.keyword}`);
  }
  return false;
}

const ERROR_PATH = 'schemaPath:"#';

export function emitValidators(model: StoreModel, problems: Problems): Validators {
  if (!checkAgainstMetaSchema(model, problems)) return { code: "", names: new Map(), sources: {} };
  const { units, exports, sources } = split(model);
  const ajv = new Ajv2020({
    // ajv's optimizer pass costs about a fifth of compiling and only trims the output.
    code: { source: true, esm: true, lines: true, optimize: false },
    allErrors: true,
    strict: true,
    // A tuple without minItems is a valid schema: accept it rather than fail generation.
    strictTuples: false,
    // One function per unit, called where another unit refers to it.
    inlineRefs: false,
    logger: false,
    validateSchema: false,
  });
  formats.default(ajv);
  const names = new Map<string, string>();
  const refs: Record<string, string> = {};
  // ajv names the place of a problem by unit key (`at "p3#/properties/a"`): name the schema place instead.
  const failed = (error: unknown): Validators => {
    const message = error instanceof Error ? error.message : String(error);
    const pointers = new Map(units.map((u) => [u.key, u.pointer]));
    let at = "";
    const named = message.replace(/"([pq]\d+)#([^"]*)"/g, (whole, key: string, rest: string) => {
      const pointer = pointers.get(key);
      if (pointer === undefined) return whole;
      if (at === "") at = pointer + rest;
      return JSON.stringify(`${model.store.file}#${pointer}${rest}`);
    });
    problems.add(model.store.file, at, `ajv cannot compile the schema: ${named}`);
    return { code: "", names, sources };
  };
  for (const unit of units) ajv.addSchema(unit.schema, unit.key);
  const functions = new Map<string, AnyValidateFunction>();
  const rewritten = new Set<AnyValidateFunction>();
  // Shared units first: a copy whose schema is only a `$ref` compiles to its target's function.
  for (const unit of [...units.filter((u) => u.shared), ...units.filter((u) => !u.shared)]) {
    let validate: AnyValidateFunction | undefined;
    try {
      validate = ajv.getSchema(unit.key);
    } catch (error) {
      return failed(error);
    }
    const source = validate?.source;
    if (validate === undefined || source === undefined) throw new Error(`internal: ajv compiled no code for ${model.store.file}#${unit.pointer}`);
    functions.set(unit.key, validate);
    // ajv compiles one function per boolean schema value, whatever its key.
    if (rewritten.has(validate)) continue;
    rewritten.add(validate);
    // ajv starts every function's error schema paths at "#", whoever calls it: prefix
    // those of a shared unit with its name so that validation.ts finds the unit's source.
    // A `$ref` to a boolean unit is inlined, its errors' path starting with the unit's key.
    const own = unit.shared && typeof unit.schema !== "boolean" ? source.validateCode.replaceAll(ERROR_PATH, `${ERROR_PATH}/$defs/${unit.key}`) : source.validateCode;
    validate.source = { ...source, validateCode: own.replace(/schemaPath:"([pq]\d+)\b/g, `${ERROR_PATH}/$defs/$1`) };
  }
  // Places whose units share one function export it once; the others alias that export.
  const exported = new Map<AnyValidateFunction, string>();
  const aliases: string[] = [];
  [...exports].forEach(([pointer, key], i) => {
    const name = `v${i}`;
    names.set(pointer, name);
    const validate = functions.get(key)!;
    const first = exported.get(validate);
    if (first === undefined) {
      exported.set(validate, name);
      refs[name] = key;
    } else {
      aliases.push(`export const ${name} = ${first};`);
    }
  });
  try {
    return { code: [toImports(standalone.default(ajv, refs)), ...aliases].join("\n"), names, sources };
  } catch (error) {
    return failed(error);
  }
}
