// Applies another writer's batch, read from the change log, to the replica the way
// the batch script applied it to Redis: same operations, same order, nothing queued.
// Change events carry `source: "remote"`; they are returned, to be emitted once the
// whole entry is in the replica (a listener that writes must see Redis's state).
import { DictNode, ListNode, nodeOf, type Node } from "./node.js";
import { LIST_REF, isRef, type Enc, type NodeId, type Op } from "./ops.js";
import type { ChangeEvent, Replica } from "./replica.js";
import type { Shape } from "./shape.js";
import { assignShape, childShape } from "./validate.js";

/**
 * The replica cannot apply an entry as Redis did (unknown container, index out of
 * range, wrong kind): it no longer matches Redis, so the feed reloads it. Internal.
 */
export class RemoteMismatch extends Error {
  override name = "RemoteMismatch";
}

/**
 * Applies `ops` (one log entry) to the replica. `results` are the values the
 * server's increments produced, in order (the log entry's `r` field).
 */
export function applyRemote(
  replica: Replica,
  ops: readonly Op[],
  results: readonly string[] = [],
  aliases: readonly [from: NodeId, to: NodeId][] = [],
): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  const changed = (node: Node, op: Op[0], key?: string | number): void => {
    if (!replica.hasListeners("change")) return;
    const path = node.path();
    if (key !== undefined) path.push(key);
    events.push({ path, op, source: "remote" });
  };
  // The writer's promotes that found the element already a container: its ops went there.
  const alias = new Map(aliases);
  let nextResult = 0;
  for (const given of ops) {
    const op = (alias.has(given[1]) ? [given[0], alias.get(given[1]), ...given.slice(2)] : given) as Op;
    switch (op[0]) {
      case "promote": {
        const [, parentId, slot, id, kind] = op;
        if (alias.has(id)) break;
        const parent = nodeAt(replica, parentId);
        const value = parent instanceof ListNode ? replica.element(parent, slot as number) : (parent as DictNode).fields[slot as string];
        const child = nodeOf(value);
        if (!child || child.stored || child.kind !== (kind === "l" ? "list" : "dict")) {
          throw new RemoteMismatch(`promote of ${String(slot)} in ${parentId}: the replica holds another value there`);
        }
        child.id = id;
        child.stored = true;
        replica.nodes.set(id, child as ListNode | DictNode);
        break;
      }
      case "set":
      case "setnx": {
        const node = dictAt(replica, op[1]);
        const old = node.fields[op[2]];
        node.fields[op[2]] = decode(replica, op[3], node, op[2], childShape(node.shape, op[2]));
        release(old, node.fields[op[2]]);
        changed(node, "set", op[2]);
        break;
      }
      case "del": {
        const node = dictAt(replica, op[1]);
        if (!(op[2] in node.fields)) break;
        release(node.fields[op[2]]);
        delete node.fields[op[2]];
        changed(node, "del", op[2]);
        break;
      }
      case "clear": {
        const node = nodeAt(replica, op[1]);
        for (const child of [...node.children()]) child.detach();
        if (node instanceof ListNode) node.items.length = 0;
        else for (const key of Object.keys(node.fields)) delete node.fields[key];
        changed(node, "clear");
        break;
      }
      case "push": {
        const node = listAt(replica, op[1]);
        const start = node.items.length;
        const values = decodeAll(replica, op[2], node, start);
        for (const value of values) node.items.push(value);
        changed(node, "push");
        break;
      }
      case "unshift": {
        const node = listAt(replica, op[1]);
        node.items.unshift(...decodeAll(replica, op[2], node, 0));
        changed(node, "unshift");
        break;
      }
      case "lset": {
        const node = listAt(replica, op[1]);
        const index = op[2];
        if (index >= node.items.length) throw new RemoteMismatch(`lset ${index} on a list of ${node.items.length}`);
        const old = node.items[index];
        node.items[index] = decode(replica, op[3], node, undefined, childShape(node.shape, index));
        release(old, node.items[index]);
        changed(node, "lset", index);
        break;
      }
      case "pop":
      case "shift": {
        const node = listAt(replica, op[1]);
        const count = Math.min(op[2], node.items.length);
        if (count === 0) break;
        const from = op[0] === "pop" ? node.items.length - count : 0;
        for (let i = from; i < from + count; i++) release(node.items[i]);
        node.items.splice(from, count);
        changed(node, op[0]);
        break;
      }
      case "splice": {
        const [, id, start, deleteCount, encs] = op;
        const node = listAt(replica, id);
        if (start > node.items.length) throw new RemoteMismatch(`splice at ${start} on a list of ${node.items.length}`);
        const count = Math.min(deleteCount, node.items.length - start);
        for (let i = start; i < start + count; i++) release(node.items[i]);
        node.items.splice(start, count, ...decodeAll(replica, encs, node, start));
        changed(node, "splice");
        break;
      }
      case "replace": {
        const node = listAt(replica, op[1]);
        const old = node.items.slice();
        const next = decodeAll(replica, op[2], node, 0);
        const kept = new Set(next.map(nodeOf).filter((child) => child !== undefined));
        for (const value of old) {
          const child = nodeOf(value);
          if (child && !kept.has(child)) child.detach();
        }
        node.items.length = 0;
        for (const value of next) node.items.push(value);
        changed(node, "replace");
        break;
      }
      case "incr": {
        const [, id, field, by] = op;
        const node = dictAt(replica, id);
        const result = results[nextResult++];
        const current = field in node.fields ? node.fields[field] : 0;
        if (typeof current !== "number") throw new RemoteMismatch(`incr of a non-number at ${field}`);
        // The server's value is exact; adding `by` here could round differently.
        node.fields[field] = result === undefined ? current + by : Number(result);
        changed(node, "incr", field);
        break;
      }
      default:
        unreachable(op);
    }
  }
  return events;
}

function unreachable(op: never): never {
  throw new RemoteMismatch(`unknown operation ${JSON.stringify(op)}`);
}

function nodeAt(replica: Replica, id: NodeId): ListNode | DictNode {
  const node = id === "" ? replica.root : replica.nodes.get(id);
  if (!node) throw new RemoteMismatch(`unknown container ${id}`);
  return node;
}

function listAt(replica: Replica, id: NodeId): ListNode {
  const node = nodeAt(replica, id);
  if (!(node instanceof ListNode)) throw new RemoteMismatch(`container ${id} is not a list`);
  return node;
}

function dictAt(replica: Replica, id: NodeId): DictNode {
  const node = nodeAt(replica, id);
  if (!(node instanceof DictNode)) throw new RemoteMismatch(`container ${id} is not a dict`);
  return node;
}

/** A value the replica no longer holds: its container subtree (if any) is detached. */
function release(old: unknown, replacement?: unknown): void {
  const child = nodeOf(old);
  if (child && child !== nodeOf(replacement)) child.detach();
}

function decodeAll(replica: Replica, encs: readonly Enc[], list: ListNode, firstIndex: number): unknown[] {
  return encs.map((enc, i) => decode(replica, enc, list, undefined, childShape(list.shape, firstIndex + i)));
}

/**
 * A stored value as the replica holds it: a scalar, an inline container (from its
 * JSON text), or a container the replica holds (`replace` keeps them by reference).
 */
function decode(replica: Replica, enc: Enc, parent: Node, key: string | undefined, shape: Shape): unknown {
  if (!isRef(enc)) return replica.hydrate(JSON.parse(enc) as unknown, parent, key, shape, true);
  const id = enc.slice(3);
  const isList = enc.startsWith(LIST_REF);
  const existing = replica.nodes.get(id);
  if (!existing || existing.kind !== (isList ? "list" : "dict")) throw new RemoteMismatch(`reference to container ${id} the replica does not hold`);
  existing.parent = parent;
  existing.key = key;
  if (shape.kind === "union") assignShape(existing, shape);
  return existing.proxy;
}
