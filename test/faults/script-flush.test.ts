// Fault tests: the server loses the batch script while batches are in flight (a flush,
// a restart without persistence, a failover to a server that never had it). Both of its
// forms (runtime/batch-script.ts): the EVAL script, which ioredis resends as EVAL on
// NOSCRIPT, and the function library, which the client loads again on "Function not
// found" and calls again. Either resend can come after later batches of the same client
// ran: the batches must still apply once each, in the client's order.
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { FaultProxy, type RequestMatch } from "../helpers/proxy.js";
import { openApp, orphanKeys, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { TENANT_COMMANDS, tenantUser } from "../helpers/servers.js";
import { containerKey, appliedBatches } from "../helpers/inspect.js";

interface Form {
  readonly name: string;
  /** The URL the store writes through: a user who may not run FCALL takes the EVAL form. */
  url(id: string): Promise<string>;
  flush(raw: Redis): Promise<unknown>;
  readonly call: RequestMatch;
}

const FORMS: readonly Form[] = [
  {
    name: "the EVAL script, SCRIPT FLUSH",
    url: async (id) => (await tenantUser(redisUrl(), [`memory:{App:${id}`], [...TENANT_COMMANDS, "-fcall"])).url,
    flush: (raw) => raw.script("FLUSH"),
    call: (request) => request.command === "EVALSHA" || request.command === "EVAL",
  },
  {
    name: "the function library, FUNCTION FLUSH",
    url: async () => redisUrl(),
    flush: (raw) => raw.call("FUNCTION", "FLUSH"),
    call: (request) => request.command === "FCALL",
  },
];

describe.each(FORMS)("$name with batches in flight", (form) => {
  it("two batches of one client, another client reloading the script between them, apply once, in order", async () => {
    const id = uniqueId("noscript");
    const proxy = await FaultProxy.start(await form.url(id));
    const scriptCall = form.call;
    const store = await openApp(id, { redis: proxy.url });
    store.tasks = [];
    await store.$flush();
    const otherId = uniqueId("reloader");
    const other = await openApp(otherId, { redis: await form.url(otherId) });
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    await form.flush(raw);
    proxy.holdReplies(scriptCall);
    // Batch 1 reaches the server and gets NOSCRIPT; the client does not know yet.
    store.tasks.push(1);
    await expect.poll(() => proxy.heldReplies).toBe(1);
    // Another client's batch loads the script again (NOSCRIPT, then EVAL).
    other.title = "reloads the script";
    await other.$flush();
    // Batch 2 finds the script and runs, before batch 1 is resent.
    store.tasks.push(2);
    await expect.poll(() => proxy.heldReplies).toBe(2);
    proxy.releaseReplies();
    await store.$flush();

    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(["1", "2"]);
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 2);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    expect((await openApp(id)).tasks.aslist()).toEqual([1, 2]);
    expect(store.tasks.aslist()).toEqual([1, 2]);
  });

  it("batches after a flush load it again and apply once each", async () => {
    const id = uniqueId("noscript-plain");
    const store = await openApp(id, { redis: await form.url(id) });
    store.tasks = [];
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);
    await form.flush(raw);
    store.tasks.push(1);
    void store.$incr("counter", 2);
    await new Promise((resolve) => setImmediate(resolve));
    store.tasks.push(2);
    expect(await store.$incr("counter", 3)).toBe(5);
    await store.$flush();

    expect(await raw.lrange(await containerKey(raw, store.$key, ["tasks"]), 0, -1)).toEqual(["1", "2"]);
    expect(await raw.hget(`${store.$key}:root`, "counter")).toBe("5");
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 2);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    expect((await openApp(id)).$asdict()).toEqual(store.$asdict());
  });
});
