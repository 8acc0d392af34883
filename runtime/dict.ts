// SyncedDict: an object-like view of one dict node. Property reads, writes,
// `delete`, Object.keys, spread and JSON.stringify work; methods come from the
// prototype unless the data (or the schema) has a property of that name.
import { inspect } from "node:util";
import { OperationError, UsageError } from "./errors.js";
import { DictNode, NODE, SYNCED, bindProxy, nodeOf, type ListNode } from "./node.js";
import { proxyFactories, type Replica } from "./replica.js";
import type { DictMethods, PlainOf, SyncedDict as SyncedDictType } from "./list.js";
import type { Shape } from "./shape.js";
import type { Input, NumericKeys } from "./types.js";
import { asOneWrite, checkDictGrowth, checkDictUpdate, checkRemoval, childShape } from "./validate.js";
import { assertKey, defineData, plainCopy, plainOfNode, plainView, type JsonValue } from "./values.js";
import { commit, commitIncr, target } from "./write.js";

function replicaOf(node: DictNode): Replica {
  return node.owner as Replica;
}

export function dictNode(dict: object): DictNode {
  const node = nodeOf(dict);
  if (node?.kind !== "dict") throw new UsageError("expected a SyncedDict (or a store)");
  return node as DictNode;
}

function has(node: DictNode, key: string): boolean {
  return key in node.fields;
}

/**
 * Writes `key`; `undefined` deletes it. With `ifAbsent` Redis keeps a value another
 * process wrote first (used to fill defaults; the replica then reloads).
 */
export function setField(node: DictNode, key: string, value: unknown, ifAbsent = false): void {
  const replica = replicaOf(node);
  if (value === undefined) {
    deleteField(node, key);
    return;
  }
  assertKey(key, () => [...node.path(), key]);
  const shape = childShape(node.shape, key);
  replica.check(node, key, value, shape);
  checkDictGrowth(node, [[key, value]]);
  const old = node.fields[key];
  if (old === value && has(node, key)) return;
  const built = replica.build(value, node, key, shape);
  const id = target(replica, node);
  if (ifAbsent) commit(replica, ["setnx", id, key, built.enc], ["setnx", node, key, built.stored]);
  else commit(replica, ["set", id, key, built.enc], ["set", node, key, built.stored]);
  // A large list or dict becomes a container in the same batch: its first in-place write
  // would otherwise send it all again (records stay inline: they are small).
  if (!ifAbsent && built.enc.length > CONTAINER_AT) {
    const child = nodeOf(built.stored);
    if (child) target(replica, child);
  }
}

/** JSON text length above which a list or dict written into a dict is stored as a container at once. */
const CONTAINER_AT = 4_096;

export function deleteField(node: DictNode, key: string): boolean {
  const replica = replicaOf(node);
  replica.assertWritable(node);
  if (!has(node, key)) {
    // A key load-valid left out: the replica does not show it, Redis deletes it.
    if (node.hidden?.has(key)) commit(replica, ["del", target(replica, node), key], ["del", node, key]);
    return true;
  }
  checkRemoval(node, [key]);
  commit(replica, ["del", target(replica, node), key], ["del", node, key]);
  return true;
}

function entriesOf(source: unknown): [string, unknown][] {
  if (source instanceof Map) return [...(source as Map<string, unknown>)];
  if (typeof source === "object" && source !== null && !Array.isArray(source) && !(Symbol.iterator in source)) {
    return Object.keys(source).map((key) => [key, (source as Record<string, unknown>)[key]]);
  }
  if (source !== null && typeof source === "object" && Symbol.iterator in source) {
    return [...(source as Iterable<[string, unknown]>)];
  }
  throw new UsageError("update() takes an object, a Map or an iterable of [key, value] pairs");
}

// ---- methods, also exported as functions (`update(d, {...})`) --------------

/** Writes every key of `partial` (an object, Map or [key, value] pairs) in one batch. */
export function update<D extends object>(dict: D, partial: Partial<Input<PlainOf<D>>> | Iterable<[string, unknown]> | Map<string, unknown>): void {
  const node = dictNode(dict);
  const replica = replicaOf(node);
  replica.assertWritable(node);
  const entries = entriesOf(partial);
  for (const [key, value] of entries) {
    assertKey(key, () => [...node.path(), key]);
    if (value !== undefined) replica.check(node, key, value, childShape(node.shape, key));
  }
  checkDictUpdate(node, entries);
  asOneWrite(() => {
    for (const [key, value] of entries) setField(node, key, value);
  });
}

/**
 * Removes `key` and returns its value (a plain copy), or `fallback` when given (even
 * `undefined`, as Python's `d.pop(k, None)`); throws if absent without one.
 */
export function pop(dict: object, key: string, ...fallback: [unknown?]): unknown {
  const node = dictNode(dict);
  replicaOf(node).assertWritable(node);
  if (!has(node, key)) {
    if (fallback.length === 0) throw new OperationError([...node.path(), key], `pop(${JSON.stringify(key)}): no such key`);
    return fallback[0];
  }
  const value = plainCopy(node.fields[key]);
  deleteField(node, key);
  return value;
}

/** Removes and returns the last-inserted [key, value] (Python's LIFO, integer-like keys too); throws when empty. */
export function popitem(dict: object): [string, JsonValue] {
  const node = dictNode(dict);
  replicaOf(node).assertWritable(node);
  const key = node.lastInserted();
  if (key === undefined) throw new OperationError(node.path(), "popitem(): the dict is empty");
  return [key, pop(dict, key) as JsonValue];
}

/** Returns `dict[key]`, first writing `fallback` there when the key is absent. */
export function setdefault(dict: object, key: string, fallback: unknown): unknown {
  const node = dictNode(dict);
  if (!has(node, key)) setField(node, key, fallback);
  return node.fields[key];
}

export function clear(dict: object): void {
  const node = dictNode(dict);
  const replica = replicaOf(node);
  replica.assertWritable(node);
  const keys = Object.keys(node.fields);
  if (keys.length === 0) return;
  checkRemoval(node, keys);
  commit(replica, ["clear", target(replica, node)], ["clear", node]);
}

export function get(dict: object, key: string, fallback?: unknown): unknown {
  const node = dictNode(dict);
  return has(node, key) ? node.fields[key] : fallback;
}

/**
 * Atomically adds `by` to the number at `key` in Redis (a missing key counts as 0).
 * The replica changes at once; the promise gives the server's new value.
 */
export function incr<D extends object>(dict: D, key: NumericKeys<PlainOf<D>>, by = 1): Promise<number> {
  const node = dictNode(dict);
  const replica = replicaOf(node);
  replica.assertWritable(node);
  if (!Number.isFinite(by)) throw new OperationError([...node.path(), key], `incr by ${by}: not a finite number`);
  const current = has(node, key) ? node.fields[key] : 0;
  if (typeof current !== "number") {
    throw new OperationError([...node.path(), key], `incr: the value is ${JSON.stringify(plainCopy(current))}, not a number`);
  }
  const next = current + by;
  assertKey(key, () => [...node.path(), key]);
  replica.check(node, key, next, childShape(node.shape, key));
  checkDictGrowth(node, [[key, next]]);
  return commitIncr(replica, node, key, by, next);
}

/** A deep plain copy, typed as the dict's plain data type. */
export function asdict<D extends object>(dict: D): PlainOf<D> {
  return plainCopy(dictNode(dict).proxy) as PlainOf<D>;
}

export type { DictMethods, PlainOf };

class SyncedDictMethods {
  update(partial: object): void {
    update(this, partial);
  }
  pop(key: string, ...fallback: [unknown?]): unknown {
    return pop(this, key, ...fallback);
  }
  popitem(): [string, JsonValue] {
    return popitem(this);
  }
  setdefault(key: string, fallback: unknown): unknown {
    return setdefault(this, key, fallback);
  }
  clear(): void {
    clear(this);
  }
  get(key: string, fallback?: unknown): unknown {
    return get(this, key, fallback);
  }
  incr(key: string, by?: number): Promise<number> {
    return incr(this as Record<string, unknown>, key, by);
  }
  asdict(): object {
    return asdict(this);
  }
}

/** `value instanceof SyncedDict` tells a synced dict from a plain object. */
export const SyncedDict: { readonly prototype: object; [Symbol.hasInstance](value: unknown): boolean } = {
  prototype: SyncedDictMethods.prototype,
  [Symbol.hasInstance]: (value: unknown) => nodeOf(value)?.kind === "dict",
};
/** A synced object: the data's properties (nested collections synced too) plus dict methods. */
export type SyncedDict<T extends object = Record<string, unknown>> = SyncedDictType<T>;

// ---- the proxy -----------------------------------------------------------

function declared(shape: Shape, key: string): boolean {
  return shape.kind === "dict" && shape.properties !== undefined && Object.hasOwn(shape.properties, key);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A proxy's target: a dict's shell, or a record's view before its node is made (then [NODE] is undefined). */
type Target = DictShell | RecordShell;

/** The node behind a proxy's target, made first for a record read through its view. */
function nodeAt(target: Target): DictNode {
  return target[NODE] ?? madeNode(target as RecordShell);
}

function madeNode(shell: RecordShell): DictNode {
  const node = shell[OWNER].recordNode(shell[RAW]!, shell[LIST], shell[SHAPE], shell[PROXY]);
  shell[NODE] = node;
  // From now on the node's fields are the record's data (the parsed object is theirs no more).
  shell[RAW] = undefined;
  return node;
}

/** A record's scalar as its view shows it: -0 reads as 0 (its JSON text), as in a node's fields. */
const shown = (value: unknown): unknown => (value === 0 ? 0 : value);

const handler: ProxyHandler<Target> = {
  get(target, key, receiver) {
    const node = target[NODE];
    if (typeof key === "string") {
      if (node === undefined) {
        const raw = (target as RecordShell)[RAW]!;
        if (hasOwn.call(raw, key)) return shown(raw[key]);
        if (declared((target as RecordShell)[SHAPE], key)) return undefined;
      } else {
        if (key in node.fields) return node.fields[key];
        if (declared(node.shape, key)) return undefined;
      }
    }
    if (key === NODE) return node ?? madeNode(target as RecordShell);
    if (key === SYNCED) return true;
    return Reflect.get(target, key, receiver);
  },
  set(target, key, value) {
    const node = nodeAt(target);
    if (typeof key !== "string") throw new OperationError(node.path(), "symbol keys are not JSON data");
    setField(node, key, value);
    return true;
  },
  deleteProperty(target, key) {
    if (typeof key !== "string") return true;
    return deleteField(nodeAt(target), key);
  },
  defineProperty(target, key, descriptor) {
    const node = nodeAt(target);
    if (typeof key !== "string" || !("value" in descriptor)) {
      throw new OperationError(node.path(), `only data properties can be defined on a synced dict (${String(key)})`);
    }
    setField(node, key, descriptor.value);
    return true;
  },
  has(target, key) {
    if (typeof key !== "string") return Reflect.has(target, key);
    const node = target[NODE];
    return node === undefined ? hasOwn.call((target as RecordShell)[RAW], key) : key in node.fields;
  },
  ownKeys(target) {
    const node = target[NODE];
    return Object.keys(node === undefined ? (target as RecordShell)[RAW]! : node.fields);
  },
  getOwnPropertyDescriptor(target, key) {
    if (typeof key !== "string") return undefined;
    const node = target[NODE];
    if (node === undefined) {
      const raw = (target as RecordShell)[RAW]!;
      return hasOwn.call(raw, key) ? { value: shown(raw[key]), writable: true, enumerable: true, configurable: true } : undefined;
    }
    if (!(key in node.fields)) return undefined;
    return { value: node.fields[key], writable: true, enumerable: true, configurable: true };
  },
};

/**
 * The proxy's target: the methods by its prototype, the node under NODE (configurable,
 * so that the proxy may report only the data's keys). Made by a constructor rather than
 * Object.create + defineProperty: a loaded conversation makes one per record read.
 */
class DictShell extends SyncedDictMethods {
  declare [NODE]: DictNode;
  constructor(node: DictNode) {
    super();
    this[NODE] = node;
  }
}

// The view's own fields, under symbols: a string-named one would show through the proxy
// (its `get` hands a key that is not data to the target, for the methods).
const RAW: unique symbol = Symbol("raw");
const LIST: unique symbol = Symbol("list");
const SHAPE: unique symbol = Symbol("shape");
const OWNER: unique symbol = Symbol("owner");
const PROXY: unique symbol = Symbol("proxy");

/**
 * The target of a flat record's proxy, read from a list loaded from Redis, before anything
 * needs its node: reads are served from the parsed object itself (no copy of its fields, no
 * node); a write, or anything that asks for the node (NODE), makes the node as `hydrate`
 * would have, on this proxy, and from then on the node holds the data. A loaded
 * conversation read once costs a view and a proxy per record.
 */
class RecordShell extends SyncedDictMethods {
  declare [NODE]: DictNode | undefined;
  declare [RAW]: Record<string, unknown> | undefined;
  declare [LIST]: ListNode;
  declare [SHAPE]: Shape;
  declare [OWNER]: Replica;
  declare [PROXY]: object;
  constructor(owner: Replica, raw: Record<string, unknown>, list: ListNode, shape: Shape) {
    super();
    this[NODE] = undefined;
    this[RAW] = raw;
    this[LIST] = list;
    this[SHAPE] = shape;
    this[OWNER] = owner;
  }
}

proxyFactories.record = (owner, raw, list, shape): object => {
  const shell = new RecordShell(owner, raw, list, shape);
  const proxy = new Proxy(shell, handler);
  shell[PROXY] = proxy;
  return proxy;
};

proxyFactories.dict = (node: DictNode): object => {
  const proxy = new Proxy(new DictShell(node), handler);
  bindProxy(node, proxy);
  return proxy;
};

plainOfNode.dict = (node, share) => {
  const fields = (node as DictNode).fields;
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(fields)) defineData(out, key, share ? plainView(fields[key]) : plainCopy(fields[key]));
  return out;
};

Object.defineProperty(SyncedDictMethods.prototype, inspect.custom, {
  value(this: object, _depth: number, options: object, inspectFn: typeof inspect) {
    const node = (this as { [NODE]?: DictNode })[NODE];
    return node ? `SyncedDict ${inspectFn({ ...node.fields }, options)}` : "SyncedDict {}";
  },
});
