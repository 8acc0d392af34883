// The local replica of one store instance and its write path: a mutation is
// checked, applied to the replica, and queued as an operation; the operations of
// one synchronous run of code leave together as one batch (one script call).
import type { Backend } from "./backend.js";
import { ClosedError, NotJsonError, RedisMemoryError, WriteError, type DataPath } from "./errors.js";
import { newId } from "./ids.js";
import { DictNode, ListNode, nodeOf, type Node } from "./node.js";
import { DICT_REF, LIST_REF, type Enc, type NodeId, type Op, type OpName } from "./ops.js";
import type { Shape } from "./shape.js";
import { assertJson, describeNonJson, isJsonScalar, plainCopy, syncedViews, type JsonValue } from "./values.js";
import { childShape, resolveShape, validatePlace } from "./validate.js";

export interface ChangeEvent {
  readonly path: DataPath;
  readonly op: OpName;
  readonly source: "local" | "remote";
}
export type StatusEvent = { readonly status: "connected" | "disconnected" | "reloaded" };
export interface StoreEvents {
  change: ChangeEvent;
  error: Error;
  status: StatusEvent;
}
export type EventName = keyof StoreEvents;

/** Proxies are made by the list and dict modules, which register here. */
export const proxyFactories: {
  list?: (node: ListNode) => object;
  dict?: (node: DictNode) => object;
} = {};

interface PendingIncr {
  readonly node: DictNode;
  readonly field: string;
  readonly expected: number;
  readonly resolve: (value: number) => void;
  readonly reject: (error: unknown) => void;
}

export interface ReplicaOptions {
  readonly backend: Backend;
  readonly ns: string;
  readonly shape: Shape;
  readonly schemaHash: string;
}

export class Replica {
  readonly nodes = new Map<NodeId, ListNode | DictNode>();
  readonly root: DictNode;
  readonly clientId = newId();
  readonly backend: Backend;
  readonly ns: string;
  readonly schemaHash: string;

  private pending: Op[] = [];
  private pendingIncrs: PendingIncr[] = [];
  /** The push op that later appends to the same list may join. */
  private lastPush: [op: "push", node: NodeId, values: Enc[]] | undefined;
  private scheduled = false;
  private batchSeq = 0;
  private readonly inflight = new Set<Promise<void>>();
  private failures: unknown[] = [];
  private readonly listeners: { [K in EventName]: Set<(event: StoreEvents[K]) => void> } = {
    change: new Set(),
    error: new Set(),
    status: new Set(),
  };
  closed = false;
  /** Called when a batch failed and the replica must be reloaded from Redis. */
  onStale: (() => Promise<void>) | undefined;
  /** Called with each batch as it leaves (the change feed tracks what its own unseen batches touch). */
  onSend: ((seq: number, ops: readonly Op[]) => void) | undefined;
  private reloading: Promise<void> | undefined;

  constructor(options: ReplicaOptions) {
    this.backend = options.backend;
    this.ns = options.ns;
    this.schemaHash = options.schemaHash;
    this.root = this.newDict("", options.shape);
  }

  // ---- nodes -------------------------------------------------------------

  newList(id: NodeId, shape: Shape): ListNode {
    const node = new ListNode(id, this, shape);
    proxyFactories.list!(node);
    this.nodes.set(id, node);
    return node;
  }

  newDict(id: NodeId, shape: Shape): DictNode {
    const node = new DictNode(id, this, shape);
    proxyFactories.dict!(node);
    if (id !== "") this.nodes.set(id, node);
    return node;
  }

  /**
   * Turns a checked JSON value into what a container holds (a scalar, or the proxy
   * of a new child container) and its stored form; new subtrees are queued as ops.
   */
  build(value: unknown, parent: Node, key: string | undefined, shape: Shape): { stored: unknown; enc: Enc } {
    // -0 is stored as 0 (its JSON text), so the replica holds what a reload would give.
    if (typeof value !== "object" || value === null) return { stored: value === 0 ? 0 : value, enc: JSON.stringify(value) };
    const plain = syncedViews.has(value) ? plainCopy(value) : value;
    if (shape.kind === "union") shape = resolveShape(shape, plain);
    if (Array.isArray(plain)) {
      const node = this.newList(newId(), shape);
      node.parent = parent;
      node.key = key;
      const encs: Enc[] = new Array<Enc>(plain.length);
      for (let i = 0; i < plain.length; i++) {
        const child = this.build(plain[i], node, undefined, childShape(shape, i));
        node.items.push(child.stored);
        encs[i] = child.enc;
      }
      // Queued even when empty: it registers the container in ns:nodes.
      this.queue(["newlist", node.id, encs]);
      return { stored: node.proxy, enc: LIST_REF + node.id };
    }
    const node = this.newDict(newId(), shape);
    node.parent = parent;
    node.key = key;
    const encs: Enc[] = [];
    for (const field of Object.keys(plain as object)) {
      const item: unknown = (plain as Record<string, unknown>)[field];
      if (item === undefined) continue;
      const child = this.build(item, node, field, childShape(shape, field));
      node.fields[field] = child.stored;
      encs.push(field, child.enc);
    }
    this.queue(["newdict", node.id, encs]);
    return { stored: node.proxy, enc: DICT_REF + node.id };
  }

  /** The stored form of a value already held by a container. */
  encode(stored: unknown): Enc {
    const node = nodeOf(stored);
    if (!node) return JSON.stringify(stored);
    return (node.kind === "list" ? LIST_REF : DICT_REF) + node.id;
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

  /** A value removed from the replica: its subtree is detached, the caller gets a plain copy. */
  release(stored: unknown): JsonValue {
    const node = nodeOf(stored);
    if (!node) return stored as JsonValue;
    const copy = plainCopy(stored);
    node.detach();
    return copy;
  }

  // ---- the write queue ---------------------------------------------------

  queue(op: Op): void {
    if (op[0] !== "newlist" && op[0] !== "newdict") this.lastPush = undefined;
    this.pending.push(op);
    this.schedule();
  }

  /** Appends join the previous push to the same list when nothing but new subtrees came between. */
  queuePush(node: NodeId, values: Enc[]): void {
    const last = this.lastPush;
    if (last !== undefined && last[1] === node) {
      for (const value of values) last[2].push(value);
      return;
    }
    const op: [op: "push", node: NodeId, values: Enc[]] = ["push", node, values];
    this.queue(op);
    this.lastPush = op;
  }

  queueIncr(node: DictNode, field: string, by: number, expected: number): Promise<number> {
    this.queue(["incr", node.id, field, by]);
    return new Promise<number>((resolve, reject) => {
      this.pendingIncrs.push({ node, field, expected, resolve, reject });
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.send());
  }

  /** Sends what is queued as one batch. */
  send(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const ops = this.pending;
    const incrs = this.pendingIncrs;
    this.pending = [];
    this.pendingIncrs = [];
    this.lastPush = undefined;
    const seq = ++this.batchSeq;
    this.onSend?.(seq, ops);
    const done = this.backend
      .apply({ ns: this.ns, clientId: this.clientId, seq, ops, schemaHash: this.schemaHash })
      .then(
        (result) => {
          // Another process filled a default first: its value, not ours, is in Redis.
          if (result.skipped > 0) this.reloadWhenIdle();
          incrs.forEach((incr, i) => {
            const value = result.incrs[i];
            if (value === undefined) return incr.resolve(incr.expected);
            if (incr.node.fields[incr.field] === incr.expected) incr.node.fields[incr.field] = value;
            incr.resolve(value);
          });
        },
        (error: unknown) => {
          const failure = error instanceof RedisMemoryError ? error : new WriteError(this.ns, String(error), { cause: error });
          for (const incr of incrs) incr.reject(failure);
          this.failures.push(failure);
          this.emit("error", failure);
          this.reloadWhenIdle();
        },
      )
      .finally(() => this.inflight.delete(done));
    this.inflight.add(done);
  }

  /** Resolves when every write queued before the call is acknowledged; rejects with a failure since the last flush. */
  async flush(): Promise<void> {
    this.send();
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    if (this.reloading) await this.reloading;
    const failure = this.failures[0];
    this.failures = [];
    if (failure !== undefined) throw failure;
  }

  get hasPendingWrites(): boolean {
    return this.pending.length > 0 || this.inflight.size > 0;
  }


  /** The writes queued that no batch has taken yet. */
  get queuedOps(): readonly Op[] {
    return this.pending;
  }

  /** How many batches this replica has sent (the change feed matches them with its own log entries). */
  get sentBatches(): number {
    return this.batchSeq;
  }

  /** Resolves once nothing is queued or in flight; unlike flush() it leaves failures for flush() to report. */
  async settled(): Promise<void> {
    this.send();
    while (this.inflight.size > 0) {
      await Promise.all([...this.inflight]);
      this.send();
    }
  }

  /** After a refused batch the replica no longer matches Redis: reload once the queue drains. */
  private reloadWhenIdle(): void {
    if (this.reloading || !this.onStale) return;
    const reload = this.onStale;
    this.reloading = (async () => {
      while (this.inflight.size > 1) await Promise.all([...this.inflight]);
      try {
        await reload();
      } catch (error) {
        this.emit("error", error instanceof Error ? error : new Error(String(error)));
      } finally {
        this.reloading = undefined;
      }
    })();
  }

  // ---- events ------------------------------------------------------------

  on<K extends EventName>(event: K, listener: (event: StoreEvents[K]) => void): () => void {
    const set = this.listeners[event] as Set<(event: StoreEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  hasListeners(event: EventName): boolean {
    return this.listeners[event].size > 0;
  }

  emit<K extends EventName>(event: K, payload: StoreEvents[K]): void {
    for (const listener of this.listeners[event] as Set<(event: StoreEvents[K]) => void>) {
      try {
        listener(payload);
      } catch (error) {
        // A throwing listener must not break the write path; report it once.
        if (event !== "error") this.emit("error", error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /** A local mutation happened at `node` (path computed only when someone listens). */
  changed(node: Node, op: OpName, key?: string | number): void {
    if (this.listeners.change.size === 0) return;
    const path = node.path();
    if (key !== undefined) path.push(key);
    this.emit("change", { path, op, source: "local" });
  }

}

