// The log entry of one applied batch: written once by runtime/lua/apply.lua
// (`entry_body`) as the field "d" of the stream entry in `ns:log`, and read here. The
// body is a JSON object `{ s, e, c, b, o | i, r?, a?, v?, vm? }`: the instance seq after
// the batch, the instance epoch, the writer's client id and batch seq, the operations
// whole (o) or the ids of the containers the batch touched (i: a replica reloads them),
// the results of its increments (r), the aliases of its promotes (a), and the schema
// versions the batch gave the instance when it set them (v, vm: a creation, a migration). The stream is the
// instance's own key, but any client that may write keys can add to it: an entry is
// checked before it is believed.
//
// The message published on the instance's channel is only a wake-up, `{ c, b }` (the
// writer's client id and batch seq): anyone allowed to publish there can send
// anything, so replicas read what to apply from the stream.
import { OP_NAMES, type NodeId, type Op, type OpName } from "../ops.js";

export { channelOf } from "./keys.js";

export interface LogEntry {
  readonly id: string;
  readonly seq: number;
  /** The instance epoch the batch was applied to. */
  readonly epoch: string;
  readonly client: string;
  readonly batch: number;
  /** The batch's operations (undefined for an invalidation: `touched` holds the ids of the containers it wrote). */
  readonly ops: Op[] | undefined;
  readonly touched: NodeId[];
  readonly results: string[];
  /** Promotes of the batch that found the element already a container. */
  readonly aliases: [from: NodeId, to: NodeId][];
  /** The instance's schema version and lowest writable version after the batch, when the batch set them (runtime/migrate.ts). */
  readonly versions?: { readonly version: number; readonly vmin: number };
  /** History only: the writer's name. */
  readonly writer?: string;
  /** History only: the path of each operation's container (null: unknown). */
  readonly paths?: (readonly (string | number)[] | null)[];
}

/** The stream entry's field that holds the body. */
export const ENTRY_FIELD = "d";

/** A stream id as Redis writes it: `<ms>-<n>`, each part a 64-bit unsigned integer. */
const STREAM_ID = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/;
const NAMES = new Set<string>(OP_NAMES);

/** Whether `id` is a stream id as Redis writes one. */
export const isStreamId = (id: string): boolean => STREAM_ID.test(id);

/** Stream ids are `<ms>-<n>`; compares them exactly (parts may pass 2^53). Both must be ids Redis wrote. */
export function compareIds(a: string, b: string): number {
  const [am = "0", an = "0"] = a.split("-");
  const [bm = "0", bn = "0"] = b.split("-");
  return compareDigits(am, bm) || compareDigits(an, bn);
}

/** Compares two canonical decimal integers (no sign, no leading zeros). */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stream entry of `ns:log` (read when catching up); undefined when it is not one the batch script wrote. */
export function parseEntry(id: string, fields: readonly string[]): LogEntry | undefined {
  if (typeof id !== "string" || !STREAM_ID.test(id) || !Array.isArray(fields)) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === ENTRY_FIELD) return decodeBody(id, parseJson(String(fields[i + 1])));
  }
  return undefined;
}

/**
 * The client a published wake-up says wrote it, if it says one. Nothing in a message is
 * trusted: this only lets the writer skip reading the log for its own batches, which
 * their replies place (a forged claim skips a read that had nothing to read).
 */
export function claimedClient(text: string): string | undefined {
  const message = parseJson(text);
  return isObject(message) && typeof message.c === "string" ? message.c : undefined;
}

function decodeBody(id: string, body: unknown): LogEntry | undefined {
  if (!isObject(body)) return undefined;
  const { s, e, c, b, o, i, r, a, w, p, v, vm } = body;
  if (!isCount(s) || s < 1 || typeof e !== "string" || typeof c !== "string" || !isCount(b)) return undefined;
  if (o !== undefined && !isOps(o)) return undefined;
  if (o === undefined && !isStrings(i)) return undefined;
  if (r !== undefined && !isStrings(r)) return undefined;
  if (a !== undefined && !isStrings(a)) return undefined;
  if ((v !== undefined || vm !== undefined) && !(isCount(v) && isCount(vm) && v >= 1 && vm >= 1)) return undefined;
  const paths = Array.isArray(p) && p.every((path) => path === null || (Array.isArray(path) && path.every((k) => typeof k === "string" || typeof k === "number"))) ? (p as (string | number)[][]) : undefined;
  return {
    ...(typeof w === "string" ? { writer: w } : {}),
    ...(paths ? { paths } : {}),
    ...(isCount(v) && isCount(vm) ? { versions: { version: v, vmin: vm } } : {}),
    id,
    seq: s,
    epoch: e,
    client: c,
    batch: b,
    ops: o as Op[] | undefined,
    touched: o === undefined ? (i as string[]) : [],
    results: (r as string[] | undefined) ?? [],
    aliases: aliasPairs((a as string[] | undefined) ?? []),
  };
}

export function aliasPairs(list: readonly string[]): [NodeId, NodeId][] {
  const pairs: [NodeId, NodeId][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  return pairs;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** The outline of each operation (its name and container); each row's arguments are checked where it is applied. */
function isOps(value: unknown): value is Op[] {
  return Array.isArray(value) && value.every((op) => Array.isArray(op) && NAMES.has(op[0] as OpName) && typeof op[1] === "string");
}
