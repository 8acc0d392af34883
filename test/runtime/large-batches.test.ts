// Batches and instances past the few thousand values Lua's unpack() takes at once:
// they apply whole (or are deleted whole), never half-way under a WriteError.
import { describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { openMemory, orphanKeys, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";

describe("batches larger than Lua's unpack limit", () => {
  it("one batch that changes 4,100 inline records in place applies whole, and the instance opens again", async () => {
    const id = uniqueId("many-promotes");
    const mem = await openMemory(id);
    mem.messages = [];
    for (let i = 0; i < 4_100; i++) mem.messages.push({ i });
    await mem.$flush();
    for (const message of mem.messages) message.read = true;
    await mem.$flush();
    const expected = Array.from({ length: 4_100 }, (_, i) => ({ i, read: true }));
    const fresh = await Memory.open({ redis: redisUrl(), id, live: false });
    expect(fresh.$asdict()).toEqual({ messages: expected });
    await fresh.$close();
    expect(await orphanKeys(rawClient(), mem.$key)).toEqual([]);
  });

  it("appending to an inline list of 9,000 elements turns it into a container", async () => {
    const id = uniqueId("big-promote");
    const mem = await openMemory(id);
    mem.big = Array.from({ length: 9_000 }, (_, i) => i);
    await mem.$flush();
    mem.big.push(-1);
    await mem.$flush();
    const stored = await rawClient().hget(`${mem.$key}:root`, "big");
    expect(stored).toMatch(/^@l:/);
    expect(await rawClient().llen(`${mem.$key}:n:${stored!.slice(3)}`)).toBe(9_001);
  });

  it("$delete() removes an instance of 8,100 containers", async () => {
    const id = uniqueId("big-delete");
    const mem = await openMemory(id);
    mem.messages = [];
    for (let i = 0; i < 8_100; i++) mem.messages.push({ i });
    await mem.$flush();
    for (let from = 0; from < 8_100; from += 2_000) {
      for (let i = from; i < Math.min(from + 2_000, 8_100); i++) mem.messages[i].read = true;
      await mem.$flush();
    }
    await mem.$delete();
    expect(await rawClient().keys(`${mem.$key.replace(/[*?[\]\\]/g, "\\$&")}:*`)).toEqual([]);
  });
});
