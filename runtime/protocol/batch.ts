// The batch script's contract (runtime/lua/apply.lua): its keys, its arguments as named
// fields, its one reply, its refusals. The script reads ARGV[1] and ARGV[2] (the header,
// a JSON object of the fields below in two parts: those fixed for a client and instance,
// which the function library decodes once and keeps, and those of this batch), ARGV[3]
// (the operations, JSON) and ARGV[4..] (the values of counted pushes); it answers one JSON
// object (BatchReply) or a refusal "RM<KIND> key reason" that wrote nothing.
import type { WriteErrorCode } from "../errors.js";
import type { Enc, NodeId, Op } from "../ops.js";
import { keysOf, nodeKey, orderKey } from "./keys.js";

/** Log settings: how much of the change log an instance keeps for replicas catching up. */
export interface LogLimits {
  /** Entries kept (default 1,000). */
  readonly maxEntries: number;
  /** Milliseconds an entry is kept; the log key itself expires this long after the last batch (default 10,000). */
  readonly maxAgeMs: number;
  /** A batch whose operations are larger is logged as the ids of the containers it touched (default 65,536 bytes: an LLM answer fits; a bulk write does not). */
  readonly maxOpsBytes: number;
}
export const LOG_DEFAULTS: LogLimits = { maxEntries: 1_000, maxAgeMs: 10_000, maxOpsBytes: 65_536 };

/**
 * History (`"x-redis-memory": { "history" }` or the `history` open option): every batch
 * is kept in the log within these bounds, whether or not anyone listens.
 */
export interface HistoryLimits {
  /** Entries kept. */
  readonly maxEntries: number;
  /** Milliseconds an entry is kept (0: no age bound, only the count). */
  readonly maxAgeMs: number;
}

/** What a batch of a store with history adds to its log entry. */
export interface BatchHistory {
  readonly limits: HistoryLimits;
  /** The writer's name (the `writer` open option, else the client id). */
  readonly writer: string;
  /** JSON: the path of each operation's container, in order (null when the replica knows none). */
  readonly paths: string;
}

export interface Batch {
  readonly ns: string;
  readonly clientId: string;
  readonly seq: number;
  /** The seq of the batch this one follows (the script applies it only right after that one). */
  readonly prev: number;
  /** The epoch the replica loaded; "" when it loaded no instance (the batch creates it as `newEpoch`). */
  readonly epoch: string;
  readonly newEpoch: string;
  readonly ops: readonly Op[];
  /** Ids of the containers the batch may touch (declared as KEYS). */
  readonly keys: readonly NodeId[];
  /**
   * Those of `keys` that every operation of the batch writes as a list: declared without
   * an order record (a list has none; should the script need one it asks, RMKEYS).
   */
  readonly lists?: readonly NodeId[] | undefined;
  readonly schemaHash: string;
  /** The writer's schema version and the lowest version that may write what it writes (runtime/migrate.ts; default 1). */
  readonly version?: number;
  readonly vmin?: number;
  /** A migration's batch: the instance version it read (0, the default, for other batches). */
  readonly from?: number;
  readonly log: LogLimits;
  /** The store's `ttl` (ms; 0: none): the batch slides the instance's expiry. */
  readonly ttl: number;
  /** A transaction's batch: the instance seq its reads saw ("" for other batches). */
  readonly readAt: string;
  /**
   * How many of the subscriptions to the instance's channel are the writer's own (its
   * feed's, 0 or 1; -1: log the batch whoever listens). The log is for other replicas
   * catching up: a batch that no other subscription hears is not kept in the log.
   */
  readonly ownSubscriptions: number;
  /** Every batch of this client up to this seq has been answered (none is sent again): the script forgets their results. */
  readonly acked: number;
  /** Set when the store keeps history. */
  readonly history?: BatchHistory | undefined;
  /** The same object for every batch of one replica: texts that do not change from batch to batch, made once. */
  readonly memo?: BatchMemo;
}

/**
 * What a replica's batches share, encoded once: the header's fixed fields (as JSON text,
 * made again whenever one of them changes, e.g. the epoch) and the instance's own keys.
 * An awaited single write then encodes only its operations and the fields that change.
 */
export interface BatchMemo {
  header?: FixedHeader;
  keys?: readonly string[];
  /** The KEYS of the last batch that declared one container (an awaited write declares the same each time). */
  one?: { readonly id: NodeId; readonly list: boolean; readonly keys: readonly string[] };
}

/** The header fields that stay the same from batch to batch of one replica, and their JSON text (ARGV[1]). */
type FixedHeader = Omit<BatchHeader, (typeof VARYING)[number]> & { readonly text: string };

/**
 * ARGV[1] and ARGV[2] of apply.lua: every scalar argument, by name. The script reads the
 * fields of VARYING from ARGV[2] (`V.<name>`), the others from ARGV[1] (`H.<name>`).
 */
export interface BatchHeader {
  readonly ns: string;
  readonly client: string;
  readonly seq: number;
  readonly prev: number;
  readonly epoch: string;
  readonly newEpoch: string;
  readonly schema: string;
  readonly version: number;
  readonly vmin: number;
  readonly from: number;
  readonly logEntries: number;
  readonly logAgeMs: number;
  readonly logOpsBytes: number;
  readonly ttl: number;
  /** "" for a batch that is not a transaction's. */
  readonly readAt: string;
  /** The staging key of a staged push ("" when the batch is not staged; runtime/lua/staged.lua). */
  readonly stage: string;
  readonly own: number;
  readonly acked: number;
  /** History: entries kept (0: no history), their age (ms, 0: unbounded), the writer, the ops' paths (JSON). */
  readonly histEntries: number;
  readonly histAgeMs: number;
  readonly writer: string;
  readonly paths: string;
}

/** The header fields that change from batch to batch (ARGV[2]); the rest are fixed for a replica's incarnation (ARGV[1]). */
const VARYING = ["seq", "prev", "readAt", "stage", "own", "acked", "paths"] as const;

/** A header as the script's two arguments: its fixed fields' JSON, its varying fields' JSON. */
export function headerArgs(header: BatchHeader): [fixed: string, varying: string] {
  const fixed: Record<string, unknown> = { ...header };
  const varying: Record<string, unknown> = {};
  for (const name of VARYING) {
    varying[name] = header[name];
    delete fixed[name];
  }
  return [JSON.stringify(fixed), JSON.stringify(varying)];
}

export function batchHeader(batch: Batch, options: { stage: string; own: number }): BatchHeader {
  return {
    ns: batch.ns, client: batch.clientId, seq: batch.seq, prev: batch.prev, epoch: batch.epoch, newEpoch: batch.newEpoch,
    schema: batch.schemaHash, version: batch.version ?? 1, vmin: batch.vmin ?? 1, from: batch.from ?? 0, logEntries: batch.log.maxEntries, logAgeMs: batch.log.maxAgeMs, logOpsBytes: batch.log.maxOpsBytes,
    ttl: batch.ttl, readAt: batch.readAt, stage: options.stage, own: options.own, acked: batch.acked,
    histEntries: batch.history?.limits.maxEntries ?? 0, histAgeMs: batch.history?.limits.maxAgeMs ?? 0,
    writer: batch.history?.writer ?? "", paths: batch.history?.paths ?? "",
  };
}

/**
 * ARGV[1] and ARGV[2]: `headerArgs(batchHeader(batch, options))`, with the fixed fields
 * taken from the replica's memo (the same string every batch, which the library finds
 * in its cache by value). An awaited single write makes no header object: the memo is
 * compared field by field and its text is made again only when one changed.
 */
export function headerTexts(batch: Batch, options: { stage: string; own: number }): [fixed: string, varying: string] {
  const memo = batch.memo;
  if (memo === undefined) return headerArgs(batchHeader(batch, options));
  let fixed = memo.header;
  if (fixed === undefined || !sameFixed(fixed, batch)) fixed = memo.header = fixedHeader(batch);
  const paths = batch.history?.paths ?? "";
  return [fixed.text, `{"seq":${batch.seq},"prev":${batch.prev},"readAt":${quote(batch.readAt)},"stage":${quote(options.stage)},"own":${options.own},"acked":${batch.acked},"paths":${quote(paths)}}`];
}

const quote = (text: string): string => (text === "" ? '""' : JSON.stringify(text));

function fixedHeader(batch: Batch): FixedHeader {
  const fields = {
    ns: batch.ns, client: batch.clientId, epoch: batch.epoch, newEpoch: batch.newEpoch, schema: batch.schemaHash,
    version: batch.version ?? 1, vmin: batch.vmin ?? 1, from: batch.from ?? 0,
    logEntries: batch.log.maxEntries, logAgeMs: batch.log.maxAgeMs, logOpsBytes: batch.log.maxOpsBytes, ttl: batch.ttl,
    histEntries: batch.history?.limits.maxEntries ?? 0, histAgeMs: batch.history?.limits.maxAgeMs ?? 0, writer: batch.history?.writer ?? "",
  };
  return { ...fields, text: JSON.stringify(fields) };
}

function sameFixed(fixed: FixedHeader, batch: Batch): boolean {
  const history = batch.history;
  return fixed.ns === batch.ns && fixed.client === batch.clientId && fixed.epoch === batch.epoch && fixed.newEpoch === batch.newEpoch
    && fixed.schema === batch.schemaHash && fixed.version === (batch.version ?? 1) && fixed.vmin === (batch.vmin ?? 1) && fixed.from === (batch.from ?? 0)
    && fixed.logEntries === batch.log.maxEntries && fixed.logAgeMs === batch.log.maxAgeMs && fixed.logOpsBytes === batch.log.maxOpsBytes
    && fixed.ttl === batch.ttl
    && fixed.histEntries === (history?.limits.maxEntries ?? 0) && fixed.histAgeMs === (history?.limits.maxAgeMs ?? 0) && fixed.writer === (history?.writer ?? "");
}

/**
 * KEYS of apply.lua: root, meta, log, then every container the batch may touch with its
 * order record, but for `lists` (and the staging key). The root's id ("") declares the
 * root's order record (its hash is the instance's root key). With a memo, a batch that
 * declares one container reuses the last such list (read only).
 */
export function batchKeys(ns: string, ids: Iterable<NodeId>, extra: readonly string[] = [], memo?: BatchMemo, lists: readonly NodeId[] = NO_IDS): readonly string[] {
  const own = memo ? (memo.keys ??= keysOf(ns)) : keysOf(ns);
  if (memo !== undefined && extra.length === 0 && Array.isArray(ids) && ids.length === 1) {
    const id = (ids as readonly NodeId[])[0]!;
    const list = lists.includes(id);
    const last = memo.one;
    if (last !== undefined && last.id === id && last.list === list) return last.keys;
    const keys = own.slice();
    keys.push(...containerKeys(ns, id, list));
    memo.one = { id, list, keys };
    return keys;
  }
  const keys = own.slice();
  // Ids are distinct.
  for (const id of ids) keys.push(...containerKeys(ns, id, lists.includes(id)));
  for (const key of extra) keys.push(key);
  return keys;
}

/**
 * A container's keys: its own and its order record (a dict's, once it has one: the script
 * writes it, deletes it with the dict, and gives it the instance's expiry); a list has none.
 */
function containerKeys(ns: string, id: NodeId, list: boolean): string[] {
  if (id === "") return [orderKey(ns, "")];
  return list ? [nodeKey(ns, id)] : [nodeKey(ns, id), orderKey(ns, id)];
}

const NO_IDS: readonly NodeId[] = Object.freeze([]);

/**
 * The whole argument list of one apply.lua call (numkeys, KEYS, ARGV), as one array:
 * ioredis flattens it, and nothing is spread into a function call (a call with ~125k+
 * spread arguments overflows the JS stack).
 */
export function batchCall(keys: readonly string[], header: BatchHeader | readonly [fixed: string, varying: string], ops: string, values: readonly string[]): (string | number)[] {
  const args: (string | number)[] = new Array<string | number>(keys.length + 4 + values.length);
  let n = 0;
  args[n++] = keys.length;
  for (const key of keys) args[n++] = key;
  const [fixed, varying] = Array.isArray(header) ? (header as readonly [string, string]) : headerArgs(header as BatchHeader);
  args[n++] = fixed;
  args[n++] = varying;
  args[n++] = ops;
  for (const value of values) args[n++] = value;
  return args;
}

/**
 * The operations as the batch script reads them. A batch larger than `inlineBytes`
 * sends its pushed values as arguments of their own (a push op then holds their count):
 * JSON-escaping 100k JSON texts inside one JSON text costs more than sending them. A
 * staged last push holds its count and its values go apart (backend `applyStaged`).
 */
export function encodeOps(ops: readonly Op[], inlineBytes: number, stagedLast: boolean): [text: string, values: readonly string[]] {
  // The common batch (an awaited write): one text, no values apart.
  if (!stagedLast && inlineSize(ops, inlineBytes) <= inlineBytes) return [opsText(ops), NONE];
  const counted = (op: Op): Op => [op[0], op[1], (op[2] as Enc[]).length] as unknown as Op;
  const rest = stagedLast ? ops.slice(0, -1) : ops;
  const last = stagedLast ? [counted(ops.at(-1)!)] : [];
  if (inlineSize(rest, inlineBytes) <= inlineBytes) return [JSON.stringify([...rest, ...last]), NONE];
  const values: string[] = [];
  const text = JSON.stringify([
    ...rest.map((op) => {
      if (op[0] !== "push" && op[0] !== "unshift") return op;
      for (const value of op[2]) values.push(value);
      return counted(op);
    }),
    ...last,
  ]);
  return [text, values];
}

/**
 * `JSON.stringify(ops)`, the same text: a push's or unshift's values (JSON texts) are
 * quoted one by one, which V8 does in about half the time of stringifying the nested arrays.
 */
function opsText(ops: readonly Op[]): string {
  let text = "[";
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (i > 0) text += ",";
    if (op[0] !== "push" && op[0] !== "unshift") {
      text += JSON.stringify(op);
      continue;
    }
    const values = op[2];
    text += `["${op[0]}",${JSON.stringify(op[1])},[`;
    for (let j = 0; j < values.length; j++) text += j === 0 ? JSON.stringify(values[j]) : `,${JSON.stringify(values[j])}`;
    text += "]]";
  }
  return `${text}]`;
}

/** The characters of the values pushed or unshifted by `ops`, counted until they pass `bound`. */
function inlineSize(ops: readonly Op[], bound: number): number {
  let size = 0;
  for (const op of ops) {
    if (op[0] !== "push" && op[0] !== "unshift") continue;
    for (const value of op[2]) size += value.length;
    if (size > bound) break;
  }
  return size;
}

/** apply.lua's one reply (a JSON object), for an applied batch and for a duplicate alike. */
interface BatchReply {
  /** "applied", or "dup": the batch was applied before (its reply was lost); its results are remembered. */
  readonly status: "applied" | "dup";
  /** The instance seq after the batch ("0" for a duplicate). */
  readonly seq: string;
  /** The log entry's stream id ("0-0" when the stream did not take it, "" for a duplicate). */
  readonly entry: string;
  readonly epoch: string;
  /** When the instance expires (ms since the epoch), "-1" when it does not. */
  readonly expireAt: string;
  /** `setnx` operations that found their field already set. */
  readonly skipped: number;
  readonly incrs: readonly string[];
  /** Flat pairs: a promote's id, the id of the container another writer had made of the element. */
  readonly aliases: readonly string[];
  /** Containers unlinked without being declared: collect them (lua/gc.lua). */
  readonly garbage: readonly string[];
  readonly dropped?: unknown;
}

export type BatchOutcome =
  | {
      readonly kind: "applied";
      readonly seq: number;
      readonly entryId: string;
      readonly epoch: string;
      readonly skipped: number;
      readonly incrs: readonly string[];
      readonly aliases: readonly [from: NodeId, to: NodeId][];
      readonly garbage: readonly NodeId[];
      /** When the instance expires (ms since the epoch), -1 when it does not. */
      readonly expireAt: number;
      /** Retention: per `keep` operation that dropped elements, its index in the batch and what Redis dropped. */
      readonly dropped: readonly [op: number, values: readonly Enc[]][];
    }
  | {
      readonly kind: "dup";
      readonly incrs: readonly string[];
      readonly aliases: readonly [from: NodeId, to: NodeId][];
      readonly epoch: string;
      readonly skipped: number;
      readonly expireAt: number;
    }
  /** The batch must follow one that is not applied yet (NOSCRIPT retried out of order, or refused). */
  | {
      readonly kind: "wait";
      /** The last batch of this client that Redis holds as applied. */
      readonly applied: number;
    };

/**
 * The reply of a batch with no results, aliases, garbage or drops (an awaited append or
 * key write), as apply.lua writes it: its fields in this order, empty lists left out.
 * Read by one match instead of JSON.parse; any other reply is parsed. (A RegExp: V8
 * runs it faster than a scan by hand with startsWith and charCodeAt, ~0.3 us vs ~0.7.)
 */
const PLAIN_REPLY = /^\{"status":"(applied|dup)","seq":"(\d+)","entry":"([^"\\]*)","epoch":"([^"\\]*)","expireAt":"(-?\d+)","skipped":(\d+)\}$/;

/** apply.lua's reply; a list left out (or written by cjson as {} when empty) is read as []. */
export function decodeReply(reply: unknown): Exclude<BatchOutcome, { kind: "wait" }> {
  const text = typeof reply === "string" ? reply : String(reply);
  const plain = PLAIN_REPLY.exec(text);
  if (plain !== null) {
    const epoch = plain[4]!, expireAt = Number(plain[5]), skipped = Number(plain[6]);
    if (plain[1] === "dup") return { kind: "dup", incrs: NONE, aliases: NONE, epoch, skipped, expireAt };
    return { kind: "applied", seq: Number(plain[2]), entryId: plain[3]!, garbage: NONE, dropped: NONE, incrs: NONE, aliases: NONE, epoch, skipped, expireAt };
  }
  const r = JSON.parse(text) as BatchReply;
  const flat = list(r.aliases);
  const aliases: [NodeId, NodeId][] = flat.length === 0 ? NONE : [];
  for (let i = 0; i + 1 < flat.length; i += 2) aliases.push([flat[i]!, flat[i + 1]!]);
  const incrs = list(r.incrs), epoch = String(r.epoch), skipped = Number(r.skipped), expireAt = Number(r.expireAt);
  if (r.status === "dup") return { kind: "dup", incrs, aliases, epoch, skipped, expireAt };
  const dropped: [number, Enc[]][] = [];
  if (Array.isArray(r.dropped)) for (const item of r.dropped) if (Array.isArray(item) && typeof item[0] === "number") dropped.push([item[0], list(item[1])]);
  return { kind: "applied", seq: Number(r.seq), entryId: String(r.entry), garbage: list(r.garbage), dropped, incrs, aliases, epoch, skipped, expireAt };
}

/** The empty list of a reply (shared: outcomes are only read). */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** A list of a reply as strings; cjson writes an empty one as {}. */
function list(value: unknown): string[] {
  return Array.isArray(value) && value.length > 0 ? value.map(String) : NONE;
}

/** A refusal of apply.lua: "RM<KIND> <key> <reason>"; nothing of the batch was written. */
export interface Refusal {
  readonly kind: string;
  readonly key: string;
  readonly reason: string;
}

export function parseRefusal(message: string): Refusal | undefined {
  const match = /^RM([A-Z]+) (\S*) ?(.*)$/s.exec(message);
  if (!match) return undefined;
  return { kind: match[1]!, key: match[2]!, reason: match[3]! };
}

/**
 * RMKEYS: the container ids the script needs declared too (the batch is sent again with
 * them), space-separated; the root's id is "" (its order record), so nothing is trimmed.
 */
export const needsKeys = (refusal: Refusal): string[] => `${refusal.key} ${refusal.reason}`.split(" ");

/** RMWAIT: the last batch of this client that Redis holds as applied. */
export const lastApplied = (refusal: Refusal): number => Number(/last applied (\d+)/.exec(refusal.reason)?.[1] ?? 0);

export function refusalCode(kind: string): WriteErrorCode {
  switch (kind) {
    case "EPOCH": return "epoch";
    case "EVICTED": return "evicted";
    case "CORRUPT": return "corrupt";
    case "FORMAT": return "format";
    case "STALE": return "stale";
    case "VERSION": return "version";
    case "NOPERM": return "redis";
    default: return "conflict";
  }
}
