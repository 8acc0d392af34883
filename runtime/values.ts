// JSON values: what may be stored, deep plain copies and deep equality.
import { NotJsonError, type DataPath } from "./errors.js";
import { nodeOf, type Node } from "./node.js";

export type JsonScalar = string | number | boolean | null;
export type JsonValue = JsonScalar | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Deeper values are refused with a clear error instead of risking a stack overflow. */
export const MAX_DEPTH = 1_000;

/**
 * The plain data of a synced collection, by its node's kind (list.ts and dict.ts set
 * them). `share`: records a list holds as parsed JSON that nothing has read yet are
 * handed out as they are instead of copied (for code that only reads: see plainView).
 */
export const plainOfNode: { list?: (node: Node, share: boolean) => JsonValue; dict?: (node: Node, share: boolean) => JsonValue } = {};

/** Whether `value` is a synced collection (a SyncedList or SyncedDict proxy). */
export function isSynced(value: object): boolean {
  return nodeOf(value) !== undefined;
}

const hasOwn = Object.prototype.hasOwnProperty;

export function isJsonScalar(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "boolean" || value === null || (type === "number" && Number.isFinite(value));
}

/** Characters JSON.stringify escapes in a string (and surrogates, which it may). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * The JSON text of a checked scalar, exactly as JSON.stringify writes it: a string with
 * nothing to escape is quoted directly (about 3x faster; appends of strings spend much
 * of their time here).
 */
export function scalarText(value: unknown): string {
  return typeof value === "string" && !NEEDS_ESCAPE.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** Why a value is not JSON, as a phrase. */
export function describeNonJson(value: unknown): string {
  return typeof value === "number" ? `${value} is not a JSON number` : `${describe(value)} is not a JSON value`;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number") return String(value);
  if (typeof value === "bigint") return "a BigInt";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor ? `a ${ctor} instance` : "a non-plain object";
}

/**
 * Throws `NotJsonError` (with the path inside `value`) unless `value` is JSON data.
 * Properties holding `undefined` in objects are allowed (they are left out, as
 * JSON.stringify does); `undefined` elsewhere is not.
 */
export function assertJson(value: unknown, path: DataPath = []): void {
  if (isFlatJson(value)) return;
  check(value, [...path], new Set(), 0);
}

/**
 * A plain object or array of scalars (a chat message, an order line): the common case
 * of a record, recognised without allocating. Anything else takes the full check,
 * which also says what is wrong.
 */
function isFlatJson(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || !isJsonScalar(value[i])) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    if (!hasOwn.call(value, key) || !key.isWellFormed()) return false;
    const item: unknown = (value as Record<string, unknown>)[key];
    if (item !== undefined && !isJsonScalar(item)) return false;
  }
  return Object.getOwnPropertySymbols(value).length === 0;
}

function check(value: unknown, path: (string | number)[], stack: Set<object>, depth: number): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new NotJsonError(path, `${describe(value)} is not a JSON number`);
      return;
    case "object":
      break;
    default:
      throw new NotJsonError(path, `${describe(value)} is not a JSON value`);
  }
  if (value === null || isSynced(value)) return;
  if (depth >= MAX_DEPTH) throw new NotJsonError(path, `nesting deeper than ${MAX_DEPTH} levels`);
  if (stack.has(value)) throw new NotJsonError(path, "the value contains a cycle");
  stack.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      if (!(i in value)) throw new NotJsonError(path, "holes in arrays are not JSON values");
      const item: unknown = value[i];
      if (item === undefined) throw new NotJsonError(path, "undefined is not a JSON value (use null)");
      check(item, path, stack, depth + 1);
      path.pop();
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new NotJsonError(path, `${describe(value)} is not a plain object`);
    for (const key of Object.keys(value)) {
      path.push(key);
      assertKey(key, path);
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item !== undefined) check(item, path, stack, depth + 1);
      path.pop();
    }
    if (Object.getOwnPropertySymbols(value).length > 0) throw new NotJsonError(path, "symbol keys are not JSON");
  }
  stack.delete(value);
}

/**
 * Keys must survive a UTF-8 round trip through Redis: no lone surrogates. `path` may be
 * given as a function: a key write then walks to the root only to name a refused key.
 */
export function assertKey(key: string, path: DataPath | (() => DataPath)): void {
  if (!key.isWellFormed()) throw new NotJsonError(typeof path === "function" ? path() : path, "the key contains a lone UTF-16 surrogate, which Redis cannot store as UTF-8");
}

/** A deep plain copy (synced collections become plain arrays and objects). */
/**
 * A record held inline by a list that nothing has read yet: its JSON text, exactly as
 * Redis holds it. Reading the element makes it a proxy (list.ts); it never leaves the runtime.
 */
export class InlineText {
  constructor(readonly text: string) {}
}

export function plainCopy(value: unknown): JsonValue {
  return copyOf(value, false);
}

/**
 * As plainCopy, but the records a list holds as parsed JSON that nothing has read yet
 * (the runtime's own objects, never handed out) are shared, not copied: validating a
 * loaded conversation then costs no copy of it. The result must only be read: a list
 * that holds only such records and scalars is given as the replica's own array.
 */
export function plainView(value: unknown): JsonValue {
  return copyOf(value, true);
}

function copyOf(value: unknown, share: boolean): JsonValue {
  if (typeof value !== "object" || value === null) return value as JsonScalar;
  if (value instanceof InlineText) return JSON.parse(value.text) as JsonValue;
  const node = nodeOf(value);
  if (node) return plainOfNode[node.kind]!(node, share);
  if (Array.isArray(value)) return value.map((item) => copyOf(item, share));
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (item !== undefined) defineData(out, key, copyOf(item, share));
  }
  return out;
}

/** Sets `key` as an own data property, even `__proto__`. */
export function defineData(target: object, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else (target as Record<string, unknown>)[key] = value;
}

/** Deep equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof InlineText) return deepEqual(JSON.parse(a.text), b);
  if (b instanceof InlineText) return deepEqual(a, JSON.parse(b.text));
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    if (!hasOwn.call(b, key)) return false;
    if (!deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
