// The local replica of one store instance: its containers (nodes and the proxies
// user code holds), how a written value becomes what a container holds, the checks
// of a write, and its events. A mutation is checked here and committed by
// runtime/write.ts (queued for Redis, applied through runtime/op/rows.ts).
import type { Backend, LogLimits } from "./backend.js";
import type { HistoryLimits } from "./protocol/batch.js";
import { Batches } from "./batches.js";
import { ClosedError, NotJsonError, type DataPath } from "./errors.js";
import { Events, type ChangeReport } from "./events.js";
import { newId } from "./ids.js";
import { DictNode, ListNode, bareObject, bindProxy, isIntegerLike, isProxy, nodeOf, type Node, type Owner } from "./node.js";
import { DICT_REF, LIST_REF, type Enc, type NodeId } from "./ops.js";
import type { Shape } from "./shape.js";
import { InlineText, assertJson, describeNonJson, isJsonScalar, plainCopy, isSynced, scalarText, type JsonValue } from "./values.js";
import { childShape, resolveShape, validatePlace } from "./validate.js";
import { assertPromotable } from "./left-out.js";

/** Proxies are made by the list and dict modules, which register here. */
export const proxyFactories: {
  list?: (node: ListNode) => object;
  dict?: (node: DictNode) => object;
  /** A flat record of `list` parsed from Redis, read before anything needs its node (see RecordShell in dict.ts). */
  record?: (replica: Replica, raw: Record<string, unknown>, list: ListNode, shape: Shape) => object;
} = {};

export interface ReplicaOptions {
  /** Undefined for a store opened offline (set when Redis comes). */
  readonly backend: Backend | undefined;
  readonly ns: string;
  readonly shape: Shape;
  readonly schemaHash: string;
  readonly log?: LogLimits | undefined;
  readonly ttl?: number | undefined;
  /** Keep every batch for `$history()` within these bounds, with this writer name (default: the client id). */
  readonly history?: { readonly limits: HistoryLimits; readonly writer: string | undefined } | undefined;
}

export class Replica implements Owner {
  readonly nodes = new Map<NodeId, ListNode | DictNode>();
  readonly root: DictNode;
  readonly clientId = newId();
  /** Set at open, or when Redis comes for a store opened offline. */
  backend: Backend;
  readonly ns: string;
  readonly events = new Events();
  /** The write path to Redis: the queue, its batches, transactions, writes made offline. */
  readonly batches: Batches;
  closed = false;
  /**
   * `onInvalid` is not "fail": another writer's entry that this schema refuses, or that
   * writes where the replica left something out, is not applied but reloaded, so that
   * the reload leaves out what is invalid (runtime/remote.ts, runtime/load-valid.ts).
   */
  leavesOut = false;

  constructor(options: ReplicaOptions) {
    this.backend = options.backend as Backend;
    this.ns = options.ns;
    this.batches = new Batches(this, { schemaHash: options.schemaHash, log: options.log, ttl: options.ttl, offline: options.backend === undefined, history: options.history });
    this.root = this.newDict("", options.shape);
    this.root.stored = true;
  }

  /** The containers the replica holds, by id, as "l" or "d" (a reload reads them in its first round). */
  containerKinds(): Map<NodeId, string> {
    const kinds = new Map<NodeId, string>();
    for (const [id, node] of this.nodes) kinds.set(id, node.kind === "list" ? "l" : "d");
    return kinds;
  }

  detached(node: Node): void {
    this.batches.drop(node.id);
  }

  pathOf(id: NodeId): DataPath | undefined {
    return (id === "" ? this.root : this.nodes.get(id))?.path();
  }

  plainOf(id: NodeId): JsonValue {
    return plainCopy(this.nodes.get(id)?.proxy ?? null);
  }

  // ---- nodes -------------------------------------------------------------

  newList(id: NodeId, shape: Shape): ListNode {
    const node = new ListNode(id, this, shape);
    proxyFactories.list!(node);
    if (id !== "") this.nodes.set(id, node);
    return node;
  }

  newDict(id: NodeId, shape: Shape, fields?: Record<string, unknown>): DictNode {
    const node = new DictNode(id, this, shape, fields);
    proxyFactories.dict!(node);
    if (id !== "") this.nodes.set(id, node);
    return node;
  }

  /**
   * Turns a checked JSON value into what a container holds (a scalar, or the proxy
   * of a new child container, stored inline) and its stored form (JSON text).
   */
  build(value: unknown, parent: Node, key: string | undefined, shape: Shape): { stored: unknown; enc: Enc } {
    // -0 is stored as 0 (its JSON text), so the replica holds what a reload would give.
    if (typeof value !== "object" || value === null) return { stored: value === 0 ? 0 : value, enc: scalarText(value) };
    const plain = retained(isSynced(value) ? plainCopy(value) : value, shape);
    return { stored: this.hydrate(plain, parent, key, shape), enc: JSON.stringify(plain) };
  }

  /**
   * A checked value written as an element of `list`: a scalar, or for an object or
   * array a private plain copy (its JSON text parsed back), made a proxy when first
   * read. Appending records costs about their JSON text.
   */
  buildElement(value: unknown): { stored: unknown; enc: Enc } {
    if (typeof value !== "object" || value === null) return { stored: value === 0 ? 0 : value, enc: scalarText(value) };
    const enc = JSON.stringify(isSynced(value) ? plainCopy(value) : value);
    return { stored: new InlineText(enc), enc };
  }

  /** The element `index` of `list` as user code sees it: a plain object or array becomes a proxy. */
  element(list: ListNode, index: number): unknown {
    const value = list.items[index];
    if (typeof value !== "object" || value === null || isProxy(value)) return value;
    const plain: unknown = value instanceof InlineText ? JSON.parse(value.text) : value;
    const proxy = this.hydrate(plain, list, undefined, childShape(list.shape, index), true);
    list.items[index] = proxy;
    return proxy;
  }

  /** Every element of `list` as a proxy (before a native method hands them out). */
  elements(list: ListNode): void {
    if (!list.lazy) return;
    for (let i = 0; i < list.items.length; i++) this.element(list, i);
    list.lazy = false;
  }

  /**
   * The replica's form of plain JSON data held inline by `parent`: nodes without keys of
   * their own. `owned`: the data is the runtime's (parsed from Redis), so a list keeps its
   * object and array elements as they are, made proxies when first read.
   */
  hydrate(plain: unknown, parent: Node, key: string | undefined, shape: Shape, owned = false): unknown {
    if (typeof plain !== "object" || plain === null) return plain === 0 ? 0 : plain;
    if (shape.kind === "union") shape = resolveShape(shape, plain);
    if (Array.isArray(plain)) {
      const node = this.newList("", shape);
      node.parent = parent;
      node.key = key;
      for (let i = 0; i < plain.length; i++) {
        const item: unknown = plain[i];
        if (owned && typeof item === "object" && item !== null) {
          node.items.push(item);
          node.lazy = true;
        } else node.items.push(this.hydrate(item, node, undefined, childShape(shape, i)));
      }
      return node.proxy;
    }
    // A flat record of a list, parsed from Redis: read through a view of the parsed object
    // itself; its node (and the fields the node adopts) are made when something needs them.
    if (owned && key === undefined && parent.kind === "list" && isFlatRecord(plain)) {
      return proxyFactories.record!(this, plain as Record<string, unknown>, parent as ListNode, shape);
    }
    const fields = owned ? adopt(plain) : undefined;
    if (fields !== undefined) {
      // The runtime's own parsed object, its fields moved to an object that inherits
      // nothing, becomes the node's fields: reading a record of a loaded conversation costs
      // its node and proxy, no second parse and no deep copy.
      const nested = adoptedNested;
      const node = this.newDict("", shape, fields);
      node.parent = parent;
      node.key = key;
      if (nested) {
        for (const field of Object.keys(fields)) {
          const item = fields[field];
          if (typeof item === "object" && item !== null) fields[field] = this.hydrate(item, node, field, childShape(shape, field), true);
        }
      }
      return node.proxy;
    }
    const node = this.newDict("", shape);
    node.parent = parent;
    node.key = key;
    for (const field of Object.keys(plain)) {
      const item: unknown = (plain as Record<string, unknown>)[field];
      if (item !== undefined) node.put(field, this.hydrate(item, node, field, childShape(shape, field), owned));
    }
    return node.proxy;
  }

  /**
   * The node of a flat record read through its view (see RecordShell in dict.ts), made when
   * something needs it: what `hydrate` would have made, on the proxy user code holds.
   */
  recordNode(raw: Record<string, unknown>, list: ListNode, shape: Shape, proxy: object): DictNode {
    let fields = adopt(raw);
    if (fields === undefined) {
      // Object.prototype gained an enumerable property since the view was made.
      fields = bareObject();
      for (const field of Object.keys(raw)) fields[field] = raw[field] === 0 ? 0 : raw[field];
    }
    const node = new DictNode("", this, shape, fields);
    node.parent = list;
    bindProxy(node, proxy);
    return node;
  }

  /** The stored form of a value already held by a container. */
  encode(stored: unknown): Enc {
    if (stored instanceof InlineText) return stored.text;
    const node = nodeOf(stored);
    if (!node) return JSON.stringify(stored);
    // Load-valid left something out of it: its text is what Redis holds.
    if (node.leftOut && !node.stored) {
      assertPromotable(node);
      if (node.original !== undefined) return JSON.stringify(node.original);
    }
    if (!node.stored) return JSON.stringify(plainCopy(stored));
    return (node.kind === "list" ? LIST_REF : DICT_REF) + node.id;
  }

  /** Another writer made the same element a container first: ours is that one. */
  rename(from: NodeId, to: NodeId): void {
    const node = this.nodes.get(from);
    if (!node || this.nodes.has(to)) return;
    this.nodes.delete(from);
    node.id = to;
    this.nodes.set(to, node);
  }

  /** Checks a value written at `parent[key]` before anything changes. */
  check(parent: Node, key: string | number, value: unknown, shape: Shape): void {
    this.assertWritable(parent);
    if (typeof value === "object" && value !== null) {
      try {
        assertJson(value);
      } catch (error) {
        // The path is computed only now: on the hot path it would cost a walk to the root.
        if (error instanceof NotJsonError) throw new NotJsonError([...parent.path(), key, ...error.path], error.reason);
        throw error;
      }
    } else if (!isJsonScalar(value)) {
      throw new NotJsonError([...parent.path(), key], describeNonJson(value));
    }
    validatePlace(shape, value, parent, key);
  }

  assertWritable(node: Node): void {
    if (this.closed) throw new ClosedError();
    node.assertAttached();
  }


  // ---- events ------------------------------------------------------------

  /** A local mutation happened at `node` (path computed only when someone listens); bound, to be handed to the operations' `apply`. */
  readonly changed: ChangeReport = (node, op, key, dropped) => {
    if (!this.events.has("change")) return;
    const path = node.path();
    if (key !== undefined) path.push(key);
    this.events.emit("change", dropped === undefined ? { path, op, source: "local" } : { path, op, source: "local", dropped });
  };

}

/** Set by `adopt`: whether a field of the object it adopted holds an object or array. */
let adoptedNested = false;

/**
 * The fields of parsed JSON as a dict node adopts them: its own fields moved to an object
 * that inherits nothing (see bareObject), -0 read as 0 (its JSON text); undefined when it
 * cannot be (not a plain object, or an integer-like key: those need the node's insertion
 * record, see DictNode.put). One for...in pass without a key array (half the time of
 * Object.keys + Object.assign): a record of a loaded conversation is read once per load.
 * A for...in sees inherited keys too: none unless something made a property of
 * Object.prototype enumerable, which then takes the path that does not adopt.
 */
function adopt(plain: object): Record<string, unknown> | undefined {
  if (Object.getPrototypeOf(plain) !== Object.prototype || inheritsEnumerable()) return undefined;
  const fields = bareObject();
  let nested = false;
  for (const key in plain) {
    if (isIntegerLike(key)) return undefined;
    const item = (plain as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null) nested = true;
    fields[key] = item === 0 ? 0 : item;
  }
  adoptedNested = nested;
  return fields;
}

/**
 * Whether parsed JSON is a record a view can show as it is (see RecordShell in dict.ts): a
 * plain object whose fields are all scalars, without integer-like keys (their order needs
 * the node's insertion record). One for...in pass, as `adopt`.
 */
function isFlatRecord(plain: object): boolean {
  if (Object.getPrototypeOf(plain) !== Object.prototype || inheritsEnumerable()) return false;
  for (const key in plain) {
    if (isIntegerLike(key)) return false;
    const item = (plain as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null) return false;
  }
  return true;
}

/** Whether a plain object inherits an enumerable property (Object.prototype was extended). */
function inheritsEnumerable(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

/** Whether a shape or any shape below it has `keepLast` (cached: whole-value writes ask). */
const retains = new WeakMap<Shape, boolean>();
function hasRetention(shape: Shape): boolean {
  let known = retains.get(shape);
  if (known !== undefined) return known;
  retains.set(shape, false);
  switch (shape.kind) {
    case "list":
      known = shape.keepLast !== undefined || hasRetention(shape.items) || (shape.prefixItems ?? []).some(hasRetention);
      break;
    case "dict":
      known =
        Object.values(shape.properties ?? {}).some(hasRetention) ||
        (shape.patternProperties ?? []).some((p) => hasRetention(p.shape)) ||
        (shape.additional !== undefined && shape.additional !== false && hasRetention(shape.additional));
      break;
    case "union":
      known = shape.options.some(hasRetention);
      break;
    default:
      known = false;
  }
  retains.set(shape, known);
  return known;
}

/**
 * A whole value written where lists have `keepLast`: each such list keeps its newest
 * elements (a copy is made only where something is dropped; `value` is not changed).
 */
function retained(value: unknown, shape: Shape): unknown {
  if (typeof value !== "object" || value === null || !hasRetention(shape)) return value;
  if (shape.kind === "union") shape = resolveShape(shape, value);
  if (Array.isArray(value)) {
    if (shape.kind !== "list") return value;
    const kept = shape.keepLast !== undefined && value.length > shape.keepLast ? value.slice(value.length - shape.keepLast) : value;
    let out: unknown[] | undefined = kept === value ? undefined : kept;
    for (let i = 0; i < kept.length; i++) {
      const item: unknown = kept[i];
      const next = retained(item, childShape(shape, i));
      if (next !== item) (out ??= [...kept])[i] = next;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const field of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[field];
    const next = retained(item, childShape(shape, field));
    if (next !== item) (out ??= { ...(value as Record<string, unknown>) })[field] = next;
  }
  return out ?? value;
}
