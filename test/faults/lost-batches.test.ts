// Redis may lose batches it acknowledged (a failover to a replica that had not got
// them, a restart from an older snapshot): the store's next batch then follows one that
// Redis no longer holds. It is refused (nothing applied), and the store goes on from
// what Redis holds instead of refusing every later batch.
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { storeInternals } from "../../runtime/store.js";
import { openMemory, rawClient, uniqueId } from "../helpers/redis.js";

describe("batches Redis lost after acknowledging them", () => {
  it("the next batch is refused, the store reloads, and later batches apply", async () => {
    const id = uniqueId("lost-batches");
    const store = await openMemory(id);
    store.a = 1;
    await store.$flush();
    const before = await rawClient().hgetall(`${store.$key}:meta`);
    store.b = 2;
    await store.$flush();
    // What a failover that lost the last batch leaves: the exactly-once marker (and the data) of before it.
    const raw = rawClient();
    const marker = `c:${storeInternals(store).replica.clientId}`;
    await raw.hset(`${store.$key}:meta`, marker, before[marker]!);
    await raw.hdel(`${store.$key}:root`, "b");

    store.c = 3;
    const error = await store.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect(await raw.hget(`${store.$key}:root`, "c")).toBeNull();
    store.d = 4;
    await store.$flush();
    expect((await openMemory(id)).$asdict()).toEqual({ a: 1, d: 4 });
    expect(store.$asdict()).toEqual({ a: 1, d: 4 });
  });
});
