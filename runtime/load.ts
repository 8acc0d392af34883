// Turns the load script's reply into the replica. Nodes that already exist (a
// reload) are refilled in place, so references user code holds stay attached.
// What Redis holds is checked as it is read: a key of the wrong type, text that is
// not JSON, a reference to a container whose key Redis evicted are reported with
// the key and field, never shown as silently emptier data.
import { nodeKey, type LoadReply } from "./backend.js";
import { CorruptDataError } from "./errors.js";
import { nodeOf, type DictNode, type ListNode, type Node } from "./node.js";
import { DICT_REF, LIST_REF } from "./ops.js";
import type { Replica } from "./replica.js";
import type { Shape } from "./shape.js";
import { assignShape, childShape } from "./validate.js";
import { MAX_DEPTH } from "./values.js";
import { parseFlags } from "./protocol/registry.js";

/** The layout this runtime reads and writes (`ns:meta` field `format`). */
export const FORMAT = "2";

export interface LoadedState {
  /** The instance's batch sequence number when it was read (0: never written). */
  readonly seq: number;
  /** The change log's last entry id when it was read. */
  readonly lastId: string;
  /** The instance's schema version and lowest writable version when it was read (runtime/migrate.ts). */
  readonly version?: number;
  readonly vmin?: number;
}

/**
 * Makes the replica equal to `reply`. Data JavaScript cannot hold (nesting deeper than
 * MAX_DEPTH, counting containers and the JSON inside them; anything else that runs out
 * of stack or string length) is a CorruptDataError, never a RangeError.
 */
export function applyLoad(replica: Replica, reply: LoadReply): LoadedState {
  try {
    return fillReplica(replica, reply);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new CorruptDataError(nodeKey(replica.ns, ""), undefined, `cannot be read into JavaScript (${error.message}): the instance holds data this library does not write; $delete() it or restore it`);
  }
}

/** JSON text of a string without escapes: its characters are the string's (most list elements are such). */
const PLAIN_STRING = /^"[^"\\\u0000-\u001f]*"$/;

/** JSON text of a scalar, parsed: a string without escapes is its text unquoted (JSON.parse would give the same, slower). */
function parseScalar(text: string): unknown {
  return PLAIN_STRING.test(text) ? text.slice(1, -1) : JSON.parse(text);
}

/** The deepest nesting of brackets in JSON text, stopping once past `limit` (texts shorter than 2 x limit cannot pass it). */
function nestsDeeper(text: string, limit: number): boolean {
  if (text.length < 2 * limit) return false;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 92) i++;
      else if (c === 34) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

function fillReplica(replica: Replica, reply: LoadReply): LoadedState {
  const ns = replica.ns;
  const metaKey = `${ns}:meta`;
  if (reply.format !== "" && reply.format !== FORMAT) {
    throw new CorruptDataError(metaKey, "format",
      `the instance was written in layout format ${reply.format} by another version of redis-memory; this version reads format ${FORMAT}: ` +
        "read it with the version that wrote it ($asdict()) and write it again with this one, or $delete() it");
  }
  const contents = new Map<string, { kind: string; values: string[] }>();
  for (const [id, kind, values] of reply.containers) contents.set(id, { kind, values });
  const rootValues = reply.root;
  const rootKind = rootValues[0];
  if (rootValues.length === 1 && rootKind?.startsWith("x:")) {
    throw new CorruptDataError(nodeKey(ns, ""), undefined, `holds a ${rootKind.slice(2)}, expected a hash`);
  }
  const hasMeta = reply.epoch !== "";
  if (!hasMeta && rootValues.length > 0) {
    throw new CorruptDataError(metaKey, undefined, "is missing while the instance's root holds data (evicted by maxmemory-policy?); the instance cannot be trusted: $delete() it or restore it");
  }
  if (hasMeta && rootValues.length === 0 && parseFlags(reply.registry.get("") ?? "")?.exists === true) {
    throw new CorruptDataError(nodeKey(ns, ""), undefined, "is missing while ns:meta says it holds fields (evicted by maxmemory-policy?)");
  }

  const reached = new Set<Node>([replica.root]);
  /** Containers above each container read (the root is at 0). */
  const depths = new Map<Node, number>([[replica.root, 0]]);
  const tooDeep = (parent: Node, field: string | number, what: string): CorruptDataError =>
    new CorruptDataError(nodeKey(ns, parent.id), field, `${what} nests deeper than ${MAX_DEPTH} levels, more than this library writes or JavaScript can safely hold; $delete() the instance or restore it`);
  // `previous`: what the replica held at this place; a container of the same kind is
  // refilled in place, so that references user code holds stay attached.
  const decode = (enc: string, parent: Node, key: string | undefined, shape: Shape, field: string | number, previous: unknown): unknown => {
    const depth = (depths.get(parent) ?? 0) + 1;
    if (depth > MAX_DEPTH) throw tooDeep(parent, field, "a chain of containers");
    if (enc.charCodeAt(0) !== 64) {
      if (nestsDeeper(enc, MAX_DEPTH - depth)) throw tooDeep(parent, field, "its value");
      let value: unknown;
      try {
        value = JSON.parse(enc);
      } catch {
        throw new CorruptDataError(nodeKey(ns, parent.id), field, `holds ${JSON.stringify(enc.slice(0, 80))}, which is not JSON`);
      }
      return inline(value, parent, key, shape, previous);
    }
    const isList = enc.startsWith(LIST_REF);
    const id = enc.slice(3);
    if ((!isList && !enc.startsWith(DICT_REF)) || id.length === 0) {
      throw new CorruptDataError(nodeKey(ns, parent.id), field, `holds ${JSON.stringify(enc.slice(0, 80))}, neither JSON nor a reference`);
    }
    const text = reply.registry.get(id);
    const flags = text === undefined ? undefined : parseFlags(text);
    if (flags === undefined || flags.kind !== (isList ? "l" : "d")) {
      throw new CorruptDataError(nodeKey(ns, parent.id), field, `refers to ${nodeKey(ns, id)}, which ns:meta does not register as a ${isList ? "list" : "hash"}`);
    }
    const loaded = contents.get(id) ?? { kind: "none", values: [] };
    if (loaded.kind.startsWith("x:")) {
      throw new CorruptDataError(nodeKey(ns, id), undefined, `holds a ${loaded.kind.slice(2)}, but ${nodeKey(ns, parent.id)} refers to it as a ${isList ? "list" : "hash"}`);
    }
    if (loaded.kind === "none" && flags.exists) {
      throw new CorruptDataError(nodeKey(ns, id), undefined, `is missing while ns:meta says it holds data (evicted by maxmemory-policy?); ${nodeKey(ns, parent.id)} [${String(field)}] refers to it`);
    }
    const kind = isList ? "list" : "dict";
    const byId = replica.nodes.get(id);
    const old = nodeOf(previous);
    let node: ListNode | DictNode;
    if (byId && byId.kind === kind) node = byId;
    else if (old && old.kind === kind && !reached.has(old) && !replica.nodes.has(id)) {
      if (old.stored) replica.nodes.delete(old.id);
      node = old as ListNode | DictNode;
      node.id = id;
      node.stored = true;
      replica.nodes.set(id, node);
    } else node = isList ? replica.newList(id, shape) : replica.newDict(id, shape);
    if (reached.has(node)) {
      throw new CorruptDataError(nodeKey(ns, parent.id), field, `refers to ${nodeKey(ns, id)} a second time`);
    }
    reached.add(node);
    depths.set(node, depth);
    node.shape = shape;
    node.parent = parent;
    node.key = key;
    fill(node, loaded.values);
    if (shape.kind === "union") assignShape(node, shape);
    return node.proxy;
  };

  const notJson = (node: ListNode, i: number, enc: string): CorruptDataError =>
    new CorruptDataError(nodeKey(ns, node.id), i, `holds ${JSON.stringify(enc.slice(0, 80))}, which is not JSON`);

  // One element of a list as Redis holds it: `previous`, what the replica held at index i.
  const element = (node: ListNode, enc: string, i: number, previous: unknown): unknown => {
    const first = enc.charCodeAt(0);
    // Scalars (most elements): parsed where they stand.
    if (first !== 64 && first !== 123 && first !== 91) {
      let scalar: unknown;
      try {
        scalar = parseScalar(enc);
      } catch {
        throw notJson(node, i, enc);
      }
      return scalar === 0 ? 0 : scalar;
    }
    // A record nothing holds yet is parsed once and kept as that plain object, made a
    // proxy when first read (Replica.element takes the object as the proxy's fields).
    if (first !== 64 && !nodeOf(previous)) {
      if (nestsDeeper(enc, MAX_DEPTH - (depths.get(node) ?? 0) - 1)) throw tooDeep(node, i, "its value");
      let record: unknown;
      try {
        record = JSON.parse(enc);
      } catch {
        throw notJson(node, i, enc);
      }
      node.lazy = true;
      return record;
    }
    return decode(enc, node, undefined, childShape(node.shape, i), i, previous);
  };

  // The elements of a list that holds nothing yet, in one loop: a record (most elements of
  // a conversation) is parsed where it stands and kept as that plain object; a text shorter
  // than twice the nesting left cannot nest deeper than it (see nestsDeeper). What else
  // Redis holds takes `element`.
  const fillFresh = (node: ListNode, values: string[]): void => {
    const items = node.items;
    const short = 2 * (MAX_DEPTH - (depths.get(node) ?? 0) - 1);
    let records = false;
    for (let i = 0; i < values.length; i++) {
      const enc = values[i]!;
      const first = enc.charCodeAt(0);
      if ((first === 123 || first === 91) && enc.length < short) {
        let record: unknown;
        try {
          record = JSON.parse(enc);
        } catch {
          throw notJson(node, i, enc);
        }
        items.push(record);
        records = true;
      } else items.push(element(node, enc, i, undefined));
    }
    if (records) node.lazy = true;
  };

  const fill = (node: ListNode | DictNode, values: string[]): void => {
    forgetLeftOut(node);
    if (node.kind === "list") {
      const items = node.items;
      if (items.length === 0) {
        // A list that holds nothing (every list at open) is filled in place: nothing to
        // reuse, and no second array of its length to copy from.
        try {
          fillFresh(node, values);
        } catch (error) {
          items.length = 0;
          throw error;
        }
        return;
      }
      const next = values.map((enc, i) => element(node, enc, i, items[i]));
      for (const old of items) detachInline(old);
      items.length = 0;
      for (const item of next) items.push(item);
      return;
    }
    const fields: [string, unknown][] = [];
    for (let i = 0; i + 1 < values.length; i += 2) {
      const field = values[i]!;
      fields.push([field, decode(values[i + 1]!, node, field, childShape(node.shape, field), field, node.fields[field])]);
    }
    for (const key of Object.keys(node.fields)) detachInline(node.fields[key]);
    node.empty();
    for (const [field, value] of fields) node.put(field, value);
  };
  // Plain data into a node held inline (the same rules as decode, one level down).
  const refill = (node: ListNode | DictNode, value: object): void => {
    forgetLeftOut(node);
    if (node.kind === "list") {
      const plain = value as unknown[];
      const items = plain.map((item, i) => inline(item, node, undefined, childShape(node.shape, i), node.items[i]));
      for (const old of node.items) detachInline(old);
      node.items.length = 0;
      for (const item of items) node.items.push(item);
      return;
    }
    const fields: [string, unknown][] = [];
    for (const field of Object.keys(value)) {
      fields.push([field, inline((value as Record<string, unknown>)[field], node, field, childShape(node.shape, field), node.fields[field])]);
    }
    for (const key of Object.keys(node.fields)) detachInline(node.fields[key]);
    node.empty();
    for (const [field, item] of fields) node.put(field, item);
  };
  const inline = (value: unknown, parent: Node, key: string | undefined, shape: Shape, previous: unknown): unknown => {
    const old = nodeOf(previous);
    if (old && !reached.has(old) && typeof value === "object" && value !== null && Array.isArray(value) === (old.kind === "list")) {
      if (old.stored) replica.nodes.delete(old.id);
      old.stored = false;
      old.id = "";
      reached.add(old);
      old.parent = parent;
      old.key = key;
      old.shape = shape;
      refill(old as ListNode | DictNode, value);
      if (shape.kind === "union") assignShape(old, shape);
      return old.proxy;
    }
    return replica.hydrate(value, parent, key, shape, true);
  };
  // A value the replica held and no longer holds: detach it (and below) unless reused.
  const detachInline = (value: unknown): void => {
    const node = nodeOf(value);
    if (node && !reached.has(node)) node.detach();
  };

  fill(replica.root, rootValues);
  for (const node of [...replica.nodes.values()]) if (!reached.has(node)) node.detach();
  replica.batches.loadedEpoch(reply.epoch);
  replica.batches.loaded(reply.seq, reply.expireAt);
  return { seq: reply.seq, lastId: reply.lastId, version: reply.version, vmin: reply.vmin };
}

/** A node refilled from Redis shows all it holds again (the load's check may leave some out again: runtime/load-valid.ts). */
function forgetLeftOut(node: ListNode | DictNode): void {
  node.leftOut = false;
  node.hidden = undefined;
  node.original = undefined;
}
