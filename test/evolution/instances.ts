// Many v1 instances of the test Board at once, and what Redis holds for them.
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { Board as V1 } from "./stores/v1/board.js";
import { rawClient, redisUrl } from "../helpers/redis.js";

/**
 * `count` v1 instances under a prefix of their own (`b<i>`: name "board <i>", tags
 * ["t<i % 7>"], one card "card <i>"); returns the prefix. A few are opened and written
 * through V1; the rest are copies of their keys (DUMP/RESTORE), which is what they would
 * hold, made in one pipeline rather than 10k opens.
 */
export async function v1Instances(count: number): Promise<string> {
  const prefix = `bulk-${randomUUID().slice(0, 8)}:`;
  const redis = rawClient();
  const template = await V1.open({ redis: redisUrl(), prefix, id: "template", live: false, init: { name: "" } });
  template.tags = [];
  template.cards = [];
  await template.$close();
  const ns = template.$key;
  const suffixes = [":root", ":meta"];
  const dumps = await Promise.all(suffixes.map((s) => redis.dumpBuffer(`${ns}${s}`)));
  await redis.del(...suffixes.map((s) => `${ns}${s}`), `${ns}:log`);
  for (let from = 0; from < count; from += 1000) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(count, from + 1000); i++) {
      const at = `${prefix}{Board:b${i}}`;
      suffixes.forEach((s, n) => pipeline.restore(`${at}${s}`, 0, dumps[n]!));
      pipeline.hset(`${at}:root`, "name", JSON.stringify(`board ${i}`), "tags", JSON.stringify([`t${i % 7}`]), "cards", JSON.stringify([{ text: `card ${i}` }]));
    }
    await pipeline.exec();
  }
  // What the copies hold is what V1 writes: one opened and checked through the store.
  const check = await V1.open({ redis: redisUrl(), prefix, id: "b1", live: false });
  if (!isDeepStrictEqual(check.$asdict(), { name: "board 1", tags: ["t1"], cards: [{ text: "card 1" }], count: 0 })) throw new Error(`copies differ: ${JSON.stringify(check.$asdict())}`);
  await check.$close();
  return prefix;
}

/** Every instance's root and meta, straight from Redis. */
export async function snapshot(prefix: string, count: number): Promise<{ roots: Record<string, string>[]; metas: Record<string, string>[] }> {
  const redis = rawClient();
  const pipeline = redis.pipeline();
  for (let i = 0; i < count; i++) {
    pipeline.hgetall(`${prefix}{Board:b${i}}:root`);
    pipeline.hgetall(`${prefix}{Board:b${i}}:meta`);
  }
  const replies = (await pipeline.exec())!.map(([, value]) => value as Record<string, string>);
  return { roots: replies.filter((_, i) => i % 2 === 0), metas: replies.filter((_, i) => i % 2 === 1) };
}

