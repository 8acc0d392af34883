// Data in Redis that JavaScript cannot hold (nesting deeper than its stack, a chain of
// containers as deep, ns:meta of the wrong type): open() rejects, and a live store's
// reload reports, a CorruptDataError naming the key; never a RangeError or a
// RedisCommandError, and Redis keeps what it held.
import { describe, expect, it } from "vitest";
import { CorruptDataError, RedisMemoryError } from "redis-memory";
import { snapshot } from "../helpers/inspect.js";
import { Memory } from "redis-memory";
import { openMemory, rawClient, uniqueId } from "../helpers/redis.js";

const DEPTH = 10_000;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "resolved",
    (error: unknown) => error,
  );
}

/** An instance with one field, then made unreadable by `corrupt`. */
async function corrupted(corrupt: (raw: ReturnType<typeof rawClient>, ns: string) => Promise<unknown>): Promise<{ id: string; ns: string; raw: ReturnType<typeof rawClient> }> {
  const id = uniqueId("unreadable");
  const store = await openMemory(id);
  store.title = "kept";
  await store.$flush();
  const raw = rawClient();
  await corrupt(raw, store.$key);
  return { id, ns: store.$key, raw };
}

const corruptions = [
  {
    name: `a value nested ${DEPTH} deep`,
    corrupt: (raw: ReturnType<typeof rawClient>, ns: string) => raw.hset(`${ns}:root`, "deep", "[".repeat(DEPTH) + "]".repeat(DEPTH)),
  },
  {
    name: `a chain of ${DEPTH} containers`,
    corrupt: async (raw: ReturnType<typeof rawClient>, ns: string) => {
      const multi = raw.multi();
      for (let i = 0; i < DEPTH; i++) {
        multi.hset(`${ns}:n:chain${i}`, "next", i + 1 < DEPTH ? `@d:chain${i + 1}` : "1");
        multi.hset(`${ns}:meta`, `n:chain${i}`, "d1");
      }
      multi.hset(`${ns}:root`, "chain", "@d:chain0");
      await multi.exec();
    },
  },
  {
    name: "ns:meta of the wrong type",
    corrupt: (raw: ReturnType<typeof rawClient>, ns: string) => raw.multi().del(`${ns}:meta`).set(`${ns}:meta`, "not a hash").exec(),
  },
];

describe("loading data JavaScript cannot hold", () => {
  it.each(corruptions)("open() rejects with CorruptDataError for $name, and Redis keeps it", async ({ corrupt }) => {
    const { id, ns, raw } = await corrupted(corrupt);
    // The log key may expire meanwhile (it lives `log.maxAgeMs` after the last batch): the data keys are compared.
    const dataKeys = async (): Promise<Record<string, unknown>> => Object.fromEntries(Object.entries(await snapshot(raw, ns)).filter(([key]) => !key.endsWith(":log")));
    const before = await dataKeys();
    const error = await rejection(openMemory(id));
    expect(error).toBeInstanceOf(CorruptDataError);
    expect((error as CorruptDataError).key.startsWith(ns)).toBe(true);
    expect(await dataKeys()).toEqual(before);
  });

  it.each(corruptions)("a live store's reload reports CorruptDataError for $name", async ({ corrupt }) => {
    const id = uniqueId("unreadable-live");
    const store = await openMemory(id, { live: true });
    store.title = "kept";
    await store.$flush();
    const errors: unknown[] = [];
    store.$on("error", (error) => errors.push(error));
    await corrupt(rawClient(), store.$key);
    const refreshed = await rejection(store.$refresh());
    expect(refreshed).toBeInstanceOf(CorruptDataError);
    expect(errors.every((error) => error instanceof RedisMemoryError)).toBe(true);
  });
});
