// Many v1 instances of the bench board at once. One is written through the v1 store;
// the others are copies of its keys (DUMP/RESTORE) with their own root fields, which is
// what the store would write, made in pipelines rather than 100k opens (setup is not
// what the figure measures).
import { isDeepStrictEqual } from "node:util";
import type { Redis } from "ioredis";
import { Board as V1 } from "./stores/v1/board.js";

const SUFFIXES = [":root", ":meta"] as const;

/** `count` v1 instances `b0..` under `prefix` (name "board <i>", two tags, two cards). */
export async function v1Instances(redis: Redis, url: string, prefix: string, count: number): Promise<void> {
  const template = await V1.open({ redis: url, prefix, id: "template", live: false, init: { name: "" } });
  template.tags = [];
  template.cards = [];
  await template.$close();
  const ns = template.$key;
  const dumps = await Promise.all(SUFFIXES.map((s) => redis.dumpBuffer(`${ns}${s}`)));
  await redis.del(...SUFFIXES.map((s) => `${ns}${s}`), `${ns}:log`);
  for (let from = 0; from < count; from += 1000) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(count, from + 1000); i++) {
      const at = `${prefix}{Board:b${i}}`;
      SUFFIXES.forEach((s, n) => pipeline.restore(`${at}${s}`, 0, dumps[n]!, "REPLACE"));
      pipeline.hset(
        `${at}:root`,
        "name", JSON.stringify(`board ${i}`),
        "tags", JSON.stringify([`t${i % 7}`, "all"]),
        "cards", JSON.stringify([{ text: `card ${i}` }, { text: "second" }]),
      );
    }
    await pipeline.exec();
  }
  const check = await V1.open({ redis: url, prefix, id: "b1", live: false });
  const expected = { name: "board 1", tags: ["t1", "all"], cards: [{ text: "card 1" }, { text: "second" }], count: 0 };
  if (!isDeepStrictEqual(check.$asdict(), expected)) throw new Error(`migrate bench: the copies differ from what V1 writes: ${JSON.stringify(check.$asdict())}`);
  await check.$close();
}

/** How many of `count` instances are at schema version 2 in ns:meta. */
export async function migratedCount(redis: Redis, prefix: string, count: number): Promise<number> {
  let migrated = 0;
  for (let from = 0; from < count; from += 1000) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(count, from + 1000); i++) pipeline.hget(`${prefix}{Board:b${i}}:meta`, "v");
    for (const [, v] of (await pipeline.exec())!) if (v === "2") migrated++;
  }
  return migrated;
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== "0");
}
