// Applies another writer's batch, read from the change log, to the replica the way
// the batch script applied it to Redis: same operations, same order, nothing queued.
// Each operation is decoded here (its container found, its encodings made values,
// checked against what the replica holds) and applied by interpret.ts, as local
// writes are. Change events carry `source: "remote"`; they are returned, to be
// emitted once the whole entry is in the replica (a listener that writes must see
// Redis's state).
import { RedisMemoryError } from "./errors.js";
import { interpret, type ReplicaOp } from "./interpret.js";
import { DictNode, ListNode, nodeOf, type Node } from "./node.js";
import { LIST_REF, isRef, type Enc, type NodeId, type Op } from "./ops.js";
import type { ChangeEvent } from "./events.js";
import type { Replica } from "./replica.js";
import type { Shape } from "./shape.js";
import { assignShape, childShape } from "./validate.js";

/**
 * The replica cannot apply an entry as Redis did (unknown container, index out of
 * range, wrong kind): it no longer matches Redis, so the feed reloads it. Internal:
 * the feed catches every error of applyRemote.
 */
class RemoteMismatch extends RedisMemoryError {
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
    if (!replica.events.has("change")) return;
    const path = node.path();
    if (key !== undefined) path.push(key);
    events.push({ path, op, source: "remote" });
  };
  // The writer's promotes that found the element already a container: its ops went there.
  const alias = new Map(aliases);
  let nextResult = 0;
  for (const given of ops) {
    const op = (alias.has(given[1]) ? [given[0], alias.get(given[1]), ...given.slice(2)] : given) as Op;
    if (op[0] === "promote" && alias.has(op[3])) continue;
    const result = op[0] === "incr" ? results[nextResult++] : undefined;
    interpret(decodeOp(replica, op, result), changed);
  }
  return events;
}

/** The operation as the replica applies it, checked against what the replica holds. */
function decodeOp(replica: Replica, op: Op, result: string | undefined): ReplicaOp {
  switch (op[0]) {
    case "promote": {
      const [, parentId, slot, id, kind] = op;
      const parent = nodeAt(replica, parentId);
      const value = parent instanceof ListNode ? replica.element(parent, slot as number) : (parent as DictNode).fields[slot as string];
      const child = nodeOf(value);
      if (!child || child.stored || child.kind !== (kind === "l" ? "list" : "dict")) {
        throw new RemoteMismatch(`promote of ${String(slot)} in ${parentId}: the replica holds another value there`);
      }
      return ["promote", child as ListNode | DictNode, id];
    }
    case "set":
    case "setnx": {
      const node = dictAt(replica, op[1]);
      return ["set", node, op[2], decode(replica, op[3], node, op[2], childShape(node.shape, op[2]))];
    }
    case "del":
      return ["del", dictAt(replica, op[1]), op[2]];
    case "clear":
      return ["clear", nodeAt(replica, op[1])];
    case "push": {
      const node = listAt(replica, op[1]);
      return ["push", node, decodeAll(replica, op[2], node, node.items.length)];
    }
    case "unshift": {
      const node = listAt(replica, op[1]);
      return ["unshift", node, decodeAll(replica, op[2], node, 0)];
    }
    case "lset": {
      const node = listAt(replica, op[1]);
      const index = op[2];
      if (index >= node.items.length) throw new RemoteMismatch(`lset ${index} on a list of ${node.items.length}`);
      return ["lset", node, index, decode(replica, op[3], node, undefined, childShape(node.shape, index))];
    }
    case "pop":
    case "shift":
      return [op[0], listAt(replica, op[1]), op[2]];
    case "splice": {
      const [, id, start, deleteCount, encs] = op;
      const node = listAt(replica, id);
      if (start > node.items.length) throw new RemoteMismatch(`splice at ${start} on a list of ${node.items.length}`);
      return ["splice", node, start, deleteCount, decodeAll(replica, encs, node, start)];
    }
    case "replace": {
      const node = listAt(replica, op[1]);
      return ["replace", node, decodeAll(replica, op[2], node, 0)];
    }
    case "incr": {
      const [, id, field, by] = op;
      const node = dictAt(replica, id);
      const current = field in node.fields ? node.fields[field] : 0;
      if (typeof current !== "number") throw new RemoteMismatch(`incr of a non-number at ${field}`);
      // The server's value is exact; adding `by` here could round differently.
      return ["incr", node, field, result === undefined ? current + by : Number(result)];
    }
    default:
      return unreachable(op);
  }
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
