// Records of a loaded list are parsed once and become synced dicts when first read:
// each read gives the same object, and writes through what was read reach Redis.
import { DetachedError } from "redis-memory";
import { describe, expect, it } from "vitest";
import { dumpInstance, openMemory, rawClient, uniqueId } from "../helpers/redis.js";

/** The key of the instance's list container (the only list key of the instance). */
async function listKey(ns: string): Promise<string> {
  const dump = await dumpInstance(rawClient(), ns);
  const keys = Object.keys(dump).filter((key) => Array.isArray(dump[key]));
  expect(keys).toHaveLength(1);
  return keys[0]!;
}

describe("SyncedList of loaded records", () => {
  it("gives the same synced dict on every read (for...of, index, map) and writes through it persist", async () => {
    const id = uniqueId("loaded");
    const writer = await openMemory(id);
    writer.messages = Array.from({ length: 50 }, (_, i) => ({ role: i % 2 ? "user" : "assistant", content: `m${i}` }));
    // A list this large is a container of its own once written: make sure it is.
    writer.messages.push({ role: "user", content: "last" });
    await writer.$close();

    const reader = await openMemory(id);
    const seen = [...reader.messages];
    expect(reader.messages[3]).toBe(seen[3]);
    expect(reader.messages.map((m: unknown) => m)).toEqual(seen);
    reader.messages.map((m: unknown, i: number) => expect(m).toBe(seen[i]));
    for (const m of reader.messages) m.content = `${m.content}!`;
    await reader.$flush();

    const again = await openMemory(id);
    expect(again.messages.map((m: { content: string }) => m.content)).toEqual([...Array.from({ length: 50 }, (_, i) => `m${i}!`), "last!"]);
  });

  it("a record read, then removed (splice, pop, clear), is detached: a write through it throws DetachedError and reaches nothing", async () => {
    const id = uniqueId("loaded-detach");
    const writer = await openMemory(id);
    writer.messages = Array.from({ length: 6 }, (_, i) => ({ role: "user", content: `m${i}` }));
    await writer.$close();

    const reader = await openMemory(id);
    const [first, second, , , , last] = [...reader.messages];
    expect(reader.messages.splice(1, 1)).toEqual([{ role: "user", content: "m1" }]);
    expect(() => (second.content = "late")).toThrow(DetachedError);
    reader.messages.pop();
    expect(() => (last.content = "late")).toThrow(DetachedError);
    first.content = "kept";
    await reader.$flush();
    const contents = async (): Promise<string[]> => (await openMemory(id)).messages.map((m: { content: string }) => m.content);
    expect(await contents()).toEqual(["kept", "m2", "m3", "m4"]);

    const [, third] = [...reader.messages];
    reader.messages.clear();
    expect(() => (third.content = "after clear")).toThrow(DetachedError);
    await reader.$flush();
    expect(await contents()).toEqual([]);
  });

  it("reads records as JSON.parse gives them: key order, __proto__ as data, -0 as 0", async () => {
    const id = uniqueId("loaded-edges");
    const writer = await openMemory(id);
    writer.records = [{ a: 1 }, { a: 2 }, { a: 3 }];
    writer.records.push({ a: 4 });
    await writer.$close();
    const key = await listKey(writer.$key);
    const texts = ['{"b":1,"__proto__":{"x":1},"a":2}', '{"7":"seven","z":1,"a":[1,{"k":0}]}', '{"n":-0,"s":"x"}'];
    const redis = rawClient();
    for (let i = 0; i < texts.length; i++) await redis.lset(key, i, texts[i]!);

    const mem = await openMemory(id);
    const [first, second, third] = mem.records;
    expect(Object.keys(first)).toEqual(["b", "__proto__", "a"]);
    expect(Object.getOwnPropertyDescriptor(first, "__proto__")?.value).toEqual({ x: 1 });
    expect("toString" in first).toBe(false);
    expect(first.__proto__.x).toBe(1);
    expect(Object.keys(second)).toEqual(["7", "z", "a"]);
    expect(Object.is(third.n, 0)).toBe(true);
    // -0 reads as 0 (what its JSON text says).
    expect(mem.records.aslist()).toEqual(JSON.parse(`[${texts.join(",").replace(/-0/g, "0")},{"a":4}]`));

    // Writes through them land in Redis (the texts written here are as this library writes them).
    first.__proto__.x = 2;
    second.a[1].k = 5;
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(JSON.parse(JSON.stringify(fresh.records.aslist()))).toEqual([{ b: 1, ["__proto__"]: { x: 2 }, a: 2 }, { z: 1, 7: "seven", a: [1, { k: 5 }] }, { n: 0, s: "x" }, { a: 4 }].map((value) => JSON.parse(JSON.stringify(value)) as unknown));
  });
});
