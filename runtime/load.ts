// Turns the load script's reply into the replica. Nodes that already exist (a
// reload) are refilled in place, so references user code holds stay attached.
import { nodeKey, type LoadReply } from "./backend.js";
import { CorruptDataError } from "./errors.js";
import type { DictNode, ListNode, Node } from "./node.js";
import { DICT_REF, LIST_REF } from "./ops.js";
import type { Replica } from "./replica.js";
import type { Shape } from "./shape.js";
import { assignShape, childShape } from "./validate.js";

export interface LoadedState {
  /** The instance's batch sequence number when it was read (0: never written). */
  readonly seq: number;
  /** The change log's last entry id when it was read. */
  readonly lastId: string;
}

export function applyLoad(replica: Replica, reply: LoadReply): LoadedState {
  const [seq, lastId, rootValues, ...containers] = reply;
  const contents = new Map<string, { kind: string; values: string[] }>();
  for (const [id, kind, values] of containers) contents.set(id, { kind, values });
  const rootKind = rootValues[0];
  if (rootValues.length === 1 && rootKind?.startsWith("x:")) {
    throw new CorruptDataError(nodeKey(replica.ns, ""), undefined, `holds a ${rootKind.slice(2)}, expected a hash`);
  }

  const reached = new Set<Node>([replica.root]);
  const decode = (enc: string, parent: Node, key: string | undefined, shape: Shape, field: string | number): unknown => {
    if (enc.charCodeAt(0) !== 64) {
      let value: unknown;
      try {
        value = JSON.parse(enc);
      } catch {
        throw new CorruptDataError(nodeKey(replica.ns, parent.id), field, `holds ${JSON.stringify(enc.slice(0, 80))}, which is not JSON`);
      }
      if (typeof value === "object" && value !== null) {
        throw new CorruptDataError(nodeKey(replica.ns, parent.id), field, `holds JSON ${Array.isArray(value) ? "array" : "object"} text; lists and dicts are stored as @l:/@d: references`);
      }
      return value;
    }
    const isList = enc.startsWith(LIST_REF);
    if (!isList && !enc.startsWith(DICT_REF)) {
      throw new CorruptDataError(nodeKey(replica.ns, parent.id), field, `holds ${JSON.stringify(enc.slice(0, 80))}, neither JSON nor a reference`);
    }
    const id = enc.slice(3);
    const loaded = contents.get(id) ?? { kind: isList ? "l" : "d", values: [] };
    if (loaded.kind.startsWith("x:")) {
      throw new CorruptDataError(nodeKey(replica.ns, id), undefined, `holds a ${loaded.kind.slice(2)}, but ${nodeKey(replica.ns, parent.id)} refers to it as a ${isList ? "list" : "hash"}`);
    }
    const existing = replica.nodes.get(id);
    const node =
      existing && existing.kind === (isList ? "list" : "dict")
        ? existing
        : isList
          ? replica.newList(id, shape)
          : replica.newDict(id, shape);
    if (reached.has(node)) {
      throw new CorruptDataError(nodeKey(replica.ns, parent.id), field, `refers to ${nodeKey(replica.ns, id)} a second time`);
    }
    reached.add(node);
    node.shape = shape;
    node.parent = parent;
    node.key = key;
    fill(node, loaded.values);
    if (shape.kind === "union") assignShape(node, shape);
    return node.proxy;
  };

  const fill = (node: ListNode | DictNode, values: string[]): void => {
    if (node.kind === "list") {
      const items = values.map((enc, i) => decode(enc, node, undefined, childShape(node.shape, i), i));
      node.items.length = 0;
      for (const item of items) node.items.push(item);
      return;
    }
    const fields: [string, unknown][] = [];
    for (let i = 0; i + 1 < values.length; i += 2) {
      const field = values[i]!;
      fields.push([field, decode(values[i + 1]!, node, field, childShape(node.shape, field), field)]);
    }
    for (const key of Object.keys(node.fields)) delete node.fields[key];
    for (const [field, value] of fields) node.fields[field] = value;
  };

  fill(replica.root, rootValues);
  for (const node of [...replica.nodes.values()]) if (!reached.has(node)) node.detach();
  return { seq: Number(seq), lastId };
}
