// What each operation means, said once. A row gives, for one operation: the kind
// of container it writes to and the containers it touches, how another writer's
// operation (read from the log) is decoded against the replica, how it changes the
// replica (local writes and log entries alike: the same values land in the same
// places, released children are detached, the change is reported under the
// operation's name), and how a write made offline replays on what Redis holds.
// The batch script's table (runtime/lua/apply.lua) checks and applies the same rows.
import { OperationError, type DataPath } from "../errors.js";
import type { ChangeReport } from "../events.js";
import { DictNode, ListNode, isProxy, nodeOf, type Node } from "../node.js";
import type { NodeId, Op, OpName } from "../ops.js";
import { childShape } from "../validate.js";
import { plainCopy } from "../values.js";
import { RemoteMismatch, decode, decodeAll, dictAt, listAt, nodeAt, type Replica } from "./decode.js";

/**
 * An operation as the replica applies it: containers are nodes, values are what a
 * container holds (scalars, proxies of child containers, inline records). `incr`
 * carries the field's new value; `promote` names the inline node that becomes the
 * container `id`. Names are the wire operation's, so that a change event names a
 * write the same way in the process that made it and in those that read it.
 */
export type ReplicaOp =
  | [op: "set", node: DictNode, field: string, value: unknown]
  | [op: "setnx", node: DictNode, field: string, value: unknown]
  | [op: "del", node: DictNode, field: string]
  | [op: "clear", node: ListNode | DictNode]
  | [op: "incr", node: DictNode, field: string, value: number]
  | [op: "push", node: ListNode, values: readonly unknown[]]
  | [op: "unshift", node: ListNode, values: readonly unknown[]]
  | [op: "lset", node: ListNode, index: number, value: unknown]
  | [op: "pop", node: ListNode, count: number]
  | [op: "shift", node: ListNode, count: number]
  | [op: "splice", node: ListNode, start: number, deleteCount: number, values: readonly unknown[]]
  | [op: "replace", node: ListNode, values: readonly unknown[]]
  | [op: "promote", node: ListNode | DictNode, id: NodeId]
  | [op: "keep", node: ListNode, count: number];

/** A write made offline: the path of the container it writes to, and the operation. */
export interface Intent {
  readonly path: DataPath;
  readonly op: Op;
  /** An offline `incr`: settled with the value of its replay. */
  incr: { resolve: (value: number) => void; reject: (error: unknown) => void } | undefined;
}

/** A list as an offline replay writes to it: through the methods user code calls. */
type ReplayList = unknown[] & { clear(): void };

/** The dict writes an offline replay makes (runtime/dict.ts's, passed in: they commit through this table). */
export interface ReplayWrites {
  setField(node: DictNode, key: string, value: unknown, ifAbsent?: boolean): void;
  deleteField(node: DictNode, key: string): void;
  clear(node: DictNode): void;
  incr(node: DictNode, key: string, by: number): Promise<number>;
}

export interface Row<W extends Op, R extends ReplicaOp> {
  /** The kind of container the operation writes to. */
  readonly kind: "list" | "dict" | "any";
  /** The containers (ids) the operation writes to. */
  touches(op: W): readonly NodeId[];
  /** Another writer's operation as the replica applies it; `result` is the server's value of an increment. */
  decode(replica: Replica, op: W, result: string | undefined): R;
  /** Changes the replica and reports the change (nothing is reported when nothing changed). */
  apply(op: R, report: ChangeReport): void;
  /** Replays a write made offline on the container now at its place, as the method that made it would. */
  replay(node: ListNode | DictNode, op: W, writes: ReplayWrites, intent: Intent): void;
}

type Rows = { [N in OpName]: Row<Extract<Op, [N, ...unknown[]]>, Extract<ReplicaOp, [N, ...unknown[]]>> };

const parse = (enc: string): unknown => JSON.parse(enc) as unknown;
const own = (op: Op): readonly NodeId[] => [op[1]];
const list = (node: ListNode | DictNode): ReplayList => node.proxy as ReplayList;

export const OPS = {
  set: {
    kind: "dict",
    touches: own,
    decode(replica, [, id, field, enc]) {
      const node = dictAt(replica, id);
      return ["set", node, field, decode(replica, enc, node, field, childShape(node.shape, field))];
    },
    apply(op, report) {
      setValue(op[1], op[2], op[3]);
      report(op[1], op[0], op[2]);
    },
    replay: (node, [, , field, enc], writes) => writes.setField(node as DictNode, field, parse(enc)),
  },
  /** Set only if the field is absent (filling defaults): Redis keeps a value another process wrote first. */
  setnx: {
    kind: "dict",
    touches: own,
    decode(replica, [, id, field, enc]) {
      const node = dictAt(replica, id);
      return ["setnx", node, field, decode(replica, enc, node, field, childShape(node.shape, field))];
    },
    apply(op, report) {
      setValue(op[1], op[2], op[3]);
      report(op[1], op[0], op[2]);
    },
    replay(node, [, , field, enc], writes) {
      if (!(field in (node as DictNode).fields)) writes.setField(node as DictNode, field, parse(enc), true);
    },
  },
  del: {
    kind: "dict",
    touches: own,
    decode: (replica, [, id, field]) => ["del", dictAt(replica, id), field],
    apply([, node, field], report) {
      if (!(field in node.fields)) return;
      release(node.fields[field]);
      node.remove(field);
      report(node, "del", field);
    },
    replay: (node, [, , field], writes) => writes.deleteField(node as DictNode, field),
  },
  clear: {
    kind: "any",
    touches: own,
    decode: (replica, [, id]) => ["clear", nodeAt(replica, id)],
    apply([, node], report) {
      for (const child of [...node.children()]) child.detach();
      if (node.kind === "list") {
        node.items.length = 0;
        node.lazy = false;
      } else node.empty();
      report(node, "clear");
    },
    replay: (node, _op, writes) => (node instanceof DictNode ? writes.clear(node) : list(node).clear()),
  },
  incr: {
    kind: "dict",
    touches: own,
    decode(replica, [, id, field, by], result) {
      const node = dictAt(replica, id);
      const current = field in node.fields ? node.fields[field] : 0;
      if (typeof current !== "number") throw new RemoteMismatch(`incr of a non-number at ${field}`);
      // The server's value is exact; adding `by` here could round differently.
      return ["incr", node, field, result === undefined ? current + by : Number(result)];
    },
    apply([, node, field, value], report) {
      node.put(field, value);
      report(node, "incr", field);
    },
    replay(node, [, , field, by], writes, intent) {
      const done = writes.incr(node as DictNode, field, by);
      if (intent.incr) done.then(intent.incr.resolve, intent.incr.reject);
    },
  },
  push: {
    kind: "list",
    touches: own,
    decode(replica, [, id, encs]) {
      const node = listAt(replica, id);
      return ["push", node, decodeAll(replica, encs, node, node.items.length)];
    },
    apply([, node, values], report) {
      for (const value of values) node.items.push(value);
      markLazy(node, values);
      report(node, "push");
    },
    replay: (node, [, , encs]) => void list(node).push(...encs.map(parse)),
  },
  unshift: {
    kind: "list",
    touches: own,
    decode(replica, [, id, encs]) {
      const node = listAt(replica, id);
      return ["unshift", node, decodeAll(replica, encs, node, 0)];
    },
    apply([, node, values], report) {
      node.items.unshift(...values);
      markLazy(node, values);
      report(node, "unshift");
    },
    replay: (node, [, , encs]) => void list(node).unshift(...encs.map(parse)),
  },
  lset: {
    kind: "list",
    touches: own,
    decode(replica, [, id, index, enc]) {
      const node = listAt(replica, id);
      if (index >= node.items.length) throw new RemoteMismatch(`lset ${index} on a list of ${node.items.length}`);
      return ["lset", node, index, decode(replica, enc, node, undefined, childShape(node.shape, index))];
    },
    apply([, node, index, value], report) {
      // Released while still in the list, so that a detached reference remembers its index.
      release(node.items[index], value);
      node.items[index] = value;
      if (!node.lazy && isInline(value)) node.lazy = true;
      report(node, "lset", index);
    },
    replay(node, [, , index, enc]) {
      // The index Redis holds now; past its end the value is appended (an index write is not lost).
      const items = list(node);
      if (index < items.length) items[index] = parse(enc);
      else items.push(parse(enc));
    },
  },
  pop: {
    kind: "list",
    touches: own,
    decode: (replica, [, id, count]) => ["pop", listAt(replica, id), count],
    apply([, node, wanted], report) {
      const count = Math.min(wanted, node.items.length);
      if (count === 0) return;
      removeRange(node, node.items.length - count, count);
      report(node, "pop");
    },
    replay(node, [, , count]) {
      const items = list(node);
      items.splice(Math.max(items.length - count, 0), count);
    },
  },
  shift: {
    kind: "list",
    touches: own,
    decode: (replica, [, id, count]) => ["shift", listAt(replica, id), count],
    apply([, node, wanted], report) {
      const count = Math.min(wanted, node.items.length);
      if (count === 0) return;
      removeRange(node, 0, count);
      report(node, "shift");
    },
    replay: (node, [, , count]) => void list(node).splice(0, count),
  },
  splice: {
    kind: "list",
    touches: own,
    decode(replica, [, id, start, deleteCount, encs]) {
      const node = listAt(replica, id);
      if (start > node.items.length) throw new RemoteMismatch(`splice at ${start} on a list of ${node.items.length}`);
      return ["splice", node, start, deleteCount, decodeAll(replica, encs, node, start)];
    },
    apply([, node, start, deleteCount, values], report) {
      const count = Math.min(deleteCount, node.items.length - start);
      if (count <= 0 && values.length === 0) return;
      if (count > 0) removeRange(node, start, count);
      node.items.splice(start, 0, ...values);
      markLazy(node, values);
      report(node, "splice");
    },
    replay(node, [, , start, deleteCount, encs]) {
      const items = list(node);
      items.splice(Math.min(start, items.length), deleteCount, ...encs.map(parse));
    },
  },
  replace: {
    kind: "list",
    touches: own,
    decode(replica, [, id, encs]) {
      const node = listAt(replica, id);
      return ["replace", node, decodeAll(replica, encs, node, 0)];
    },
    apply([, node, values], report) {
      const kept = new Set<Node>();
      for (const value of values) {
        const child = nodeOf(value);
        if (child) kept.add(child);
      }
      for (const value of node.items) {
        const child = nodeOf(value);
        if (child && !kept.has(child)) child.detach();
      }
      node.items.length = 0;
      for (const value of values) node.items.push(value);
      node.lazy = false;
      markLazy(node, values);
      report(node, "replace");
    },
    replay(node, [, , encs]) {
      const items = list(node);
      items.splice(0, items.length, ...encs.map(parse));
    },
  },
  /**
   * The inline element `slot` of a container becomes a container of its own, in the
   * batch of the first write that changes it in place: the data does not change.
   */
  promote: {
    kind: "any",
    touches: (op) => [op[1], op[3]],
    decode(replica, [, parentId, slot, id, kind]) {
      const parent = nodeAt(replica, parentId);
      const value = parent instanceof ListNode ? replica.element(parent, slot as number) : parent.fields[slot as string];
      const child = nodeOf(value);
      if (!child || child.stored || child.kind !== (kind === "l" ? "list" : "dict")) {
        throw new RemoteMismatch(`promote of ${String(slot)} in ${parentId}: the replica holds another value there`);
      }
      return ["promote", child as ListNode | DictNode, id];
    },
    apply([, node, id]) {
      node.id = id;
      node.stored = true;
      node.owner.nodes.set(id, node);
    },
    // A write made offline names its container by path: promotes are made again as needed.
    replay() {},
  },
  /** Retention: the list keeps its last `count` elements; the change reports the dropped ones. */
  keep: {
    kind: "list",
    touches: own,
    decode: (replica, [, id, count]) => ["keep", listAt(replica, id), count],
    apply([, node, count], report) {
      const excess = node.items.length - count;
      if (excess <= 0) return;
      // Plain copies, taken before the replica lets the elements go.
      const dropped = node.items.slice(0, excess).map((value) => plainCopy(value));
      removeRange(node, 0, excess);
      report(node, "keep", undefined, dropped);
    },
    // The replayed writes trim the list as they go (runtime/write.ts).
    replay() {},
  },
} satisfies Rows;

/** Applies `op` to the replica and reports the change: the one way a replica changes (commit() and applyRemote()). */
export function apply(op: ReplicaOp, report: ChangeReport): void {
  (OPS[op[0]] as unknown as Row<Op, ReplicaOp>).apply(op, report);
}

/** Another writer's operation as the replica applies it (throws RemoteMismatch when the replica cannot). */
export function decodeOp(replica: Replica, op: Op, result: string | undefined): ReplicaOp {
  const row = OPS[op[0]] as Row<Op, ReplicaOp> | undefined;
  if (!row) throw new RemoteMismatch(`unknown operation ${JSON.stringify(op[0])}`);
  return row.decode(replica, op, result);
}

/** Replays one write made offline on `node`, the container now at its place. */
export function replayOp(node: ListNode | DictNode, intent: Intent, writes: ReplayWrites): void {
  const op = intent.op;
  const row = OPS[op[0]] as unknown as Row<Op, ReplicaOp>;
  if (row.kind !== "any" && row.kind !== node.kind) {
    throw new OperationError(intent.path, `a write made offline (${op[0]}) expected a ${row.kind} here; Redis holds a ${node.kind}`);
  }
  row.replay(node, op, writes, intent);
}

/** The containers (ids) `op` writes to. */
export function touches(op: Op): readonly NodeId[] {
  return (OPS[op[0]] as unknown as Row<Op, ReplicaOp>).touches(op);
}

/** `apply(["push", node, [value]], report)` without the arrays: the hot path of appends. */
export function applyPushOne(node: ListNode, value: unknown, report: ChangeReport): void {
  node.items.push(value);
  if (!node.lazy && isInline(value)) node.lazy = true;
  report(node, "push");
}

function setValue(node: DictNode, field: string, value: unknown): void {
  release(node.fields[field], value);
  node.put(field, value);
}

/** A value the replica no longer holds: its container subtree (if any) is detached, unless it stays. */
function release(old: unknown, replacement?: unknown): void {
  const child = nodeOf(old);
  if (child && child !== nodeOf(replacement)) child.detach();
}

function removeRange(node: ListNode, start: number, count: number): void {
  // Detached while still in the list, so that a detached reference remembers its index.
  for (let i = start; i < start + count; i++) release(node.items[i]);
  node.items.splice(start, count);
}

/** An object or array held as plain data (not yet a proxy): the list reads it lazily. */
function isInline(value: unknown): boolean {
  return typeof value === "object" && value !== null && !isProxy(value);
}

function markLazy(node: ListNode, values: readonly unknown[]): void {
  if (node.lazy) return;
  for (const value of values) {
    if (isInline(value)) {
      node.lazy = true;
      return;
    }
  }
}
