// The one sink of a local write. A mutator (list.ts, dict.ts, the store's field
// writes) checks its arguments and values first, then commits: the operation is
// queued for Redis (runtime/batches.ts) and applied to the replica through the
// table of operations (runtime/op/rows.ts), which applies remote entries too.
import { createHash } from "node:crypto";
import { newId } from "./ids.js";
import { DictNode, ListNode, type Node } from "./node.js";
import { aimed, assertIncrementable, assertPromotable, keptLocally, originalContents } from "./left-out.js";
import { apply, applyPushOne, type ReplicaOp } from "./op/rows.js";
import type { Enc, NodeId, Op } from "./ops.js";
import type { Replica } from "./replica.js";
import { plainCopy } from "./values.js";

/** An operation as Redis applies it and as the replica does: the same name (the compiler checks it). */
type Pair = { [N in Op[0]]: [wire: Extract<Op, [N, ...unknown[]]>, local: Extract<ReplicaOp, [N, ...unknown[]]>] }[Op[0]];

/**
 * Queues `wire` (the operation as Redis applies it) and applies `local` (the same
 * operation on the replica's nodes and values). Call after every check of the write.
 */
export function commit(replica: Replica, ...[given, local]: Pair): void {
  // Around places `load-valid` left out: aimed at Redis' positions, or refused before anything changed.
  const wire = local[1].leftOut || (given[0] === "promote" && local[1].parent?.leftOut === true) ? aimed(given, local) : given;
  // Appends join the previous push to the same list.
  if (wire[0] === "push") replica.batches.queuePush(wire[1], wire[2]);
  else replica.batches.queue(wire);
  apply(local, replica.changed);
  if (local[1] instanceof ListNode && GROWS.has(wire[0])) retain(replica, local[1], wire[1]);
}

/** `commit` of a one-value push without its arrays: the hot path of appends. */
export function commitPushOne(replica: Replica, node: ListNode, enc: Enc, stored: unknown): void {
  const id = target(replica, node);
  replica.batches.queuePushOne(id, enc);
  applyPushOne(node, stored, replica.changed);
  retain(replica, node, id);
}

/** The list operations that can make a list longer. */
const GROWS: ReadonlySet<string> = new Set(["push", "unshift", "splice", "replace"]);

/**
 * Retention: every write that can make a list with `keepLast` longer is followed, in
 * the same batch, by a `keep` that Redis applies at its place in the batch. It is sent
 * even when this replica's list is short: another writer may have appended meanwhile,
 * and only Redis knows the length. The replica trims itself to what it holds.
 */
function retain(replica: Replica, node: ListNode, id: NodeId): void {
  const shape = node.shape;
  if (shape.kind !== "list" || shape.keepLast === undefined) return;
  replica.batches.queueKeep(id, shape.keepLast);
  const count = node.leftOut ? keptLocally(node, shape.keepLast) : shape.keepLast;
  if (node.items.length <= count) return;
  // No event now: what Redis drops (another writer may have appended first) is in the
  // batch's reply, and the event is emitted then (runtime/batches.ts).
  apply(["keep", node, count], () => {});
}

/** `commit` of an increment: resolves to the server's value (the replica holds `next` meanwhile). */
export function commitIncr(replica: Replica, node: DictNode, field: string, by: number, next: number): Promise<number> {
  if (node.leftOut) assertIncrementable(node, field);
  const result = replica.batches.queueIncr(target(replica, node), node, field, by, next);
  apply(["incr", node, field, next], replica.changed);
  return result;
}

/**
 * The container id a write into `node` targets. An inline node (and each inline
 * ancestor) first becomes a container of its own: a promote carries its contents and
 * the hash of its text, so the script can tell it is unchanged. Call after every
 * check of the write and before the replica changes.
 */
export function target(replica: Replica, node: Node): NodeId {
  if (node.stored) return node.id;
  assertPromotable(node);
  const parent = node.parent!;
  const parentId = target(replica, parent);
  const slot = parent instanceof ListNode ? parent.items.indexOf(node.proxy) : node.key!;
  // Left-out parts (load-valid) go with it: the container Redis makes holds what it held.
  const { contents, text } = originalContents(node) ?? contentsOf(replica, node);
  const id = newId();
  const sha1 = createHash("sha1").update(text).digest("hex");
  commit(replica, ["promote", parentId, slot, id, node.kind === "list" ? "l" : "d", sha1, contents], ["promote", node as ListNode | DictNode, id]);
  return id;
}

/** An inline container's contents as stored values, and its JSON text. */
function contentsOf(replica: Replica, node: Node): { contents: Enc[]; text: string } {
  const contents: Enc[] = [];
  if (node instanceof ListNode) for (const item of node.items) contents.push(replica.encode(item));
  else for (const field of Object.keys((node as DictNode).fields)) contents.push(field, replica.encode((node as DictNode).fields[field]));
  return { contents, text: JSON.stringify(plainCopy(node.proxy)) };
}
