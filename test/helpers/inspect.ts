// Looking at what Redis holds for an instance, for fault tests: every key with its
// type and content (meta and log included), the container a path of the data is
// stored in, and whether an error leaks script source.
import { readdirSync, readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";

type Client = Redis | Cluster;

async function scanKeys(redis: Client, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return [...new Set(keys)].sort();
}

/** The instance's key pattern for SCAN: `ns:*`. */
export function instancePattern(ns: string): string {
  return ns.replace(/[*?[\]\\]/g, "\\$&") + ":*";
}

/** Every key of the instance on `redis` (one node: on a Cluster pass the node holding the slot). */
export function instanceKeys(redis: Client, ns: string): Promise<string[]> {
  return scanKeys(redis, instancePattern(ns));
}

/** Every key of an instance (meta and log included) with its type and whole content: equal snapshots mean Redis did not change. */
export async function snapshot(redis: Client, ns: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of await instanceKeys(redis, ns)) {
    const type = await redis.type(key);
    switch (type) {
      case "list": out[key] = { list: await redis.lrange(key, 0, -1) }; break;
      case "hash": out[key] = { hash: await redis.hgetall(key) }; break;
      case "string": out[key] = { string: await redis.get(key) }; break;
      case "set": out[key] = { set: (await redis.smembers(key)).sort() }; break;
      case "zset": out[key] = { zset: await redis.zrange(key, 0, -1, "WITHSCORES") }; break;
      case "stream": out[key] = { stream: await redis.xrange(key, "-", "+") }; break;
      default: out[key] = { [type]: true };
    }
  }
  return out;
}

const LIST_REF = "@l:";
const DICT_REF = "@d:";

/**
 * The key of the container stored at `path` of the data, following `@l:`/`@d:`
 * references from `ns:root`. Throws when a step of the path is stored inline (a record
 * not yet changed in place) or missing.
 */
/** How many batches Redis has applied to the instance (`ns:meta` `seq`: +1 per applied batch, never for a duplicate). */
export async function appliedBatches(redis: Client, ns: string): Promise<number> {
  return Number((await redis.hget(`${ns}:meta`, "seq")) ?? 0);
}

export async function containerKey(redis: Client, ns: string, path: readonly (string | number)[]): Promise<string> {
  let key = `${ns}:root`;
  for (const step of path) {
    const stored = typeof step === "number" ? await redis.lindex(key, step) : await redis.hget(key, step);
    if (stored === null) throw new Error(`${key} holds nothing at ${JSON.stringify(step)} (path ${JSON.stringify(path)})`);
    if (!stored.startsWith(LIST_REF) && !stored.startsWith(DICT_REF)) {
      throw new Error(`${key} holds ${JSON.stringify(stored.slice(0, 60))} inline at ${JSON.stringify(step)}, not a reference to a container`);
    }
    key = `${ns}:n:${stored.slice(LIST_REF.length)}`;
  }
  return key;
}

/** Lines of the runtime's Lua scripts long enough to be recognised if an error carried them. */
export function luaFragments(): string[] {
  const dir = new URL("../../runtime/lua/", import.meta.url);
  const lines = readdirSync(dir)
    .filter((file) => file.endsWith(".lua"))
    .flatMap((file) => readFileSync(new URL(file, dir), "utf8").split("\n"))
    .map((line) => line.trim())
    .filter((line) => line.length >= 24 && !line.startsWith("--"));
  return [...new Set(lines)];
}

/** Every string reachable from `value` (own properties, `cause`, message, stack, arrays), for leak checks. */
export function reachableStrings(value: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === "string") {
      out.push(v);
      return;
    }
    if (Buffer.isBuffer(v)) {
      out.push(v.toString("utf8"));
      return;
    }
    if (typeof v !== "object" || v === null || seen.has(v) || depth > 8) return;
    seen.add(v);
    if (v instanceof Error) {
      walk(v.message, depth + 1);
      walk(v.stack, depth + 1);
      walk(v.cause, depth + 1);
    }
    for (const key of Reflect.ownKeys(v)) {
      let child: unknown;
      try {
        child = (v as Record<PropertyKey, unknown>)[key];
      } catch {
        continue;
      }
      walk(child, depth + 1);
    }
  };
  walk(value, 0);
  return out;
}

/** The script source an error carries anywhere (empty when none). */
export function leakedScriptSource(error: unknown): string[] {
  const fragments = luaFragments();
  const strings = reachableStrings(error);
  const leaks = new Set<string>();
  for (const text of strings) {
    if (/redis\.(p)?call\s*\(/.test(text)) leaks.add("redis.call(");
    for (const fragment of fragments) if (text.includes(fragment)) leaks.add(fragment);
  }
  return [...leaks];
}
