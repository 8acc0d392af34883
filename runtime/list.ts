// SyncedList: a real Array (Array.isArray, instanceof) whose elements live in a
// plain array; the proxy hands reads and iteration to that array, bound once, and
// turns every mutator into operations on the replica and in Redis.
import { inspect } from "node:util";
import { NotJsonError, OperationError, UsageError } from "./errors.js";
import { ListNode, NODE, SYNCED, bindProxy, isIntegerLike, isProxy, nodeOf } from "./node.js";
import type { Enc } from "./ops.js";
import { proxyFactories, type Replica } from "./replica.js";
import type { Input, NumericKeys } from "./types.js";
import { checkListChange, childShape, needsWholeCheck } from "./validate.js";
import { InlineText, deepEqual, plainCopy, plainOfNode, plainView, scalarText, type JsonValue } from "./values.js";
import { commit, commitPushOne, target } from "./write.js";

// The synced forms of data types refer to each other (a list of dicts of lists), so
// they are declared together, here beside the SyncedList class.

/** The synced form of a data type: arrays are `SyncedList`s, objects `SyncedDict`s. */
export type Synced<T> = T extends readonly (infer E)[] ? SyncedList<E> : T extends object ? SyncedDict<T> : T;

/** A synced object: the data's properties (nested collections synced too) plus dict methods. */
export type SyncedDict<T extends object = Record<string, unknown>> = { [K in keyof T]: Synced<T[K]> } & DictMethods<T>;

/** The plain data type behind a synced dict (its `DictMethods<T>`), else the type itself. */
export type PlainOf<D> = D extends DictMethods<infer T> ? T : D;

/** The methods every SyncedDict has (a property of the same name in the data wins); runtime/dict.ts implements them. */
export interface DictMethods<T extends object> {
  update(partial: Partial<Input<T>> | Iterable<[string, unknown]> | Map<string, unknown>): void;
  pop<K extends keyof T & string>(key: K, fallback?: T[K]): T[K];
  popitem(): [keyof T & string, JsonValue];
  setdefault<K extends keyof T & string>(key: K, fallback: Input<T[K]>): Synced<T[K]>;
  clear(): void;
  get<K extends keyof T & string>(key: K, fallback?: T[K]): Synced<T[K]> | undefined;
  incr(key: NumericKeys<T>, by?: number): Promise<number>;
  asdict(): T;
}

/** Non-mutating Array methods: served by the plain array at native speed. */
const NATIVE_READS = new Set<string | symbol>([
  "at", "concat", "entries", "every", "filter", "find", "findIndex", "findLast", "findLastIndex", "flat",
  "flatMap", "forEach", "includes", "indexOf", "join", "keys", "lastIndexOf", "map", "reduce", "reduceRight",
  "slice", "some", "toLocaleString", "toReversed", "toSorted", "toSpliced", "toString", "values", "with",
]);

/**
 * `for...of` over a SyncedList: V8 cannot see through the proxy to an array iterator,
 * so its result objects are not optimised away; this iterator reuses one result
 * object (for...of, spread and Array.from read it at once), which measured ~3x
 * faster than the bound native iterator. `list.values()` gives the native one.
 */
class ItemsIterator implements IterableIterator<unknown> {
  private index = 0;
  private readonly result: { value: unknown; done: boolean } = { value: undefined, done: false };
  constructor(
    private readonly items: readonly unknown[],
    private readonly node: ListNode,
  ) {}
  next(): IteratorResult<unknown> {
    const result = this.result;
    if (this.index < this.items.length) {
      const value = this.items[this.index++];
      // Records held as plain data (list.lazy) are made proxies as they are reached.
      result.value = this.node.lazy && typeof value === "object" && value !== null ? replicaOf(this.node).element(this.node, this.index - 1) : value;
    } else {
      result.value = undefined;
      result.done = true;
    }
    return result as IteratorResult<unknown>;
  }
  [Symbol.iterator](): this {
    return this;
  }
}

function listNode(list: object): ListNode {
  return (list as { [NODE]: ListNode })[NODE];
}

function replicaOf(node: ListNode): Replica {
  return node.owner as Replica;
}

/** Python-style index: negative counts from the end. */
function pyIndex(node: ListNode, index: number, name: string): number {
  const length = node.items.length;
  const i = index < 0 ? length + index : index;
  if (!Number.isInteger(i) || i < 0 || i >= length) {
    throw new OperationError(node.path(), `${name}(${index}): index out of range for a list of ${length}`);
  }
  return i;
}

/** Clamps like Array.prototype.splice's relative indexes. */
function relative(value: number | undefined, length: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Math.trunc(Number(value)) || 0;
  return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
}

/** Checks every value, then builds them: a bad value leaves the list untouched. */
function prepare(node: ListNode, values: readonly unknown[], firstIndex: number): { stored: unknown[]; encs: Enc[] } {
  const replica = replicaOf(node);
  for (let i = 0; i < values.length; i++) {
    replica.check(node, firstIndex + i, values[i], childShape(node.shape, firstIndex + i));
  }
  const stored = new Array<unknown>(values.length);
  const encs = new Array<Enc>(values.length);
  for (let i = 0; i < values.length; i++) {
    const built = replica.buildElement(values[i]);
    stored[i] = built.stored;
    encs[i] = built.enc;
  }
  return { stored, encs };
}

function hasListConstraints(node: ListNode): boolean {
  const shape = node.shape;
  return (shape.kind === "list" && (shape.maxItems !== undefined || shape.minItems !== undefined || shape.prefixItems !== undefined || shape.uniqueItems === true)) || needsWholeCheck(node);
}

function pushOne(node: ListNode, value: unknown): number {
  const replica = replicaOf(node);
  const index = node.items.length;
  replica.check(node, index, value, childShape(node.shape, index));
  let stored: unknown, enc: Enc;
  if (typeof value !== "object" || value === null) {
    stored = value === 0 ? 0 : value;
    enc = scalarText(value);
  } else {
    ({ stored, enc } = replica.buildElement(value));
  }
  commitPushOne(replica, node, enc, stored);
  return node.items.length;
}

/**
 * `list.push` as the proxy hands it out: bound to the node, so that an append of one
 * value takes neither a second trap (for the node) nor a rest-arguments array.
 */
function boundPush(node: ListNode): (...values: unknown[]) => number {
  return function push(this: unknown, value?: unknown): number {
    // pushOne's check also asserts that the list is writable.
    if (arguments.length === 1 && !hasListConstraints(node)) return pushOne(node, value);
    return SyncedList.prototype.push.apply(node.proxy as SyncedList, arguments as unknown as unknown[]);
  };
}

function writable(list: object): ListNode {
  const node = listNode(list);
  replicaOf(node).assertWritable(node);
  return node;
}

/**
 * Rewrites the whole list to `next` (values the list holds or held): a container
 * that appears twice is copied (value semantics), one that is gone is detached.
 */
function rewrite(node: ListNode, next: unknown[]): void {
  checkListChange(node, next.length, () => next);
  const replica = replicaOf(node);
  const seen = new Set<object>();
  for (let i = 0; i < next.length; i++) {
    const child = nodeOf(next[i]);
    if (!child) continue;
    // A container that left the list meanwhile (a sort comparator removed it) comes back as a copy.
    if (seen.has(child.proxy) || !child.attached) next[i] = replica.build(plainCopy(child.proxy), node, undefined, child.shape).stored;
    else seen.add(child.proxy);
  }
  commit(replica, ["replace", target(replica, node), next.map((value) => replica.encode(value))], ["replace", node, next]);
}

/**
 * Commits a splice of `count` elements at `from` (inserting `stored`, stored as
 * `encs`) as the operation Redis has for it: push, unshift, pop, shift or splice.
 * The change event names that operation, here and in every replica that reads it.
 */
function commitSplice(node: ListNode, from: number, count: number, stored: unknown[], encs: Enc[]): void {
  const replica = replicaOf(node);
  const length = node.items.length;
  const id = target(replica, node);
  if (count === 0 && from === length) commit(replica, ["push", id, encs], ["push", node, stored]);
  else if (count === 0 && from === 0) commit(replica, ["unshift", id, encs], ["unshift", node, stored]);
  else if (encs.length === 0 && from + count === length) commit(replica, ["pop", id, count], ["pop", node, count]);
  else if (encs.length === 0 && from === 0) commit(replica, ["shift", id, count], ["shift", node, count]);
  else commit(replica, ["splice", id, from, count, encs], ["splice", node, from, count, stored]);
}

/** Plain copies of the elements a removal hands back (taken before the replica lets them go). */
function removed(node: ListNode, start: number, count: number): JsonValue[] {
  return node.items.slice(start, start + count).map(plainCopy);
}

/**
 * `T`: the plain element type writes accept; `S`: what reads give (by default `Synced<T>`;
 * generated code passes its `<Name>Synced` interface for lists of objects).
 */
export class SyncedList<T = unknown, S = Synced<T>> extends Array<S> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return nodeOf(value)?.kind === "list";
  }

  override push(...values: (Input<T> | S)[]): number {
    const node = writable(this);
    // The hot path of appends: a list without length or tuple constraints takes one
    // value without the general checks' allocations.
    if (values.length === 1 && !hasListConstraints(node)) return pushOne(node, values[0]);
    checkListChange(node, node.items.length + values.length, () => [...node.items, ...values]);
    const { stored, encs } = prepare(node, values, node.items.length);
    commitSplice(node, node.items.length, 0, stored, encs);
    return node.items.length;
  }

  override unshift(...values: (Input<T> | S)[]): number {
    const node = writable(this);
    if (values.length === 0) return node.items.length;
    checkListChange(node, node.items.length + values.length, () => [...values, ...node.items]);
    const { stored, encs } = prepare(node, values, 0);
    commitSplice(node, 0, 0, stored, encs);
    return node.items.length;
  }

  /** Removes and returns the last element, or the one at `index` (negative counts from the end). */
  override pop(index?: number): S | undefined {
    const node = writable(this);
    const length = node.items.length;
    if (index === undefined) {
      if (length === 0) return undefined;
      index = length - 1;
    }
    const i = pyIndex(node, index, "pop");
    checkListChange(node, length - 1, () => node.items.filter((_, j) => j !== i));
    const [value] = removed(node, i, 1);
    commitSplice(node, i, 1, [], []);
    return value as S;
  }

  override shift(): S | undefined {
    const node = writable(this);
    if (node.items.length === 0) return undefined;
    checkListChange(node, node.items.length - 1, () => node.items.slice(1));
    const [value] = removed(node, 0, 1);
    commitSplice(node, 0, 1, [], []);
    return value as S;
  }

  override splice(start: number, deleteCount?: number, ...values: (Input<T> | S)[]): S[] {
    const node = writable(this);
    const length = node.items.length;
    const from = relative(start, length, 0);
    const count =
      arguments.length === 0 ? 0 : arguments.length === 1 ? length - from : Math.min(Math.max(Math.trunc(Number(deleteCount)) || 0, 0), length - from);
    checkListChange(node, length - count + values.length, () => node.items.toSpliced(from, count, ...values));
    const { stored, encs } = prepare(node, values, from);
    if (count === 0 && encs.length === 0) return [];
    const out = removed(node, from, count);
    commitSplice(node, from, count, stored, encs);
    return out as S[];
  }

  override sort(compare?: (a: S, b: S) => number): this {
    const node = writable(this);
    replicaOf(node).elements(node);
    // As V8 does: the elements are sorted apart (a comparator that throws leaves the list
    // as it was), then written to indexes 0..n-1 of the list as the comparator left it,
    // so that what it appended stays after them.
    const sorted = node.items.slice().sort(compare as ((a: unknown, b: unknown) => number) | undefined);
    writable(this);
    const next = node.items.slice();
    for (let i = 0; i < sorted.length; i++) next[i] = sorted[i];
    if (next.length !== node.items.length || next.some((value, i) => value !== node.items[i])) rewrite(node, next);
    return this;
  }

  override reverse(): this {
    const node = writable(this);
    replicaOf(node).elements(node);
    if (node.items.length > 1) rewrite(node, node.items.slice().reverse());
    return this;
  }

  override fill(value: Input<T> | S, start?: number, end?: number): this {
    const node = writable(this);
    const length = node.items.length;
    const from = relative(start, length, 0);
    const to = relative(end, length, length);
    if (from >= to) return this;
    const replica = replicaOf(node);
    replica.check(node, from, value, childShape(node.shape, from));
    checkListChange(node, length, () => node.items.toSpliced(from, to - from, ...new Array<unknown>(to - from).fill(value)));
    const next = node.items.slice();
    for (let i = from; i < to; i++) next[i] = replica.buildElement(value).stored;
    rewrite(node, next);
    return this;
  }

  override copyWithin(target: number, start: number, end?: number): this {
    const node = writable(this);
    replicaOf(node).elements(node);
    const next = node.items.slice().copyWithin(target, start, end);
    checkListChange(node, next.length, () => next);
    if (next.some((value, i) => value !== node.items[i])) rewrite(node, next);
    return this;
  }

  // ---- Python-style names (redis-memory) ----------------------------------

  append(value: Input<T>): void {
    this.push(value);
  }

  extend(values: Iterable<Input<T>>): void {
    this.push(...Array.from(values));
  }

  /** Inserts before `index` (negative counts from the end; out of range clamps). */
  insert(index: number, value: Input<T>): void {
    const length = listNode(this).items.length;
    const i = index < 0 ? Math.max(length + index, 0) : Math.min(index, length);
    this.splice(i, 0, value);
  }

  /** Removes the first element deep-equal to `value`; throws `OperationError` if there is none. */
  remove(value: Input<T>): void {
    const node = writable(this);
    const index = node.items.findIndex((item) => deepEqual(item, value));
    if (index < 0) throw new OperationError(node.path(), "remove(x): x is not in the list");
    this.splice(index, 1);
  }

  clear(): void {
    const node = writable(this);
    if (node.items.length === 0) return;
    checkListChange(node, 0, () => []);
    const replica = replicaOf(node);
    commit(replica, ["clear", target(replica, node)], ["clear", node]);
  }

  /** A deep plain copy, typed as the plain element type. */
  aslist(): T[] {
    return listNode(this).items.map(plainCopy) as T[];
  }

  toJSON(): T[] {
    return this.aslist();
  }
}

// ---- the proxy -----------------------------------------------------------

/** The property names an Array treats as indexes: canonical integers 0 ..= 2^32 - 2 ("1.5", "01", "-1" are not). */
const isIndex = isIntegerLike;

function setIndex(node: ListNode, index: number, value: unknown): void {
  const replica = replicaOf(node);
  const length = node.items.length;
  if (index > length) throw new NotJsonError([...node.path(), index], `writing past the end (length ${length}) would leave holes`);
  const shape = childShape(node.shape, index);
  replica.check(node, index, value, shape);
  checkListChange(node, Math.max(length, index + 1), () => node.items.toSpliced(index, 1, value));
  if (index === length) {
    const built = replica.buildElement(value);
    commitPushOne(replica, node, built.enc, built.stored);
    return;
  }
  if (node.items[index] === value) return;
  const built = replica.buildElement(value);
  commit(replica, ["lset", target(replica, node), index, built.enc], ["lset", node, index, built.stored]);
}

/** What `array.length = value` sets, as JavaScript reads it (RangeError there; OperationError here). */
function arrayLength(node: ListNode, value: unknown): number {
  const next = typeof value === "symbol" || typeof value === "bigint" ? NaN : Number(value);
  if (next >>> 0 !== next) throw new OperationError(node.path(), `length = ${String(value)}: an array length is an integer from 0 to 2^32 - 1`);
  return next;
}

function setLength(node: ListNode, value: unknown): void {
  const length = node.items.length;
  const next = arrayLength(node, value);
  if (next > length) throw new NotJsonError([...node.path(), length], `growing a list to length ${next} would leave holes`);
  if (next === length) return;
  checkListChange(node, next, () => node.items.slice(0, next));
  commitSplice(node, next, length - next, [], []);
}

function describePlace(node: ListNode): string {
  const path = node.path();
  return path.length === 0 ? "the list" : `the list at ${JSON.stringify(path)}`;
}

/**
 * A property other than an index or `length`: an Array would keep it beside its
 * elements, JSON cannot hold it, so it would never reach Redis.
 */
function notAnIndex(node: ListNode, key: string | symbol): UsageError {
  return new UsageError(
    `${describePlace(node)}: ${typeof key === "symbol" ? String(key) : JSON.stringify(key)} is not an array index (an integer from 0 to 2^32 - 2 written canonically); a synced list holds only its elements`,
  );
}

const handler: ProxyHandler<SyncedList> = {
  get(target, key, receiver) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    if (typeof key === "string") {
      if (key === "length") return node.items.length;
      if (key === "push") return (node.push ??= boundPush(node));
      const c = key.charCodeAt(0);
      // Digit-led keys are indexes or absent: the plain array answers both.
      if (c >= 48 && c <= 57) {
        const value = node.items[key as unknown as number];
        return typeof value === "object" && value !== null ? replicaOf(node).element(node, Number(key)) : value;
      }
    }
    if (key === NODE) return node;
    if (key === SYNCED) return true;
    if (key === Symbol.iterator) return node.iterate;
    const bound = node.bound[key];
    if (bound !== undefined) {
      // Native methods hand elements out: records held as plain data become proxies first.
      if (node.lazy) replicaOf(node).elements(node);
      return bound;
    }
    if (NATIVE_READS.has(key)) {
      if (node.lazy) replicaOf(node).elements(node);
      const fn = (node.items as unknown as Record<string | symbol, (...args: unknown[]) => unknown>)[key]!.bind(node.items);
      node.bound[key] = fn;
      return fn;
    }
    return Reflect.get(target, key, receiver);
  },
  set(target, key, value) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    replicaOf(node).assertWritable(node);
    if (typeof key === "string") {
      if (key === "length") {
        setLength(node, value);
        return true;
      }
      if (isIndex(key)) {
        setIndex(node, Number(key), value);
        return true;
      }
    }
    throw notAnIndex(node, key);
  },
  deleteProperty(target, key) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    if (key === "length") throw new UsageError(`${describePlace(node)}: the length of a list cannot be deleted (set list.length to shorten it)`);
    // As on an Array: deleting what the list does not hold does nothing.
    if (typeof key !== "string" || !isIndex(key) || Number(key) >= node.items.length) return true;
    replicaOf(node).assertWritable(node);
    throw new NotJsonError([...node.path(), Number(key)], "delete list[i] would leave a hole, which JSON cannot hold; use splice(i, 1) or pop(i)");
  },
  defineProperty(target, key, descriptor) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    if ("value" in descriptor && typeof key === "string" && (isIndex(key) || key === "length")) {
      handler.set!(target, key, descriptor.value, target);
      return true;
    }
    throw notAnIndex(node, key);
  },
  has(target, key) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    if (typeof key === "string" && isIndex(key)) return Number(key) < node.items.length;
    return key === "length" || Reflect.has(target, key);
  },
  ownKeys(target) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    const keys: string[] = new Array<string>(node.items.length);
    for (let i = 0; i < keys.length; i++) keys[i] = String(i);
    keys.push("length");
    return keys;
  },
  getOwnPropertyDescriptor(target, key) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    if (key === "length") return { value: node.items.length, writable: true, enumerable: false, configurable: false };
    if (typeof key === "string" && isIndex(key) && Number(key) < node.items.length) {
      return { value: replicaOf(node).element(node, Number(key)), writable: true, enumerable: true, configurable: true };
    }
    return undefined;
  },
};

proxyFactories.list = (node: ListNode): object => {
  node.iterate = () => new ItemsIterator(node.items, node);
  const shell = new SyncedList();
  Object.defineProperty(shell, NODE, { value: node, configurable: true });
  const proxy = new Proxy(shell, handler);
  bindProxy(node, proxy);
  return proxy;
};

plainOfNode.list = (node, share) => {
  const items = (node as ListNode).items;
  if (!share) return items.map(plainCopy);
  // Records parsed from Redis that nothing read yet are the runtime's own plain JSON: a
  // list that holds only such values and scalars (every list just loaded) is its own view,
  // without a copy of its array; a copy is made from the first element that is not.
  let view: JsonValue[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const synced = typeof item === "object" && item !== null && (item instanceof InlineText || isProxy(item));
    if (synced) (view ??= items.slice(0, i) as JsonValue[]).push(plainView(item));
    else view?.push(item as JsonValue);
  }
  return view ?? (items as JsonValue[]);
};

// console.log shows the elements, not the empty shell behind the proxy.
Object.defineProperty(SyncedList.prototype, inspect.custom, {
  value(this: SyncedList, depth: number, options: object, inspectFn: typeof inspect) {
    const node = (this as unknown as { [NODE]?: ListNode })[NODE];
    return node ? `SyncedList ${inspectFn(node.items.map(plainCopy), options)}` : "SyncedList []";
  },
});
