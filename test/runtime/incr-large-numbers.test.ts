// Increments of numbers past what Redis' integer increment takes: applied exactly as
// JSON numbers (or refused whole), never failing half-way through a batch.
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { openMemory, rawClient, uniqueId } from "../helpers/redis.js";

describe("$incr of large numbers", () => {
  it("adds to an integer beyond 64 bits in the same batch as another write", async () => {
    const id = uniqueId("incr-big");
    const mem = await openMemory(id);
    mem.big = 1e19;
    mem.title = "before";
    await mem.$flush();
    mem.title = "after";
    const value = mem.$incr("big", 1);
    await mem.$flush();
    expect(await value).toBe(1e19 + 1);
    expect((await openMemory(id)).$asdict()).toEqual({ big: 1e19, title: "after" });
  });

  it("adds to an integer beyond 2^53 as JSON numbers add (doubles), so Redis, the replica and plain arithmetic agree", async () => {
    const id = uniqueId("incr-double");
    const mem = await openMemory(id);
    const start = -53453404896375530;
    mem.n = start;
    await mem.$flush();
    expect(await mem.$incr("n", 5)).toBe(start + 5);
    expect((await openMemory(id)).n).toBe(start + 5);
  });

  it("adds fractions as JS adds doubles (0.1 + 0.2), in the replica and in Redis", async () => {
    const id = uniqueId("incr-fraction");
    const mem = await openMemory(id);
    mem.n = 0.1;
    await mem.$flush();
    expect(await mem.$incr("n", 0.2)).toBe(0.1 + 0.2);
    expect(mem.n).toBe(0.1 + 0.2);
    expect(Number(JSON.parse((await rawClient().hget(`${mem.$key}:root`, "n"))!))).toBe(0.1 + 0.2);
    expect((await openMemory(id)).n).toBe(0.1 + 0.2);
  });

  it("adds to any finite number whose sum stays finite (1e305 + 5, -1.7e308 - 1e292)", async () => {
    const id = uniqueId("incr-near-max");
    const mem = await openMemory(id);
    mem.a = 1e305;
    mem.b = -1.7e308;
    await mem.$flush();
    const a = mem.$incr("a", 5);
    const b = mem.$incr("b", -1e292);
    await mem.$flush();
    expect([await a, await b]).toEqual([1e305 + 5, -1.7e308 - 1e292]);
    expect((await openMemory(id)).$asdict()).toEqual({ a: 1e305 + 5, b: -1.7e308 - 1e292 });
  });

  it("an increment that would leave the finite numbers is refused with nothing of its batch applied", async () => {
    const id = uniqueId("incr-inf");
    const mem = await openMemory(id);
    mem.huge = 1;
    mem.title = "before";
    await mem.$flush();
    // Another writer makes it large; this store's replica still holds 1.
    const other = await openMemory(id);
    other.huge = 1.7e308;
    await other.$flush();
    mem.title = "after";
    const value = mem.$incr("huge", 1.7e308);
    await expect(value).rejects.toBeInstanceOf(WriteError);
    await expect(mem.$flush()).rejects.toBeInstanceOf(WriteError);
    expect(await rawClient().hget(`${mem.$key}:root`, "title")).toBe(JSON.stringify("before"));
  });
});
