// The keys of one store instance. `ns` is `<prefix>{<Store>:<id>}`: the braces are a
// hash tag, so every key of the instance lives in one Cluster slot.
import type { NodeId } from "../ops.js";

export function keysOf(ns: string): [root: string, meta: string, log: string] {
  return [`${ns}:root`, `${ns}:meta`, `${ns}:log`];
}

/** The key of container `id` ("" is the instance's root hash). */
export function nodeKey(ns: string, id: NodeId): string {
  return id === "" ? `${ns}:root` : `${ns}:n:${id}`;
}

/**
 * The key of dict `id`'s order record ("" is the root's): kept once Redis may store the
 * dict's hash as a hashtable, whose order is not insertion order (runtime/protocol/order.ts).
 */
export function orderKey(ns: string, id: NodeId): string {
  return `${ns}:o:${id}`;
}

/** The key a staged push appends to before the list is renamed back (runtime/lua/staged.lua). */
export function stageKey(ns: string, clientId: string, seq: number): string {
  return `${ns}:s:${clientId}:${seq}`;
}

/** The log channel of an instance: the batch script publishes each log entry there. */
export function channelOf(ns: string): string {
  return keysOf(ns)[2];
}
