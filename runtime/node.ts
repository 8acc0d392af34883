// A container of the replica: one list or dict, mirrored by one Redis key.
// User code only ever sees its proxy; the node and its bookkeeping stay internal.
import { DetachedError, type DataPath } from "./errors.js";
import type { NodeId } from "./ops.js";
import type { Shape } from "./shape.js";

export type Kind = "list" | "dict";

/** Internal hooks every node needs from the replica that owns it. */
export interface Owner {
  readonly nodes: Map<NodeId, Node>;
  /** A container of this owner left the data (its key, if it has one, is to be deleted). */
  detached(node: Node): void;
}

export const NODE: unique symbol = Symbol("redis-memory.node");
/**
 * Every proxy answers `true` to it, without making anything: a record read from a loaded
 * list has no node until something needs one (see RecordShell in dict.ts), and asking a
 * proxy for `NODE` makes it.
 */
export const SYNCED: unique symbol = Symbol("redis-memory.synced");

/** Whether `value` is a proxy of the runtime (a SyncedList or SyncedDict), without making its node. */
export function isProxy(value: object): boolean {
  return (value as { [SYNCED]?: unknown })[SYNCED] === true;
}

export abstract class Node {
  abstract readonly kind: Kind;
  /** The object user code holds (a Proxy). */
  abstract readonly proxy: object;
  attached = true;
  parent: Node | undefined;
  /** Key in the parent dict; for a parent list the index is looked up when needed. */
  key: string | undefined;

  /**
   * Whether the node is a container in Redis (`id` names its key); otherwise it is
   * stored inline, as JSON text in its parent, until a write changes it in place.
   */
  stored: boolean;

  /**
   * `onInvalid: "load-valid"` left out something Redis holds here, in this container or
   * (for an inline one) inside it: the replica shows less than Redis holds, so a write
   * must not send this container's contents as the replica has them (runtime/left-out.ts).
   * Set on the container and each inline one above it, up to the first stored one.
   */
  leftOut = false;
  /**
   * An inline container `load-valid` left something out of: the JSON value Redis holds
   * for it, which its text stays until a write makes it a container of its own (that
   * promote carries this value, so Redis keeps the left-out parts; runtime/write.ts).
   */
  original: unknown;

  constructor(
    public id: NodeId,
    readonly owner: Owner,
    public shape: Shape,
  ) {
    this.stored = id !== "";
  }

  /** Path from the store root; computed on demand (errors, change events). */
  path(): (string | number)[] {
    const path: (string | number)[] = [];
    let node: Node | undefined = this;
    while (node?.parent) {
      const parent: Node = node.parent;
      if (parent instanceof ListNode) path.push(parent.items.indexOf(node.proxy));
      else path.push(node.key ?? "?");
      node = parent;
    }
    return path.reverse();
  }

  assertAttached(): void {
    if (!this.attached) throw new DetachedError(this.lastPath ?? this.path());
  }

  /** Remembered at detach time, for every node of the subtree, so that the error can still name the place. */
  lastPath: DataPath | undefined;

  /** Detach this node and its subtree (it was replaced or removed). */
  detach(): void {
    if (!this.attached) return;
    const stack: [Node, DataPath][] = [[this, this.path()]];
    while (stack.length > 0) {
      const [node, path] = stack.pop()!;
      node.attached = false;
      node.lastPath = path;
      if (node.stored) {
        node.owner.nodes.delete(node.id);
        node.owner.detached(node);
      }
      if (node instanceof ListNode) {
        node.items.forEach((item, i) => {
          const child = nodeOf(item);
          if (child) stack.push([child, [...path, i]]);
        });
      } else if (node instanceof DictNode) {
        for (const key in node.fields) {
          const child = nodeOf(node.fields[key]);
          if (child) stack.push([child, [...path, key]]);
        }
      }
    }
  }

  abstract children(): Iterable<Node>;
}

export class ListNode extends Node {
  readonly kind = "list";
  proxy!: object;
  /**
   * Elements: scalars, proxies of child containers, or plain objects and arrays (records
   * held inline that nothing has read yet: made into proxies on first read, see list.ts).
   * Same array for the node's life.
   */
  readonly items: unknown[] = [];
  /** Some element may be a plain object or array not yet made a proxy. */
  lazy = false;
  /** `list[Symbol.iterator]`, made once (see ItemsIterator in list.ts). */
  iterate!: () => Iterator<unknown>;
  /** Native non-mutating methods bound once to `items`. */
  readonly bound: Record<string | symbol, unknown> = Object.create(null);
  /** `list.push`, bound to this node when first read (the hot path of appends, see list.ts). */
  push: ((...values: unknown[]) => number) | undefined;
  /**
   * The positions (in Redis, ascending) of the elements `load-valid` left out: the
   * replica's index i is Redis' i-th position not listed here (runtime/left-out.ts).
   */
  hidden: number[] | undefined;

  *children(): Iterable<Node> {
    for (const item of this.items) {
      const child = nodeOf(item);
      if (child) yield child;
    }
  }
}

export class DictNode extends Node {
  readonly kind = "dict";
  proxy!: object;
  /**
   * Fields: scalars, or proxies of child containers. No prototype: `__proto__` is data.
   * Its key order is JavaScript's (integer-like keys first, then insertion order).
   * Change it through put/remove/empty, which keep `inserted` too.
   */
  readonly fields: Record<string, unknown>;
  /**
   * Every key in insertion order (what Python's `popitem` needs), kept only once an
   * integer-like key came: until then the fields' own order is the insertion order.
   */
  private inserted: Map<string, true> | undefined;
  /**
   * Keys whose value in Redis `load-valid` left out: absent here, or shown as the schema
   * default of a required field. A write of the key replaces it (runtime/left-out.ts).
   */
  hidden: Set<string> | undefined;

  /** `fields`: an object that inherits nothing (see bareObject) and has no integer-like keys, which the node takes as its own (see Replica.hydrate). */
  constructor(id: NodeId, owner: Owner, shape: Shape, fields?: Record<string, unknown>) {
    super(id, owner, shape);
    this.fields = fields ?? Object.create(null);
  }

  /** Writes `field` (a new one is the last inserted). */
  put(field: string, value: unknown): void {
    if (!(field in this.fields)) {
      if (this.inserted === undefined && isIntegerLike(field)) this.inserted = new Map(Object.keys(this.fields).map((key) => [key, true]));
      this.inserted?.set(field, true);
    }
    this.fields[field] = value;
  }

  remove(field: string): void {
    delete this.fields[field];
    this.inserted?.delete(field);
  }

  empty(): void {
    for (const key of Object.keys(this.fields)) delete this.fields[key];
    this.inserted = undefined;
  }

  /** The key inserted last (undefined when empty). */
  lastInserted(): string | undefined {
    let last: string | undefined;
    if (this.inserted === undefined) {
      const keys = Object.keys(this.fields);
      return keys[keys.length - 1];
    }
    for (const key of this.inserted.keys()) last = key;
    return last;
  }

  *children(): Iterable<Node> {
    for (const key in this.fields) {
      const child = nodeOf(this.fields[key]);
      if (child) yield child;
    }
  }
}

/** Objects made by `new Bare()` inherit nothing (`toString`, `__proto__` are data like any key), yet are ordinary fast objects. */
function Bare(this: object): void {}
Bare.prototype = Object.create(null) as object;

/** An empty object that inherits nothing: what a dict node adopts as its fields (see Replica.hydrate). */
export function bareObject(): Record<string, unknown> {
  return new (Bare as unknown as new () => Record<string, unknown>)();
}

/**
 * The node behind a proxy: the proxy answers `NODE` (its target holds it). Read as a
 * property rather than kept in a WeakMap: an entry per proxy made reading a loaded
 * conversation (a proxy per record) several times slower, most of it in the GC.
 */
export function nodeOf(value: unknown): Node | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const node = (value as { [NODE]?: unknown })[NODE];
  return node instanceof Node ? node : undefined;
}

export function bindProxy(node: ListNode | DictNode, proxy: object): void {
  node.proxy = proxy;
}

/** A key JavaScript orders before the others: an array index ("0", "17"; not "01", "-1", "1.5"). */
export function isIntegerLike(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  const n = Number(key);
  return Number.isInteger(n) && n < 4294967295 && String(n) === key;
}
