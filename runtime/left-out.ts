// Writes to containers from which `onInvalid: "load-valid"` left something out
// (runtime/load-valid.ts): Redis still holds those places, so a write must not lose them
// unless it replaces them. A key written again replaces what Redis held there; a list's
// positional operations are aimed at Redis' positions around its left-out elements; an
// inline value that lost a part is promoted with what Redis holds. What would overwrite,
// move or drop a left-out place (a write that rewrites a whole list, a pop reaching a
// left-out element, a write inside a value shown as its default) is refused with
// LeftOutError, changing nothing. Another writer's entry that writes there is not
// applied but reloaded (runtime/remote.ts).
import { LeftOutError, type DataPath } from "./errors.js";
import { DictNode, ListNode, nodeOf, type Node } from "./node.js";
import type { ReplicaOp } from "./op/rows.js";
import type { Op } from "./ops.js";

/** Redis' position of the replica's element `index` (`hidden` ascending); the list's length maps to Redis' length. */
export function redisIndex(hidden: readonly number[], index: number): number {
  let position = index;
  for (const h of hidden) {
    if (h > position) break;
    position++;
  }
  return position;
}

/** The places left out in `node` and the inline containers below it, for an error. */
export function leftOutPaths(node: Node): DataPath[] {
  const paths: DataPath[] = [];
  const visit = (n: Node): void => {
    if (!n.leftOut) return;
    const base = n.path();
    if (n instanceof ListNode) for (const position of n.hidden ?? []) paths.push([...base, position]);
    if (n instanceof DictNode) for (const key of n.hidden ?? []) paths.push([...base, key]);
    for (const child of n.children()) if (!child.stored) visit(child);
  };
  visit(node);
  return paths.length > 0 ? paths : [node.path()];
}

function refuse(node: Node, what: string): never {
  throw new LeftOutError(node.path(), leftOutPaths(node), what);
}

/**
 * A write into the inline container `node` promotes it (and each inline one above it)
 * to a container of its own. One that left something out sends what Redis holds (its
 * `original`); one shown instead of what Redis holds (a default) cannot: refused. Call
 * before anything is committed.
 */
export function assertPromotable(node: Node): void {
  for (let n: Node | undefined = node; n && !n.stored; n = n.parent) {
    if (n.leftOut && n.original === undefined) refuse(n, "a write inside a value shown as its default");
  }
}

/** The contents and text (as Redis holds them) an inline container with left-out parts is promoted with. */
export function originalContents(node: Node): { contents: string[]; text: string } | undefined {
  const original = node.leftOut ? node.original : undefined;
  if (original === undefined || typeof original !== "object" || original === null) return undefined;
  const contents = Array.isArray(original)
    ? original.map((item: unknown) => JSON.stringify(item))
    : Object.keys(original).flatMap((key) => [key, JSON.stringify((original as Record<string, unknown>)[key])]);
  return { contents, text: JSON.stringify(original) };
}

/**
 * The operation as Redis must apply it when the container it writes to (or, for a
 * promote, the list holding the element) has left-out places; keeps the record of them
 * in step. Throws LeftOutError (before anything changed) when the write would lose one.
 */
export function aimed(wire: Op, local: ReplicaOp): Op {
  const node = local[1];
  if (wire[0] === "promote") {
    const list = node.parent;
    if (!(list instanceof ListNode) || !list.hidden?.length) return wire;
    return ["promote", wire[1], redisIndex(list.hidden, wire[2] as number), wire[3], wire[4], wire[5], wire[6]];
  }
  if (node instanceof DictNode) {
    if (!node.hidden) return wire;
    switch (wire[0]) {
      case "set":
      case "setnx":
      case "del":
        // Written again: this write replaces what Redis held there.
        node.hidden.delete(wire[2]);
        break;
      case "clear":
        node.hidden = undefined;
        break;
      default:
        break;
    }
    return wire;
  }
  const list = node as ListNode;
  const hidden = list.hidden;
  if (!hidden?.length) return wire;
  const length = list.items.length + hidden.length;
  switch (wire[0]) {
    case "push":
      return wire;
    case "unshift":
      list.hidden = hidden.map((h) => h + wire[2].length);
      return wire;
    case "lset":
      return ["lset", wire[1], redisIndex(hidden, wire[2]), wire[3]];
    case "pop":
      if (hidden.some((h) => h >= length - wire[2])) refuse(list, `removing the last ${wire[2]} element(s)`);
      return wire;
    case "shift":
      if (hidden.some((h) => h < wire[2])) refuse(list, `removing the first ${wire[2]} element(s)`);
      list.hidden = hidden.map((h) => h - wire[2]);
      return wire;
    case "splice": {
      const [, id, start, count, values] = wire;
      const from = redisIndex(hidden, start);
      if (hidden.some((h) => h >= from && h < from + count)) refuse(list, `removing ${count} element(s) from index ${start}`);
      list.hidden = hidden.map((h) => (h >= from + count ? h + values.length - count : h));
      return ["splice", id, from, count, values];
    }
    case "clear":
      list.hidden = undefined;
      return wire;
    default:
      // replace: a sort, reverse, fill or copyWithin rewrites the whole list as the replica has it.
      return refuse(list, "rewriting the whole list in place");
  }
}

/** An increment adds to what Redis holds: refused on a key the replica shows another value for. */
export function assertIncrementable(node: DictNode, field: string): void {
  if (node.hidden?.has(field)) throw new LeftOutError([...node.path(), field], [[...node.path(), field]], "an increment");
}

/**
 * Retention on a list with left-out elements: Redis keeps its last `count` elements,
 * left-out ones included. Returns how many of the replica's it keeps, and drops the
 * left-out positions that fall off the front.
 */
export function keptLocally(list: ListNode, count: number): number {
  const hidden = list.hidden;
  if (!hidden?.length) return count;
  const drop = list.items.length + hidden.length - count;
  if (drop <= 0) return list.items.length;
  const kept = hidden.filter((h) => h >= drop).map((h) => h - drop);
  list.hidden = kept.length > 0 ? kept : undefined;
  return count - kept.length;
}

/**
 * Whether another writer's operation writes to a place the replica left out (or to a
 * list with left-out elements, whose positions the replica does not share): the replica
 * cannot apply it as Redis did, so it reloads.
 */
export function touchesLeftOut(node: ListNode | DictNode, op: Op): boolean {
  if (!node.leftOut) return false;
  if (node instanceof ListNode) return true;
  switch (op[0]) {
    case "set":
    case "setnx":
    case "del":
    case "incr":
    case "promote": {
      const key = String(op[2]);
      return node.hidden?.has(key) === true || nodeOf(node.fields[key])?.leftOut === true;
    }
    default:
      return true;
  }
}
