// History: with `"x-redis-memory": { "history" }` (or the `history` open option) every
// batch is kept in the instance's log within its bounds, whether or not anyone listens,
// and `$history()` reads it back as { seq, at, writer, changes }.
import { describe, expect, it } from "vitest";
import { Memory, UsageError, type HistoryEntry } from "../../runtime/index.js";
import { openStore, type StoreSchema } from "../../runtime/index.js";
import { Store } from "../../runtime/index.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

async function all(iterable: AsyncIterable<HistoryEntry>): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

async function memory(id: string, options: Parameters<typeof Memory.open>[0] = {}): Promise<Memory & Record<string, any>> {
  return track(await Memory.open({ redis: redisUrl(), id, live: false, history: true, ...options })) as Memory & Record<string, any>;
}

describe("$history()", () => {
  it("yields every acknowledged batch in order, with its writer and its changes as paths and values", async () => {
    const id = uniqueId("hist");
    const a = await memory(id, { writer: "worker-a" });
    a.messages = [];
    a.settings = { theme: "light" };
    await a.$flush();
    const b = await memory(id, { writer: "worker-b" });
    b.messages.push({ role: "user", content: "hi" });
    await b.$flush();
    a.settings.theme = "dark";
    delete a.settings.theme;
    await a.$flush();
    await b.$incr("turns", 2);
    b.messages.splice(0, 1, { role: "assistant", content: "hello" }, { role: "user", content: "x" });
    b.messages.pop();
    await b.$flush();

    const entries = await all(a.$history());
    const raw = rawClient();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.at(-1)!.seq).toBe(Number(await raw.hget(`${a.$key}:meta`, "seq")));
    expect(entries.map((e) => e.writer)).toEqual(["worker-a", "worker-b", "worker-a", "worker-b", "worker-b"]);
    for (const e of entries) expect(e.complete).toBe(true);
    expect(entries[1]!.changes).toEqual([{ path: ["messages"], op: "push", values: [{ role: "user", content: "hi" }] }]);
    expect(entries[2]!.changes).toEqual([
      { path: ["settings", "theme"], op: "set", value: "dark" },
      { path: ["settings", "theme"], op: "del" },
    ]);
    expect(entries[3]!.changes).toEqual([{ path: ["turns"], op: "incr", by: 2, value: 2 }]);
    expect(entries[4]!.changes).toEqual([
      { path: ["messages"], op: "splice", index: 0, count: 1, values: [{ role: "assistant", content: "hello" }, { role: "user", content: "x" }] },
      { path: ["messages"], op: "pop", count: 1 },
    ]);
    // Redis' clock, in order.
    const ats = entries.map((e) => e.at);
    expect([...ats].sort((x, y) => x - y)).toEqual(ats);
    const [seconds] = (await raw.time()) as unknown as [string, string];
    expect(Math.abs(ats.at(-1)! - Number(seconds) * 1000)).toBeLessThan(60_000);
  });

  it("starts at `from` and stops after `limit`", async () => {
    const mem = await memory(uniqueId("page"));
    for (let i = 0; i < 450; i++) {
      mem.n = i;
      await mem.$flush();
    }
    const some = await all(mem.$history({ from: 200, limit: 250 }));
    expect(some.map((e) => e.seq)).toEqual(Array.from({ length: 250 }, (_, i) => 200 + i));
    expect(some[0]!.changes).toEqual([{ path: ["n"], op: "set", value: 199 }]);
  });

  it("keeps at most maxEntries entries in Redis, the newest", async () => {
    const mem = await memory(uniqueId("bound"), { history: { maxEntries: 5 } });
    for (let i = 0; i < 12; i++) {
      mem.n = i;
      await mem.$flush();
    }
    expect((await all(mem.$history())).map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(await rawClient().xlen(`${mem.$key}:log`)).toBe(5);
  });

  it("drops entries older than maxAgeMs at the next batch", async () => {
    const mem = await memory(uniqueId("age"), { history: { maxAgeMs: 150 } });
    mem.n = 1;
    await mem.$flush();
    await new Promise((resolve) => setTimeout(resolve, 400));
    mem.n = 2;
    await mem.$flush();
    expect((await all(mem.$history())).map((e) => e.seq)).toEqual([2]);
  });

  it("keeps the log with the instance: no expiry without ttl, the instance's expiry with it", async () => {
    const raw = rawClient();
    const kept = await memory(uniqueId("persist"), { log: { maxAgeMs: 50 } });
    kept.n = 1;
    await kept.$flush();
    expect(await raw.pttl(`${kept.$key}:log`)).toBe(-1);
    const expiring = await memory(uniqueId("ttl"), { ttl: 60_000 });
    expiring.n = 1;
    await expiring.$flush();
    const [logAt, metaAt] = await Promise.all([raw.call("PEXPIRETIME", `${expiring.$key}:log`), raw.call("PEXPIRETIME", `${expiring.$key}:meta`)]);
    expect(Number(metaAt)).toBeGreaterThan(0);
    expect(logAt).toBe(metaAt);
  });

  it("is off unless the schema or the options turn it on, and says how to turn it on", async () => {
    const mem = track(await Memory.open({ redis: redisUrl(), id: uniqueId("off"), live: false })) as Memory & Record<string, any>;
    mem.n = 1;
    await mem.$flush();
    expect(() => mem.$history()).toThrow(UsageError);
    expect(() => mem.$history()).toThrow(/history: true/);
  });

  it("is turned on by the schema's annotation, and the open option can turn it off", async () => {
    class Notes extends Store<{ n?: number }> {
      static readonly schema: StoreSchema = { name: "Notes", shape: { kind: "dict", additional: { kind: "any" } }, history: { maxEntries: 3 } };
    }
    const id = uniqueId("schema");
    const notes = track(await openStore(Notes, { redis: redisUrl(), id, live: false })) as unknown as Notes & { $set(k: string, v: unknown): void };
    for (let i = 0; i < 5; i++) {
      notes.$set("n", i);
      await notes.$flush();
    }
    expect((await all(notes.$history())).map((e) => e.seq)).toEqual([3, 4, 5]);
    const off = track(await openStore(Notes, { redis: redisUrl(), id, live: false, history: false }));
    expect(() => off.$history()).toThrow(UsageError);
  });

  it("reports batches too large to keep whole by the containers they wrote", async () => {
    const mem = await memory(uniqueId("large"), { log: { maxOpsBytes: 64 } });
    mem.items = [];
    await mem.$flush();
    mem.items.push("x".repeat(200));
    mem.items.push("y".repeat(200));
    await mem.$flush();
    const entries = await all(mem.$history());
    // The list became a container of its own in this batch: the root (its reference) changed too.
    expect({ ...entries[1], at: 0 }).toEqual({ seq: 2, at: 0, writer: expect.any(String), complete: false, changes: [], touched: [[], ["items"]] });
  });

  it("refuses a bad history option by name", async () => {
    await expect(Memory.open({ redis: redisUrl(), id: uniqueId("bad"), history: { maxEntries: 0 } })).rejects.toThrow(/history\.maxEntries/);
    await expect(Memory.open({ redis: redisUrl(), id: uniqueId("bad"), history: { keep: 3 } as never })).rejects.toThrow(/history\.keep/);
  });
});
