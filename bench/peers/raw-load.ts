// Peer for loading: the whole list in one LRANGE, each element parsed from JSON.
import type { Redis } from "ioredis";

export async function lrangeParse(redis: Redis, key: string): Promise<unknown[]> {
  const raw = await redis.lrange(key, 0, -1);
  const out = new Array<unknown>(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = JSON.parse(raw[i]!) as unknown;
  return out;
}
