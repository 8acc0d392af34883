// A closed store leaves nothing of its own in ns:meta: its exactly-once marker and the
// results remembered for its resends go with it (stores opened per request must not grow meta).
import { describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { rawClient, redisUrl, uniqueId } from "../helpers/redis.js";

describe("$close()", () => {
  it("removes the store's marker and remembered results from ns:meta", async () => {
    const id = uniqueId("forget");
    for (let i = 0; i < 3; i++) {
      const mem = await Memory.open({ redis: redisUrl(), id, live: false });
      await mem.$incr("counter");
      await mem.$close();
    }
    const raw = rawClient();
    const fields = await raw.hkeys(`memory:{Memory:${id}}:meta`);
    expect(fields.filter((field) => field.startsWith("c:") || field.startsWith("r:"))).toEqual([]);
    expect(await raw.hget(`memory:{Memory:${id}}:root`, "counter")).toBe("3");
  });

  it("of a store that only read leaves ns:meta as it found it", async () => {
    const id = uniqueId("reader");
    const raw = rawClient();
    const writer = await Memory.open({ redis: redisUrl(), id, live: false });
    await writer.$incr("counter");
    const before = await raw.hgetall(`memory:{Memory:${id}}:meta`);
    const reader = await Memory.open({ redis: redisUrl(), id, live: false });
    expect(reader.counter).toBe(1);
    await reader.$close();
    expect(await raw.hgetall(`memory:{Memory:${id}}:meta`)).toEqual(before);
    await writer.$close();
  });
});
