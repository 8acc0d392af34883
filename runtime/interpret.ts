// What an operation means to the replica, said once. A local write (list.ts,
// dict.ts, after its checks and once its operation is queued for Redis) and another
// writer's log entry (remote.ts, once its encodings are decoded) both change the
// replica through `interpret`: the same values land in the same places, released
// children are detached, and the change is reported the same way.
import { unreachable } from "./errors.js";
import { nodeOf, type DictNode, type ListNode, type Node } from "./node.js";
import type { NodeId, OpName } from "./ops.js";

/**
 * An operation as the replica applies it: containers are nodes, values are what a
 * container holds (scalars, proxies of child containers, inline records). `incr`
 * carries the field's new value; `promote` names the inline node that becomes the
 * container `id`. A `setnx` is a `set` to the replica.
 */
export type ReplicaOp =
  | [op: "set", node: DictNode, field: string, value: unknown]
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
  | [op: "promote", node: ListNode | DictNode, id: NodeId];

/** Hears each change: the container, the operation's name, and the key or index when one place changed. */
export type ChangeReport = (node: Node, op: OpName, key?: string | number) => void;

/**
 * Applies `op` to the replica and reports the change (a `promote` changes no data and
 * reports nothing; nor does an operation that changes nothing). `as` names the change
 * after the mutation that made it when that differs (a local `pop(i)` is a splice).
 */
export function interpret(op: ReplicaOp, report: ChangeReport, as: OpName = op[0]): void {
  switch (op[0]) {
    case "set": {
      const [, node, field, value] = op;
      release(node.fields[field], value);
      node.fields[field] = value;
      return report(node, as, field);
    }
    case "del": {
      const [, node, field] = op;
      if (!(field in node.fields)) return;
      release(node.fields[field]);
      delete node.fields[field];
      return report(node, as, field);
    }
    case "clear": {
      const node = op[1];
      for (const child of [...node.children()]) child.detach();
      if (node.kind === "list") {
        node.items.length = 0;
        node.lazy = false;
      } else for (const key of Object.keys(node.fields)) delete node.fields[key];
      return report(node, as);
    }
    case "incr": {
      const [, node, field, value] = op;
      node.fields[field] = value;
      return report(node, as, field);
    }
    case "push": {
      const [, node, values] = op;
      for (const value of values) node.items.push(value);
      markLazy(node, values);
      return report(node, as);
    }
    case "unshift": {
      const [, node, values] = op;
      node.items.unshift(...values);
      markLazy(node, values);
      return report(node, as);
    }
    case "lset": {
      const [, node, index, value] = op;
      // Released while still in the list, so that a detached reference remembers its index.
      release(node.items[index], value);
      node.items[index] = value;
      if (!node.lazy && isInline(value)) node.lazy = true;
      return report(node, as, index);
    }
    case "pop":
    case "shift": {
      const [, node, wanted] = op;
      const count = Math.min(wanted, node.items.length);
      if (count === 0) return;
      removeRange(node, op[0] === "pop" ? node.items.length - count : 0, count);
      return report(node, as);
    }
    case "splice": {
      const [, node, start, deleteCount, values] = op;
      const count = Math.min(deleteCount, node.items.length - start);
      if (count <= 0 && values.length === 0) return;
      if (count > 0) removeRange(node, start, count);
      node.items.splice(start, 0, ...values);
      markLazy(node, values);
      return report(node, as);
    }
    case "replace": {
      const [, node, values] = op;
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
      return report(node, as);
    }
    case "promote": {
      const [, node, id] = op;
      node.id = id;
      node.stored = true;
      node.owner.nodes.set(id, node);
      return;
    }
    default:
      unreachable(op);
  }
}

/** `interpret(["push", node, [value]], report)` without the arrays: the hot path of appends. */
export function interpretPushOne(node: ListNode, value: unknown, report: ChangeReport): void {
  node.items.push(value);
  if (!node.lazy && isInline(value)) node.lazy = true;
  report(node, "push");
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
  return typeof value === "object" && value !== null && nodeOf(value) === undefined;
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
