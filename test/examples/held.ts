// What Redis holds for an instance, decoded without the runtime: the root hash, following
// `@l:<id>` (LIST) and `@d:<id>` (HASH) references, JSON text elsewhere. The recipes'
// tests compare it with what the examples say they wrote.
import type { Redis } from "ioredis";

async function decode(redis: Redis, ns: string, value: string): Promise<unknown> {
  if (value.startsWith("@l:")) {
    const items = await redis.lrange(`${ns}:n:${value.slice(3)}`, 0, -1);
    return Promise.all(items.map((item) => decode(redis, ns, item)));
  }
  if (value.startsWith("@d:")) return decodeHash(redis, ns, `${ns}:n:${value.slice(3)}`);
  return JSON.parse(value) as unknown;
}

async function decodeHash(redis: Redis, ns: string, key: string): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [field, value] of Object.entries(await redis.hgetall(key))) result[field] = await decode(redis, ns, value);
  return result;
}

/** The instance's data as Redis holds it. `key` is the store's `$key`. */
export function held(redis: Redis, key: string): Promise<Record<string, unknown>> {
  return decodeHash(redis, key, `${key}:root`);
}
