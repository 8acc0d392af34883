// `$history()`: the batches an instance kept (history on: `"x-redis-memory": { "history" }`
// or the `history` open option), oldest first, as changes a person can read: paths,
// operation names and values, never the wire encoding (node ids, JSON texts, references).
import type { Backend } from "./backend.js";
import { CorruptDataError, type DataPath } from "./errors.js";
import { isRef, type Enc, type Op, type OpName } from "./ops.js";
import { parseEntry, type LogEntry } from "./protocol/log.js";
import type { JsonValue } from "./values.js";

/** One change of a kept batch. */
export interface HistoryChange {
  /** Where: the container's path, with the key or index of the place when one place changed. */
  readonly path: DataPath;
  /** The operation, named as change events name it (`set`, `del`, `push`, `splice`, `keep`, ...). */
  readonly op: Exclude<OpName, "promote">;
  /** The value written (`set`, `setnx`, `lset`; `incr`: the value after the increment). */
  readonly value?: JsonValue;
  /** The values written (`push`, `unshift`, `splice`, `replace`). */
  readonly values?: readonly JsonValue[];
  /** `splice`: where it starts. */
  readonly index?: number;
  /** `pop`, `shift`, `splice`: how many elements it removed; `keep`: how many the list keeps. */
  readonly count?: number;
  /** `incr`: by how much. */
  readonly by?: number;
}

/** One batch, as `$history()` yields it. */
export interface HistoryEntry {
  /** The instance's sequence number after the batch (1 for the batch that created it). */
  readonly seq: number;
  /** When Redis applied it: milliseconds since the epoch, by the Redis server's clock. */
  readonly at: number;
  /** The `writer` open option of the process that wrote it, else that store's client id. */
  readonly writer: string;
  /** What it changed, in order. */
  readonly changes: readonly HistoryChange[];
  /**
   * False for a batch kept without its values (larger than the log's `maxOpsBytes`, or
   * one that found a default another process had filled first): `changes` is empty and
   * `touched` names the containers it wrote.
   */
  readonly complete: boolean;
  /** For an incomplete entry: the paths of the containers the batch wrote. */
  readonly touched?: readonly DataPath[];
}

export interface HistoryOptions {
  /** The first seq to yield (default: the oldest kept). */
  readonly from?: number;
  /** At most this many entries (default: all kept). */
  readonly limit?: number;
}

const PAGE = 200;

/** Reads the kept batches of the instance `ns`, oldest first. */
export async function* readHistory(backend: Backend, ns: string, options: HistoryOptions = {}): AsyncGenerator<HistoryEntry> {
  const from = options.from ?? 0;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  let after = "0-0";
  while (left > 0) {
    const { entries } = await backend.readLog(ns, after, PAGE);
    if (!Array.isArray(entries)) throw entries;
    for (const [id, fields] of entries) {
      after = id;
      const entry = parseEntry(id, fields);
      if (entry === undefined) throw new CorruptDataError(`${ns}:log`, id, "is not an entry this library wrote");
      if (entry.seq < from) continue;
      yield historyEntry(entry);
      if (--left <= 0) return;
    }
    if (entries.length < PAGE) return;
  }
}

function historyEntry(entry: LogEntry): HistoryEntry {
  const at = Number(entry.id.slice(0, entry.id.indexOf("-")));
  const writer = entry.writer ?? entry.client;
  const paths = entry.paths ?? [];
  if (entry.ops === undefined) {
    const touched = new Map<string, DataPath>();
    for (const path of paths) if (path !== null) touched.set(JSON.stringify(path), path);
    return { seq: entry.seq, at, writer, changes: [], complete: false, touched: [...touched.values()] };
  }
  const changes: HistoryChange[] = [];
  let incr = 0;
  entry.ops.forEach((op, i) => {
    const change = changeOf(op, paths[i] ?? null, op[0] === "incr" ? entry.results[incr++] : undefined);
    if (change) changes.push(change);
  });
  return { seq: entry.seq, at, writer, changes, complete: true };
}

/** A stored value as data: JSON text parsed; a reference is the empty container it starts as (its contents follow as changes of their own). */
function valueOf(enc: Enc): JsonValue {
  if (isRef(enc)) return enc.charCodeAt(1) === 108 /* l */ ? [] : {};
  return JSON.parse(enc) as JsonValue;
}

function changeOf(op: Op, container: DataPath | null, result: string | undefined): HistoryChange | undefined {
  const at = (key?: string | number): DataPath => {
    const path = [...(container ?? [])];
    if (key !== undefined) path.push(key);
    return path;
  };
  switch (op[0]) {
    case "set":
    case "setnx":
      return { path: at(op[2]), op: op[0], value: valueOf(op[3]) };
    case "del":
      return { path: at(op[2]), op: "del" };
    case "clear":
      return { path: at(), op: "clear" };
    case "incr":
      return { path: at(op[2]), op: "incr", by: op[3], ...(result === undefined ? {} : { value: Number(result) }) };
    case "push":
    case "unshift":
    case "replace":
      return { path: at(), op: op[0], values: op[2].map(valueOf) };
    case "lset":
      return { path: at(op[2]), op: "lset", value: valueOf(op[3]) };
    case "pop":
    case "shift":
      return { path: at(), op: op[0], count: op[2] };
    case "splice":
      return { path: at(), op: "splice", index: op[2], count: op[3], values: op[4].map(valueOf) };
    case "keep":
      return { path: at(), op: "keep", count: op[2] };
    case "promote":
      // A record becoming a container of its own changes no data.
      return undefined;
  }
}
