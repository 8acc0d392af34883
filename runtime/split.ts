// The bound of one atomic batch, and the cut of a tick's operations into batches that
// keep it. One batch is one script call, and a script call blocks Redis while it runs
// (other clients get BUSY past `busy-reply-threshold`; a Cluster node that answers no
// ping for `cluster-node-timeout` is failed over): a batch holds at most
// BATCH_LIMITS.operations operations, BATCH_LIMITS.values values they carry and
// BATCH_LIMITS.bytes of text, which keeps one call to tens of milliseconds. A larger
// tick is sent as several batches, in order, each atomic (docs/guides/batches.md).
import type { Enc, Op } from "./ops.js";

export interface BatchLimits {
  /** Operations (each costs the script a few commands). */
  readonly operations: number;
  /** Values the operations carry (pushed values, a promoted record's contents): each one script argument. */
  readonly values: number;
  /** Characters of the values and fields the operations carry. */
  readonly bytes: number;
}

export const BATCH_LIMITS: BatchLimits = { operations: 2_000, values: 20_000, bytes: 4 * 1024 * 1024 };

/** What an operation weighs against the bound (besides counting as one operation). */
export function weigh(op: Op): { values: number; bytes: number } {
  switch (op[0]) {
    case "set": case "setnx": return { values: 0, bytes: op[2].length + op[3].length };
    case "del": return { values: 0, bytes: op[2].length };
    case "clear": return { values: 0, bytes: 0 };
    case "push": case "unshift": case "replace": return { values: op[2].length, bytes: textBytes(op[2]) };
    case "lset": return { values: 0, bytes: op[3].length };
    case "pop": case "shift": case "keep": return { values: 0, bytes: 0 };
    case "splice": return { values: op[4].length, bytes: textBytes(op[4]) };
    case "promote": return { values: op[6].length, bytes: textBytes(op[6]) };
    case "incr": return { values: 0, bytes: op[2].length };
  }
}

function textBytes(values: readonly Enc[]): number {
  let bytes = 0;
  for (const value of values) bytes += value.length;
  return bytes;
}

/** Whether `ops` fit in one batch (a transaction's batch must). */
export function fits(ops: readonly Op[], limits: BatchLimits = BATCH_LIMITS): boolean {
  if (ops.length > limits.operations) return false;
  let values = 0, bytes = 0;
  for (const op of ops) {
    const weight = weigh(op);
    values += weight.values;
    bytes += weight.bytes;
    if (values > limits.values || bytes > limits.bytes) return false;
  }
  return true;
}

/**
 * The first batch of `ops` within `limits`, and the operations left for the next ones.
 * An operation that carries values is cut where the cut keeps its meaning (a push into
 * two pushes, ...); one that cannot be cut goes alone when it is over the bound.
 * `ops` is not changed.
 */
export function takeBatch(ops: readonly Op[], limits: BatchLimits = BATCH_LIMITS): [batch: Op[], rest: Op[]] {
  let values = 0, bytes = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (i === limits.operations) return [ops.slice(0, i), ops.slice(i)];
    const weight = weigh(op);
    if (values + weight.values <= limits.values && bytes + weight.bytes <= limits.bytes) {
      values += weight.values;
      bytes += weight.bytes;
      continue;
    }
    const room = Math.min(limits.values - values, roomFor(op, limits.bytes - bytes));
    const cut = room > 0 ? cutOp(op, room, ops[i - 1]) : undefined;
    if (cut) return [[...ops.slice(0, i), cut[0]], [...cut[1], ...ops.slice(i + 1)]];
    // Nothing of it fits after what is taken: it starts the next batch (alone, if it must).
    if (i > 0) return [ops.slice(0, i), ops.slice(i)];
    return [[op], ops.slice(1)];
  }
  return [[...ops], []];
}

/** How many of the values `op` carries fit in `bytes`. */
function roomFor(op: Op, bytes: number): number {
  const values = carried(op);
  let n = 0, used = 0;
  while (n < values.length && used + values[n]!.length <= bytes) used += values[n++]!.length;
  return n;
}

function carried(op: Op): readonly Enc[] {
  switch (op[0]) {
    case "push": case "unshift": case "replace": return op[2];
    case "splice": return op[4];
    case "promote": return op[6];
    default: return [];
  }
}

/** `op` as a first part carrying `room` of its values (at least one) and what follows it; undefined when it cannot be cut. */
function cutOp(op: Op, room: number, before: Op | undefined): [first: Op, rest: Op[]] | undefined {
  switch (op[0]) {
    case "push":
      return [["push", op[1], op[2].slice(0, room)], [["push", op[1], op[2].slice(room)]]];
    case "unshift": {
      // The last values go first: the earlier ones are put in front of them next.
      const at = op[2].length - room;
      return [["unshift", op[1], op[2].slice(at)], [["unshift", op[1], op[2].slice(0, at)]]];
    }
    case "replace":
      return [["replace", op[1], op[2].slice(0, room)], [["push", op[1], op[2].slice(room)]]];
    case "splice":
      return [["splice", op[1], op[2], op[3], op[4].slice(0, room)], [["splice", op[1], op[2] + room, 0, op[4].slice(room)]]];
    case "promote": {
      // Only a promote of a value the same batch has just written (a large value stored
      // as a container at once): no other writer can have made that element a container
      // first, so the rest of its contents goes to this container and nowhere else.
      if (before?.[0] !== "set" || before[1] !== op[1] || before[2] !== op[2]) return undefined;
      const [, parent, slot, id, kind, sha1, contents] = op;
      if (kind === "l") return [["promote", parent, slot, id, kind, sha1, contents.slice(0, room)], [["push", id, contents.slice(room)]]];
      const pairs = room - (room % 2);
      if (pairs === 0) return undefined;
      const rest: Op[] = [];
      for (let i = pairs; i + 1 < contents.length; i += 2) rest.push(["set", id, contents[i]!, contents[i + 1]!]);
      return [["promote", parent, slot, id, kind, sha1, contents.slice(0, pairs)], rest];
    }
    default:
      return undefined;
  }
}
