// Applies another writer's batch, read from the change log, to the replica the way
// the batch script applied it to Redis: same operations, same order, nothing queued.
// Each operation is decoded and applied by its row of the table (runtime/op/rows.ts),
// as local writes are. Change events carry `source: "remote"`; they are returned, to
// be emitted once the whole entry is in the replica (a listener that writes must see
// Redis's state).
import type { ChangeEvent, ChangeReport } from "./events.js";
import { checkApplied } from "./check-remote.js";
import { RemoteMismatch } from "./op/decode.js";
import { touchesLeftOut } from "./left-out.js";
import { apply, decodeOp, type ReplicaOp } from "./op/rows.js";
import type { NodeId, Op } from "./ops.js";
import type { Replica } from "./replica.js";

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
  const changed: ChangeReport = (node, op, key, dropped) => {
    if (!replica.events.has("change")) return;
    const path = node.path();
    if (key !== undefined) path.push(key);
    events.push(dropped === undefined ? { path, op, source: "remote" } : { path, op, source: "remote", dropped });
  };
  // The writer's promotes that found the element already a container: its ops went there.
  const alias = new Map(aliases);
  let nextResult = 0;
  const applied: ReplicaOp[] = [];
  for (const given of ops) {
    const op = (alias.has(given[1]) ? [given[0], alias.get(given[1]), ...given.slice(2)] : given) as Op;
    if (op[0] === "promote" && alias.has(op[3])) continue;
    // A place the replica left out (load-valid): only a reload can say what it holds now.
    const target = op[1] === "" ? replica.root : replica.nodes.get(op[1]);
    if (target?.leftOut && touchesLeftOut(target, op)) throw new RemoteMismatch("the entry writes where the replica left out invalid data");
    const result = op[0] === "incr" ? results[nextResult++] : undefined;
    const decoded = decodeOp(replica, op, result);
    apply(decoded, changed);
    applied.push(decoded);
  }
  // The replica equals Redis; what this schema refuses is said, not undone.
  const invalid = checkApplied(applied);
  // Under load-valid, the reload leaves out what this schema refuses (and reports it).
  if (invalid && replica.leavesOut) throw new RemoteMismatch("the entry wrote what this schema refuses");
  if (invalid) replica.events.emit("error", invalid);
  return events;
}
