// What a worker or API pod needs around reads and writes: `await using`, unknown
// options refused, stores that take no undeclared property, expiry as a whole, and
// listing and existence of instances.
import { describe, expect, it } from "vitest";
import { Memory, OptionsError, UsageError } from "redis-memory";
import { AgentMemory } from "../../generated/index.js";
import { App, dumpInstance, openApp, openMemory, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

describe("await using", () => {
  it("closes the store at the end of the block", async () => {
    const id = uniqueId("using");
    let closed: App | undefined;
    {
      await using app = await App.open({ redis: redisUrl(), id });
      app.title = "written";
      closed = app;
    }
    expect(() => {
      closed!.title = "after";
    }).toThrow(/closed/);
    expect((await openApp(id)).title).toBe("written");
  });
});

describe("open() options", () => {
  it("refuses an unknown option, naming it and the one meant", async () => {
    const error = await App.open({ redis: redisUrl(), liv: false } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).message).toMatch(/`liv`.*did you mean `live`/);
  });
});

describe("typed stores are not extensible", () => {
  it("assigning a property the schema does not declare throws and persists nothing", async () => {
    const id = uniqueId("closed");
    const app = await openApp(id);
    expect(() => {
      (app as unknown as Record<string, unknown>).sumary = "typo";
    }).toThrow(UsageError);
    await app.$flush();
    expect(await rawClient().hget(`${app.$key}:root`, "sumary")).toBeNull();
  });
});

describe("ttl", () => {
  it("gives every key of the instance the same expiry, and each batch slides it", async () => {
    const id = uniqueId("ttl");
    const app = await openApp(id, { ttl: 60_000 });
    app.tasks.push(1);
    app.config.theme = "dark";
    await app.$flush();
    const raw = rawClient();
    const keys = Object.keys(await dumpInstance(raw, app.$key)).concat(`${app.$key}:meta`);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    const expiries = await Promise.all(keys.map((key) => raw.call("PEXPIRETIME", key) as Promise<number>));
    expect(new Set(expiries).size).toBe(1);
    expect(expiries[0]).toBeGreaterThan(0);
    const ttl = (await app.$ttl())!;
    expect(ttl).toBeGreaterThan(50_000);
    // Less than 90% of the ttl left (as if 30 s passed: the keys' expiry and the time
    // ns:meta records for it, field x): the next batch sets it again for every key.
    for (const key of keys) await raw.pexpire(key, 30_000);
    await raw.hset(`${app.$key}:meta`, "x", String(await raw.call("PEXPIRETIME", `${app.$key}:meta`)));
    app.tasks.push(2);
    await app.$flush();
    const after = await Promise.all(keys.map((key) => raw.call("PEXPIRETIME", key) as Promise<number>));
    expect(new Set(after).size).toBe(1);
    expect(after[0]!).toBeGreaterThan(expiries[0]! - 30_000 + 25_000);
  });

  it("an instance without ttl has no expiry", async () => {
    const app = await openApp(uniqueId("no-ttl"));
    app.title = "x";
    await app.$flush();
    expect(await app.$ttl()).toBeUndefined();
  });

  it("a live store sees its instance expire as a whole and holds the new instance", async () => {
    const id = uniqueId("expire");
    const writer = await openApp(id, { ttl: 400 });
    writer.title = "gone soon";
    await writer.$flush();
    const live = await openApp(id, { live: true });
    const statuses: string[] = [];
    live.$on("status", (event) => statuses.push(event.status));
    expect(live.title).toBe("gone soon");
    await expect.poll(() => statuses, { timeout: 10_000 }).toContain("expired");
    expect(live.title).toBeUndefined();
    expect(live.tasks.aslist()).toEqual([]);
  });
});

describe("exists() and ids()", () => {
  it("lists exactly the instances of a store under a prefix", async () => {
    const prefix = `ids-${uniqueId()}:`;
    const ids = Array.from({ length: 25 }, (_, i) => `conv-${i}`);
    for (const id of ids) {
      const app = track(await App.open({ redis: redisUrl(), prefix, id }));
      app.title = id;
      await app.$flush();
    }
    // Another store under the same prefix is not listed.
    const other = await openMemory("conv-x", { prefix });
    other.a = 1;
    await other.$flush();
    const listed: string[] = [];
    for await (const id of App.ids({ redis: redisUrl(), prefix })) listed.push(id);
    expect(listed.sort()).toEqual([...ids].sort());
    expect(await App.exists({ redis: redisUrl(), prefix, id: "conv-3" })).toBe(true);
    expect(await App.exists({ redis: redisUrl(), prefix, id: "conv-99" })).toBe(false);
    expect(await Memory.exists({ redis: redisUrl(), prefix, id: "conv-x" })).toBe(true);
  });
});

describe("$delete()", () => {
  it("the store then shows a new instance (defaults and init), written only with the next write", async () => {
    const id = uniqueId("deleted");
    const raw = rawClient();
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, init: { conversationId: "c1" } }));
    mem.messages.push({ role: "user", content: "before" });
    mem.turns = 3;
    await mem.$flush();
    await mem.$delete();
    const fresh = { messages: [], summary: null, facts: {}, turns: 0, conversationId: "c1" };
    expect(mem.$asdict()).toEqual(fresh);
    await mem.$flush();
    expect(await raw.keys(`${mem.$key}*`)).toEqual([]);
    mem.messages.push({ role: "user", content: "after" });
    await mem.$flush();
    const reopened = await AgentMemory.open({ redis: redisUrl(), id, live: false });
    expect(reopened.$asdict()).toEqual({ ...fresh, messages: [{ role: "user", content: "after" }] });
    await reopened.$close();
  });

  it("followed by $close() leaves nothing in Redis", async () => {
    const id = uniqueId("deleted-closed");
    const mem = await AgentMemory.open({ redis: redisUrl(), id, live: false, init: { conversationId: "c1" } });
    mem.messages.push({ role: "user", content: "before" });
    await mem.$delete();
    await mem.$close();
    expect(await rawClient().keys(`${mem.$key}*`)).toEqual([]);
  });
});
