// What every figure gets: the server, a raw client for peers and setup, the wire
// meter, and a key prefix of this run (so that a shared server is left clean).
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { WireMeter } from "./wire.js";

export interface BenchContext {
  readonly url: string;
  /** Raw client for the peers and for setup. */
  readonly redis: Redis;
  readonly meter: WireMeter;
  /** Prefix of every key this run writes. */
  readonly prefix: string;
  /** Fewer rounds and smaller sizes (for a smoke run, not for figures). */
  readonly quick: boolean;
  /** A fresh client (callers close it). */
  connect(): Redis;
  uniqueId(label: string): string;
  log(message: string): void;
}

export function createContext(url: string, meter: WireMeter, quick: boolean): BenchContext {
  const run = randomBytes(4).toString("hex");
  let counter = 0;
  return {
    url,
    redis: new Redis(url),
    meter,
    prefix: `rmbench:${run}:`,
    quick,
    connect: () => new Redis(url),
    uniqueId: (label) => `${label}-${++counter}`,
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
  };
}

/** Deletes every key of this run. */
export async function cleanUp(context: BenchContext): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await context.redis.scan(cursor, "MATCH", `${context.prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await context.redis.unlink(...keys);
  } while (cursor !== "0");
}
