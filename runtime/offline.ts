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
import { replayOp, type Intent, type ReplayWrites } from "./op/rows.js";
import type { Replica } from "./replica.js";

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

/** The dict writes a replay makes: the ones user code's writes make. */
const WRITES: ReplayWrites = {
  setField,
  deleteField,
  clear: (node) => clearDict(node.proxy),
  incr: (node, key, by) => (incrDict as (dict: object, key: string, by: number) => Promise<number>)(node.proxy, key, by),
};

/** Replays one offline write on the loaded replica, as the method that made it would (its row in runtime/op/rows.ts). */
function replayOne(replica: Replica, intent: Intent): void {
  const node = containerAt(replica, intent.path);
  if (!node) throw new OperationError(intent.path, `a write made offline (${intent.op[0]}) found no container at this place in what Redis holds`);
  replayOp(node as ListNode | DictNode, intent, WRITES);
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
