// The operations a batch carries to Redis, as the tuples the batch script reads.
// A container is named by its node id ("" is the instance's root hash); a stored
// value ("enc") is JSON text, or "@l:<id>" / "@d:<id>" for a child container.
// Objects and arrays are stored inline as JSON text until a write changes one in
// place: then a "promote" turns it into a container of its own, in the same batch.

export type NodeId = string;
export type Enc = string;

export type Op =
  | [op: "set", node: NodeId, field: string, value: Enc]
  /** Set only if the field is absent (filling defaults): a skipped one drops its new subtree. */
  | [op: "setnx", node: NodeId, field: string, value: Enc]
  | [op: "del", node: NodeId, field: string]
  | [op: "clear", node: NodeId]
  | [op: "push", node: NodeId, values: Enc[]]
  | [op: "unshift", node: NodeId, values: Enc[]]
  | [op: "lset", node: NodeId, index: number, value: Enc]
  | [op: "pop", node: NodeId, count: number]
  | [op: "shift", node: NodeId, count: number]
  | [op: "splice", node: NodeId, start: number, deleteCount: number, values: Enc[]]
  | [op: "replace", node: NodeId, values: Enc[]]
  /**
   * The inline element `slot` of `node` (JSON text whose sha1 is `sha1`) becomes the
   * container `id` holding `contents` (list values, or dict fields and values).
   */
  | [op: "promote", node: NodeId, slot: string | number, id: NodeId, kind: "l" | "d", sha1: string, contents: Enc[]]
  | [op: "incr", node: NodeId, field: string, by: number]
  /**
   * Retention (`"x-redis-memory": { "keepLast": count }`): the list keeps its last
   * `count` elements, dropping the oldest (the front) when it holds more at this point
   * of the batch.
   */
  | [op: "keep", node: NodeId, count: number];

export type OpName = Op[0];

export const LIST_REF = "@l:";
export const DICT_REF = "@d:";

export function isRef(enc: string): boolean {
  return enc.charCodeAt(0) === 64; /* "@" */
}

/** Every operation name, in the order the batch script's table lists them (a test sends each). */
export const OP_NAMES: readonly OpName[] = [
  "set", "setnx", "del", "clear", "push", "unshift", "lset", "pop", "shift", "splice", "replace", "promote", "incr", "keep",
];
