// A store opened with `offline: true` while Redis cannot be reached: it starts from
// the local state (defaults and `init`) and takes writes, each kept with the path of
// the container it writes to. When Redis comes, the store loads what Redis holds and
// replays the writes on top, in order, through the same methods user code calls: the
// merge rules of concurrent writers (appends and key writes never lost, defaults
// set-if-absent, index writes at the index Redis holds), and exactly once, since the
// replay's batches are ordinary batches.
import { Backend } from "./backend.js";
import { clear as clearDict, deleteField, incr as incrDict, setField } from "./dict.js";
import { OperationError, asSyncFailure, type DataPath } from "./errors.js";
import { DictNode, ListNode, nodeOf, type Node } from "./node.js";
import type { Op } from "./ops.js";
import type { Intent } from "./batches.js";
import type { Replica } from "./replica.js";
import type { SyncedList } from "./list.js";

/** Connects, retrying with a growing pause, until it succeeds or `stopped()` says to give up. */
export async function connectWhenReachable(connect: () => Promise<Backend>, stopped: () => boolean): Promise<Backend | undefined> {
  let pause = 100;
  for (;;) {
    if (stopped()) return undefined;
    try {
      return await connect();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, pause).unref());
      pause = Math.min(pause * 2, 2_000);
    }
  }
}

/** The container at `path` in the replica (a list element is read as user code reads it). */
function containerAt(replica: Replica, path: DataPath): Node | undefined {
  let node: Node = replica.root;
  for (const part of path) {
    let value: unknown;
    if (node instanceof ListNode) value = typeof part === "number" ? replica.element(node, part) : undefined;
    else value = (node as DictNode).fields[String(part)];
    const next = nodeOf(value);
    if (!next) return undefined;
    node = next;
  }
  return node;
}

const parse = (enc: string): unknown => JSON.parse(enc) as unknown;

/** Replays one offline write on the loaded replica, as the method that made it would. */
function replayOne(replica: Replica, intent: Intent): void {
  const op: Op = intent.op;
  const node = containerAt(replica, intent.path);
  if (!node) throw new OperationError(intent.path, `a write made offline (${op[0]}) found no container at this place in what Redis holds`);
  if (node instanceof DictNode) {
    switch (op[0]) {
      case "set":
        return setField(node, op[2], parse(op[3]));
      case "setnx":
        if (!(op[2] in node.fields)) setField(node, op[2], parse(op[3]), true);
        return;
      case "del":
        deleteField(node, op[2]);
        return;
      case "clear":
        return clearDict(node.proxy);
      case "incr": {
        const done = (incrDict as (dict: object, key: string, by: number) => Promise<number>)(node.proxy, op[2], op[3]);
        if (intent.incr) done.then(intent.incr.resolve, intent.incr.reject);
        return;
      }
      default:
        throw new OperationError(intent.path, `a write made offline (${op[0]}) expected a list here; Redis holds a dict`);
    }
  }
  const list = node.proxy as SyncedList<unknown>;
  switch (op[0]) {
    case "push":
      list.push(...op[2].map(parse));
      return;
    case "unshift":
      list.unshift(...op[2].map(parse));
      return;
    case "lset":
      if (op[2] < list.length) (list as unknown as unknown[])[op[2]] = parse(op[3]);
      else list.push(parse(op[3]));
      return;
    case "pop":
      list.splice(Math.max(list.length - op[2], 0), op[2]);
      return;
    case "shift":
      list.splice(0, op[2]);
      return;
    case "splice":
      list.splice(Math.min(op[2], list.length), op[3], ...op[4].map(parse));
      return;
    case "replace":
      list.splice(0, list.length, ...op[2].map(parse));
      return;
    case "clear":
      list.clear();
      return;
    default:
      throw new OperationError(intent.path, `a write made offline (${op[0]}) expected a dict here; Redis holds a list`);
  }
}

/** Replays every offline write in order; one that no longer fits is reported (an `error` event), the rest go on. */
export function replay(replica: Replica, intents: readonly Intent[]): void {
  for (const intent of intents) {
    try {
      replayOne(replica, intent);
    } catch (error) {
      const failure = asSyncFailure(replica.ns, "replaying a write made offline", error);
      intent.incr?.reject(failure);
      replica.events.emit("error", failure);
    }
  }
}
