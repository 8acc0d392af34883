// Another writer's operation, read from the log, names containers by id and values
// by their stored form: this finds the containers in the replica and turns the
// stored forms into what a container holds, checking that the replica can take them.
import { RedisMemoryError } from "../errors.js";
import { DictNode, ListNode, type Node } from "../node.js";
import { LIST_REF, isRef, type Enc, type NodeId } from "../ops.js";
import type { Shape } from "../shape.js";
import { assignShape, childShape } from "../validate.js";

/**
 * The replica cannot apply an entry as Redis did (unknown container, index out of
 * range, wrong kind): it no longer matches Redis, so the feed reloads it. Internal:
 * the feed catches every error of applyRemote.
 */
export class RemoteMismatch extends RedisMemoryError {
  override name = "RemoteMismatch";
}

/** What decoding needs of the replica (runtime/replica.ts). */
export interface Replica {
  readonly root: DictNode;
  readonly nodes: ReadonlyMap<NodeId, ListNode | DictNode>;
  /** The element `index` of `list` as user code sees it (an inline record becomes a proxy). */
  element(list: ListNode, index: number): unknown;
  /** The replica's form of plain JSON data held inline by `parent`. */
  hydrate(plain: unknown, parent: Node, key: string | undefined, shape: Shape, owned?: boolean): unknown;
}

export function nodeAt(replica: Replica, id: NodeId): ListNode | DictNode {
  const node = id === "" ? replica.root : replica.nodes.get(id);
  if (!node) throw new RemoteMismatch(`unknown container ${id}`);
  return node;
}

export function listAt(replica: Replica, id: NodeId): ListNode {
  const node = nodeAt(replica, id);
  if (!(node instanceof ListNode)) throw new RemoteMismatch(`container ${id} is not a list`);
  return node;
}

export function dictAt(replica: Replica, id: NodeId): DictNode {
  const node = nodeAt(replica, id);
  if (!(node instanceof DictNode)) throw new RemoteMismatch(`container ${id} is not a dict`);
  return node;
}

/** Stored values written into `list` from `firstIndex` on. */
export function decodeAll(replica: Replica, encs: readonly Enc[], list: ListNode, firstIndex: number): unknown[] {
  return encs.map((enc, i) => decode(replica, enc, list, undefined, childShape(list.shape, firstIndex + i)));
}

/**
 * A stored value as the replica holds it: a scalar, an inline container (from its
 * JSON text), or a container the replica holds (`replace` keeps them by reference).
 */
export function decode(replica: Replica, enc: Enc, parent: Node, key: string | undefined, shape: Shape): unknown {
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
