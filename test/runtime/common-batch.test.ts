// The batch script answers common batches (a few pushes onto one list, a few key writes
// into one dict) on a short path of its own (runtime/lua/apply.lua, `common`). It must
// write and answer exactly what the general phases would. Each batch a store sends here
// is also run by a reference copy of the library whose short path is off, on a copy of
// the instance as it was just before the batch; the replies, every key, the log's
// entries and the expiries must agree. A third copy tells which batches took the short
// path, so that the comparison is known to cover it.
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPLY_FUNCTION, APPLY_LIBRARY, APPLY_LIBRARY_NAME } from "../../runtime/batch-script.js";
import { property } from "../helpers/property.js";
import { openMemory, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";

const REFERENCE = "redis_memory_test_general";
const PROBE = "redis_memory_test_common_only";
const MAIN = "local answer = begin(keys, argv) or instance() or common()\n  if answer ~= nil then return answer end";

/** The library with its name and function renamed, and its text changed by `edit`. */
function variant(name: string, edit: (body: string) => string): string {
  const renamed = APPLY_LIBRARY.replace(`#!lua name=${APPLY_LIBRARY_NAME}`, `#!lua name=${name}`).replace(`'${APPLY_FUNCTION}'`, `'${name}'`);
  const edited = edit(renamed);
  if (edited === renamed) throw new Error(`the library's text changed: the ${name} edit no longer applies`);
  return edited;
}

let admin: Redis;
beforeAll(async () => {
  admin = rawClient();
  await admin.call("FUNCTION", "LOAD", "REPLACE", variant(REFERENCE, (body) => body.replace("local COMMON = true", "local COMMON = false")));
  // Answers "general" where the short path declines; writes only what the short path writes.
  await admin.call("FUNCTION", "LOAD", "REPLACE", variant(PROBE, (body) => body.replace(MAIN, `${MAIN}\n  do return "general" end`)));
});
afterAll(async () => {
  await admin.call("FUNCTION", "DELETE", REFERENCE).catch(() => undefined);
  await admin.call("FUNCTION", "DELETE", PROBE).catch(() => undefined);
});

async function keysOf(ns: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await admin.scan(cursor, "MATCH", `${ns.replace(/[*?[\]\\]/g, "\\$&")}:*`, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys.sort();
}

/** Makes `to` an exact copy of the instance under `from` (DUMP/RESTORE keeps types, encodings' contents and expiries). */
async function copyInstance(from: string, to: string): Promise<void> {
  const old = await keysOf(to);
  if (old.length > 0) await admin.del(...old);
  for (const key of await keysOf(from)) {
    const dump = await admin.dumpBuffer(key);
    const ttl = await admin.pttl(key);
    if (dump) await admin.restore(to + key.slice(from.length), ttl > 0 ? ttl : 0, dump);
  }
}

/**
 * A hash's fields, sorted, and their order in Redis while it keeps one (listpack). A copy
 * made by DUMP/RESTORE may be a listpack where the original became a hashtable, so the
 * order is compared only where both keep one.
 */
async function hashOf(key: string): Promise<{ fields: [string, string][]; order?: string[] }> {
  const entries = Object.entries(await admin.hgetall(key));
  const listpack = (await admin.object("ENCODING", key)) === "listpack";
  return { fields: entries.slice().sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), ...(listpack ? { order: entries.map(([field]) => field) } : {}) };
}

/** Everything an instance holds, with keys relative to its namespace; the log as its entries' bodies. */
async function stateOf(ns: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of await keysOf(ns)) {
    const type = await admin.type(key);
    const expires = (await admin.pttl(key)) > 0;
    const content =
      type === "list" ? await admin.lrange(key, 0, -1)
      : type === "hash" ? await hashOf(key)
      : type === "string" ? await admin.get(key)
      : type === "stream" ? (await admin.xrange(key, "-", "+")).map(([, fields]) => fields)
      : type;
    out[key.slice(ns.length)] = { type, expires, content };
  }
  return out;
}

/** A reply with the log entry's id (a server clock reading) reduced to its presence. */
function comparable(reply: unknown): unknown {
  if (typeof reply !== "string" || !reply.startsWith("{")) return reply;
  const parsed = JSON.parse(reply) as Record<string, unknown>;
  return { ...parsed, entry: typeof parsed.entry === "string" && /^\d+-\d+$/.test(parsed.entry) ? "<id>" : parsed.entry };
}

/** What a call answered, comparable across copies: its reply or its error's message. */
async function settle(call: () => Promise<unknown>): Promise<{ reply?: unknown; error?: unknown; seen: unknown }> {
  try {
    const reply = await call();
    return { reply, seen: comparable(reply) };
  } catch (error) {
    return { error, seen: { error: (error as Error).message } };
  }
}

/** Runs the store's batch calls on `connection` through the comparison; counts the batches the short path took. */
function compareBatches(connection: Redis, seen: { common: number; general: number; mismatches: string[] }): void {
  const original = connection.call.bind(connection) as (...args: unknown[]) => Promise<unknown>;
  let chain: Promise<unknown> = Promise.resolve();
  (connection as unknown as { call: (...args: unknown[]) => Promise<unknown> }).call = (command: unknown, ...rest: unknown[]) => {
    if (String(command).toUpperCase() !== "FCALL" || rest[0] !== APPLY_FUNCTION) return original(command, ...rest);
    const args = (rest[1] as (string | number)[]).map(String);
    const keyCount = Number(args[0]);
    const ns = (JSON.parse(args[1 + keyCount]!) as { ns: string }).ns;
    const moved = (to: string): string[] =>
      args.map((arg, i) => {
        if (i >= 1 && i <= keyCount) return to + arg.slice(ns.length);
        if (i === 1 + keyCount) return JSON.stringify({ ...(JSON.parse(arg) as object), ns: to });
        return arg;
      });
    const reference = `${ns}ref`;
    const probe = `${ns}probe`;
    const run = async (): Promise<unknown> => {

      await copyInstance(ns, reference);
      await copyInstance(ns, probe);
      const path = await settle(() => admin.call("FCALL", PROBE, ...moved(probe)));
      const ours = await settle(() => original("FCALL", APPLY_FUNCTION, args));
      const theirs = await settle(() => admin.call("FCALL", REFERENCE, ...moved(reference)));
      if (path.reply === "general") seen.general++;
      else seen.common++;
      const text = (value: unknown, from: string): string => JSON.stringify(value).split(from).join("<ns>");
      if (text(ours.seen, ns) !== text(theirs.seen, reference)) seen.mismatches.push(`reply: ${text(ours.seen, ns)} vs ${text(theirs.seen, reference)}`);
      const [mine, ref] = [await stateOf(ns), await stateOf(reference)];
      for (const key of new Set([...Object.keys(mine), ...Object.keys(ref)])) {
        const [x, y] = [mine[key] as { content?: { order?: string[] } } | undefined, ref[key] as { content?: { order?: string[] } } | undefined];
        if (!x?.content?.order || !y?.content?.order) {
          delete x?.content?.order;
          delete y?.content?.order;
        }
        const [a, b] = [text(x, ns), text(y, reference)];
        if (a !== b) seen.mismatches.push(`after ${args.at(-1)!.slice(0, 200)}: key ${key}: ${a} vs ${b}`);
      }
      if (ours.error !== undefined) throw ours.error;
      return ours.reply;
    };
    const result = chain.then(run, run);
    chain = result.catch(() => undefined);
    return result;
  };
}

type Step =
  | { kind: "push"; values: unknown[]; flush: boolean }
  | { kind: "root"; key: string; value: unknown; flush: boolean }
  | { kind: "set"; key: string; value: unknown; flush: boolean }
  | { kind: "del"; key: string; flush: boolean }
  | { kind: "clear"; flush: boolean };

const text = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 60, maxLength: 90 }));
const value = fc.oneof(text, fc.integer(), fc.constant(null), fc.record({ note: text }));
// Many keys, so that a dict passes what keeps Redis' own order (128) and starts a record.
const dictKey = fc.oneof(fc.integer({ min: 0, max: 180 }).map((i) => `k${i}`), fc.string({ minLength: 65, maxLength: 70 }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("push" as const), values: fc.array(value, { minLength: 1, maxLength: 3 }), flush: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("root" as const), key: fc.constantFrom("a", "b", "title"), value, flush: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("set" as const), key: dictKey, value, flush: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("del" as const), key: dictKey, flush: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const), flush: fc.boolean() }) },
);

describe("the batch script's common path", () => {
  it("writes and answers what the general phases would, batch by batch", async () => {
    const seen = { common: 0, general: 0, mismatches: [] as string[] };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: 60 }), fc.boolean(), async (steps, listened) => {
        const connection = new Redis(redisUrl());
        compareBatches(connection, seen);
        const id = uniqueId("common");
        // Someone listening to the instance and both copies: the log keeps the entries.
        const listener = listened ? new Redis(redisUrl()) : undefined;
        await listener?.psubscribe(`memory:{Memory:${id}}*`);
        try {
          const store = await openMemory(id, { redis: connection });
          store.log = ["start"];
          store.d = {};
          await store.$flush();
          for (const s of steps) {
            if (s.kind === "push") store.log.push(...s.values);
            else if (s.kind === "root") store[s.key] = s.value;
            else if (s.kind === "set") store.d[s.key] = s.value;
            else if (s.kind === "del") delete store.d[s.key];
            else store.log.clear();
            if (s.flush) await store.$flush();
          }
          await store.$flush();
          await store.$close();
        } finally {
          connection.disconnect();
          listener?.disconnect();
        }
        expect(seen.mismatches.slice(0, 1).map((m) => m.slice(0, 3000))).toEqual([]);
      }),
      property(10, { endOnFailure: true }),
    );
    // The comparison covered both paths.
    expect(seen.common).toBeGreaterThan(50);
    expect(seen.general).toBeGreaterThan(50);
  }, 120_000);
});
