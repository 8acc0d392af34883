// The log entry of one applied batch: written once by runtime/lua/apply.lua
// (`entry_body`), as the field "d" of the stream entry in `ns:log` and inside the
// message published on the instance's channel, and read here once for both. The body
// is a JSON object `{ s, e, c, b, o | i, r?, a? }`: the instance seq after the batch,
// the instance epoch, the writer's client id and batch seq, the operations whole (o)
// or the ids of the containers the batch touched (i: a replica reloads them), the
// results of its increments (r) and the aliases of its promotes (a). A message is
// `{ id, d }`: the stream entry's id ("0-0" when the stream did not take it) and the
// body (whole even when the stream keeps ids). Anything else is not an entry: a
// message anyone may publish is checked before it is believed.
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
}

/** The stream entry's field that holds the body. */
export const ENTRY_FIELD = "d";

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const NAMES = new Set<string>(OP_NAMES);

/** Stream ids are `<ms>-<n>`; compares them as numbers. */
export function compareIds(a: string, b: string): number {
  const [am = "0", an = "0"] = a.split("-");
  const [bm = "0", bn = "0"] = b.split("-");
  return Number(am) - Number(bm) || Number(an) - Number(bn);
}

/** A stream entry of `ns:log` (read when catching up); undefined when it is not one this library wrote. */
export function parseEntry(id: string, fields: readonly string[]): LogEntry | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === ENTRY_FIELD) return decodeBody(id, parseJson(fields[i + 1]!));
  }
  return undefined;
}

/** A message published on the instance's channel; undefined when it is not one the batch script published. */
export function parseMessage(text: string): LogEntry | undefined {
  const message = parseJson(text);
  if (!isObject(message) || typeof message.id !== "string") return undefined;
  return decodeBody(message.id, message.d);
}

function decodeBody(id: string, body: unknown): LogEntry | undefined {
  if (!STREAM_ID.test(id) || !isObject(body)) return undefined;
  const { s, e, c, b, o, i, r, a } = body;
  if (!isCount(s) || s < 1 || typeof e !== "string" || typeof c !== "string" || !isCount(b)) return undefined;
  if (o !== undefined && !isOps(o)) return undefined;
  if (o === undefined && !isStrings(i)) return undefined;
  if (r !== undefined && !isStrings(r)) return undefined;
  if (a !== undefined && !isStrings(a)) return undefined;
  return {
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
