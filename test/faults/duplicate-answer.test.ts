// A batch whose reply is lost is answered as a duplicate when sent again; that answer
// must carry what the store learns from a batch: the epoch of the instance it created
// (otherwise later batches carry none and go unchecked), whether it skipped a
// set-if-absent write (otherwise the replica keeps a value Redis does not hold), and
// the instance's expiry (otherwise a live store never sees it expire).
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { APPLY_EVAL, APPLY_FUNCTION, APPLY_SHA } from "../../runtime/batch-script.js";
import { setField } from "../../runtime/dict.js";
import { rootNode } from "../../runtime/store.js";
import { FaultProxy, type RequestMatch } from "../helpers/proxy.js";
import { openMemory, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";

/** A call of the batch script: FCALL of its function, or its EVAL form (EVAL the first time on a connection, EVALSHA after). */
const batchCall: RequestMatch = (request) =>
  (request.command === "FCALL" && request.args[0] === APPLY_FUNCTION) ||
  (request.command === "EVALSHA" && request.args[0] === APPLY_SHA) || (request.command === "EVAL" && request.args[0] === APPLY_EVAL);

describe("the creating batch's reply lost", () => {
  it("the store learns the epoch from the duplicate answer: after the instance is deleted its writes are refused", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("lost-create");
    const store = await openMemory(id, { redis: proxy.url });
    const dropped = proxy.dropReply(batchCall);
    store.title = "created";
    await store.$flush();
    await dropped;
    const raw = rawClient();
    expect(await raw.hget(`${store.$key}:root`, "title")).toBe(JSON.stringify("created"));

    // Another process deletes the instance; this store does not know.
    const other = await openMemory(id);
    await other.$delete();
    store.late = "queued across the deletion";
    const error = await store.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("epoch");
    expect(await raw.exists(`${store.$key}:root`, `${store.$key}:meta`)).toBe(0);
  });
});

describe("a set-if-absent batch's reply lost", () => {
  it("the duplicate answer says the write was skipped: the store reloads and shows the other writer's value", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("lost-setnx");
    const store = await openMemory(id, { redis: proxy.url });
    store.title = "created";
    await store.$flush();
    const other = await openMemory(id);
    other.field = "theirs";
    await other.$flush();
    // What filling a default does: set only if absent (this store does not know `other` wrote it).
    const dropped = proxy.dropReply(batchCall);
    setField(rootNode(store), "field", "mine", true);
    await store.$flush();
    await dropped;
    expect(await rawClient().hget(`${store.$key}:root`, "field")).toBe(JSON.stringify("theirs"));
    expect(store.field).toBe("theirs");
  });
});

describe("a batch of a store with ttl whose reply was lost", () => {
  it("the duplicate answer gives the instance's expiry: a live store still sees the instance expire", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const id = uniqueId("lost-ttl");
    const store = await openMemory(id, { redis: proxy.url, live: true, ttl: 300 });
    const statuses: string[] = [];
    store.$on("status", (event) => statuses.push(event.status));
    const dropped = proxy.dropReply(batchCall);
    store.title = "expires";
    await store.$flush();
    await dropped;
    expect(await rawClient().hget(`${store.$key}:root`, "title")).toBe(JSON.stringify("expires"));
    await expect.poll(() => statuses, { timeout: 10_000 }).toContain("expired");
    expect(store.title).toBeUndefined();
  });
});
