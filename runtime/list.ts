// SyncedList: a real Array (Array.isArray, instanceof) whose elements live in a
// plain array; the proxy hands reads and iteration to that array, bound once, and
// turns every mutator into operations on the replica and in Redis.
import { inspect } from "node:util";
import { NotJsonError, OperationError } from "./errors.js";
import { interpretPushOne } from "./interpret.js";
import { ListNode, NODE, bindProxy, nodeOf } from "./node.js";
import type { Enc } from "./ops.js";
import { proxyFactories, type Replica } from "./replica.js";
import type { Input, Synced } from "./types.js";
import { checkListChange, childShape, needsWholeCheck } from "./validate.js";
import { deepEqual, plainCopy, scalarText, syncedViews, type JsonValue } from "./values.js";

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
  replica.batches.queuePushOne(replica.target(node), enc);
  interpretPushOne(node, stored, replica.changed);
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
    if (seen.has(child.proxy)) next[i] = replica.build(plainCopy(child.proxy), node, undefined, child.shape).stored;
    else seen.add(child.proxy);
  }
  replica.batches.queue(["replace", replica.target(node), next.map((value) => replica.encode(value))]);
  replica.apply(["replace", node, next]);
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
    const replica = replicaOf(node);
    replica.batches.queuePush(replica.target(node), encs);
    replica.apply(["push", node, stored]);
    return node.items.length;
  }

  override unshift(...values: (Input<T> | S)[]): number {
    const node = writable(this);
    if (values.length === 0) return node.items.length;
    checkListChange(node, node.items.length + values.length, () => [...values, ...node.items]);
    const { stored, encs } = prepare(node, values, 0);
    const replica = replicaOf(node);
    replica.batches.queue(["unshift", replica.target(node), encs]);
    replica.apply(["unshift", node, stored]);
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
    const replica = replicaOf(node);
    const id = replica.target(node);
    const [value] = removed(node, i, 1);
    if (i === length - 1) replica.batches.queue(["pop", id, 1]);
    else if (i === 0) replica.batches.queue(["shift", id, 1]);
    else replica.batches.queue(["splice", id, i, 1, []]);
    replica.apply(["splice", node, i, 1, []], "pop");
    return value as S;
  }

  override shift(): S | undefined {
    const node = writable(this);
    if (node.items.length === 0) return undefined;
    checkListChange(node, node.items.length - 1, () => node.items.slice(1));
    const replica = replicaOf(node);
    const [value] = removed(node, 0, 1);
    replica.batches.queue(["shift", replica.target(node), 1]);
    replica.apply(["shift", node, 1]);
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
    const replica = replicaOf(node);
    if (count === 0 && encs.length === 0) return [];
    const id = replica.target(node);
    const out = removed(node, from, count);
    if (count === 0 && from === length) {
      replica.batches.queuePush(id, encs);
    } else if (count === 0 && from === 0) {
      replica.batches.queue(["unshift", id, encs]);
    } else if (encs.length === 0 && from + count === length) {
      replica.batches.queue(["pop", id, count]);
    } else {
      replica.batches.queue(["splice", id, from, count, encs]);
    }
    replica.apply(["splice", node, from, count, stored]);
    return out as S[];
  }

  override sort(compare?: (a: S, b: S) => number): this {
    const node = writable(this);
    replicaOf(node).elements(node);
    const sorted = node.items.slice().sort(compare as ((a: unknown, b: unknown) => number) | undefined);
    if (sorted.some((value, i) => value !== node.items[i])) rewrite(node, sorted);
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
    replica.batches.queue(["clear", replica.target(node)]);
    replica.apply(["clear", node]);
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

function isIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && String(Number(key)) === key && Number(key) < 4294967295;
}

function setIndex(node: ListNode, index: number, value: unknown): void {
  const replica = replicaOf(node);
  const length = node.items.length;
  if (index > length) throw new NotJsonError([...node.path(), index], `writing past the end (length ${length}) would leave holes`);
  const shape = childShape(node.shape, index);
  replica.check(node, index, value, shape);
  checkListChange(node, Math.max(length, index + 1), () => node.items.toSpliced(index, 1, value));
  if (index === length) {
    const built = replica.buildElement(value);
    replica.batches.queuePushOne(replica.target(node), built.enc);
    interpretPushOne(node, built.stored, replica.changed);
    return;
  }
  if (node.items[index] === value) return;
  const built = replica.buildElement(value);
  replica.batches.queue(["lset", replica.target(node), index, built.enc]);
  replica.apply(["lset", node, index, built.stored]);
}

function setLength(node: ListNode, value: unknown): void {
  const length = node.items.length;
  const next = Number(value);
  if (!Number.isInteger(next) || next < 0) throw new OperationError(node.path(), `length = ${String(value)}: a length is a non-negative integer`);
  if (next > length) throw new NotJsonError([...node.path(), length], `growing a list to length ${next} would leave holes`);
  if (next === length) return;
  checkListChange(node, next, () => node.items.slice(0, next));
  const replica = replicaOf(node);
  replica.batches.queue(["pop", replica.target(node), length - next]);
  replica.apply(["pop", node, length - next]);
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
    throw new OperationError(node.path(), `a synced list holds only indexed elements; cannot set ${String(key)}`);
  },
  deleteProperty(target, key) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    throw new OperationError(node.path(), `delete list[${String(key)}] would leave a hole; use splice or pop`);
  },
  defineProperty(target, key, descriptor) {
    const node = (target as unknown as { [NODE]: ListNode })[NODE];
    if ("value" in descriptor && typeof key === "string" && (isIndex(key) || key === "length")) {
      handler.set!(target, key, descriptor.value, target);
      return true;
    }
    throw new OperationError(node.path(), `cannot define property ${String(key)} on a synced list`);
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
  syncedViews.set(proxy, { plain: () => node.items.map(plainCopy) });
  return proxy;
};

// console.log shows the elements, not the empty shell behind the proxy.
Object.defineProperty(SyncedList.prototype, inspect.custom, {
  value(this: SyncedList, depth: number, options: object, inspectFn: typeof inspect) {
    const node = (this as unknown as { [NODE]?: ListNode })[NODE];
    return node ? `SyncedList ${inspectFn(node.items.map(plainCopy), options)}` : "SyncedList []";
  },
});
