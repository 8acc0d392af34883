// Hostile input: prototype keys, huge keys and strings, deep nesting, lone
// surrogates, garbage written by hand into the instance's keys.
import { afterEach, describe, expect, it } from "vitest";
import { CorruptDataError, Memory, NotJsonError, Store, openStore, type StoreSchema } from "redis-memory";
import { AppMemory } from "../../generated/index.js";
import { dumpInstance, openMemory, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

const pollution = (): Record<string, unknown> => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');

function expectClean(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty("polluted");
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

afterEach(expectClean);

describe("prototype keys are data", () => {
  const entryPoints: [string, (mem: any) => unknown, (mem: any) => unknown][] = [
    ["dict write", (m) => { m.d.x = pollution(); }, (m) => m.d.x.asdict()],
    ["dict write of the key itself", (m) => { m.d["__proto__"] = { polluted: true }; }, (m) => m.d.asdict()],
    ["list item", (m) => m.list.push(pollution()), (m) => m.list[0].asdict()],
    ["update", (m) => m.d.update(pollution()), (m) => m.d.asdict()],
    ["untyped Memory attribute", (m) => { m["__proto__"] = { polluted: true }; }, (m) => m.$asdict()],
  ];
  for (const [name, write, read] of entryPoints) {
    it(`${name}: stored as own data, Object.prototype untouched, also after a fresh open`, async () => {
      const id = uniqueId("proto");
      const mem = await openMemory(id);
      mem.d = {};
      mem.list = [];
      write(mem);
      expectClean();
      const local = read(mem);
      expect(JSON.stringify(local)).toContain("polluted");
      await mem.$flush();
      const fresh = await openMemory(id);
      expectClean();
      expect(read(fresh)).toEqual(local);
      expect(Object.getPrototypeOf(fresh.d)).not.toHaveProperty("polluted");
    });
  }

  it("keys named __proto__, constructor and prototype round-trip as plain keys", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    mem.d = {};
    for (const key of ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString"]) mem.d[key] = key.length;
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(Object.keys(fresh.d).sort()).toEqual(["__proto__", "constructor", "hasOwnProperty", "prototype", "toString"]);
    expect(fresh.d["__proto__"]).toBe(9);
    expect(fresh.d.toString).toBe(8);
  });
});

describe("sizes and encodings", () => {
  it("stores very long keys and strings", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    const key = "k".repeat(100_000);
    const text = "é€😀".repeat(300_000);
    mem.d = { [key]: text };
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(fresh.d[key]).toBe(text);
  });

  it("round-trips lone surrogates in string values (JSON escapes them)", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    mem.list = ["\ud800", "a\udc00b", "\udbff\udfff"];
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(fresh.list.aslist()).toEqual(["\ud800", "a\udc00b", "\udbff\udfff"]);
  });

  it("rejects a lone surrogate in a key (UTF-8 cannot carry it) and changes nothing", async () => {
    const mem = await openMemory(uniqueId());
    mem.d = { ok: 1 };
    await mem.$flush();
    const before = await dumpInstance(rawClient(), mem.$key);
    expect(() => { mem.d["bad\ud800"] = 1; }).toThrow(NotJsonError);
    expect(() => mem.d.update({ ["x\udfff"]: 1 })).toThrow(NotJsonError);
    await mem.$flush();
    expect(mem.d.asdict()).toEqual({ ok: 1 });
    expect(await dumpInstance(rawClient(), mem.$key)).toEqual(before);
  });

  it("stores 900 levels of nesting and loads them back", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    let deep: unknown = "bottom";
    for (let i = 0; i < 900; i++) deep = i % 2 ? [deep] : { d: deep };
    mem.deep = deep;
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(fresh.$asdict().deep).toEqual(deep);
  });

  it("refuses 1,000+ levels with NotJsonError, and 100,000 without a stack overflow", async () => {
    const mem = await openMemory(uniqueId());
    for (const levels of [1_001, 100_000]) {
      let deep: unknown = 1;
      for (let i = 0; i < levels; i++) deep = [deep];
      expect(() => { mem.deep = deep; }).toThrow(NotJsonError);
    }
    expect(mem.$asdict()).toEqual({});
  });
});

class RawApp extends Store {
  static readonly schema: StoreSchema = { name: "AppMemory", shape: { kind: "dict", additional: { kind: "any" } } };
}

describe("garbage in the instance's keys", () => {
  async function instance(): Promise<{ id: string; ns: string; nodeOf: (field: string) => Promise<string> }> {
    const id = uniqueId("garbage");
    const mem = track(await openStore(RawApp, { redis: redisUrl(), id, live: false })) as any;
    const app = await AppMemory.open({ redis: redisUrl(), id, live: false });
    // Written in place, so that they are containers of their own (not inline JSON).
    app.config.theme = "dark";
    app.tasks.push(1);
    app.tasks.pop();
    await app.$close();
    await mem.$refresh();
    const redis = rawClient();
    const ns = mem.$key as string;
    return {
      id,
      ns,
      nodeOf: async (field) => `${ns}:n:${(await redis.hget(`${ns}:root`, field))!.slice(3)}`,
    };
  }

  const open = (id: string) => AppMemory.open({ redis: redisUrl(), id, live: false });

  it("a root key of the wrong type is reported with the key", async () => {
    const { id, ns } = await instance();
    const redis = rawClient();
    await redis.del(`${ns}:root`);
    await redis.set(`${ns}:root`, "oops");
    await expect(open(id)).rejects.toThrow(new CorruptDataError(`${ns}:root`, undefined, "holds a string, expected a hash"));
  });

  it("a container key of the wrong type is reported with the key", async () => {
    const { id, nodeOf } = await instance();
    const redis = rawClient();
    const key = await nodeOf("config");
    await redis.del(key);
    await redis.rpush(key, "1");
    const error = await open(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptDataError);
    expect((error as CorruptDataError).key).toBe(key);
  });

  it("invalid JSON in a field is reported with the key and field", async () => {
    const { id, nodeOf } = await instance();
    const key = await nodeOf("config");
    await rawClient().hset(key, "theme", "{not json");
    const error = await open(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptDataError);
    expect(error).toMatchObject({ key, field: "theme" });
  });

  it("a malformed reference is reported with the key", async () => {
    const { id, ns } = await instance();
    await rawClient().hset(`${ns}:root`, "tasks", "@x:nothing");
    const error = await open(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptDataError);
    expect(error).toMatchObject({ key: `${ns}:root`, field: "tasks" });
  });

  it("a reference without an id is reported, never read as the root", async () => {
    const { id, ns } = await instance();
    await rawClient().hset(`${ns}:root`, "data", "@d:");
    const error = await open(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptDataError);
    expect(error).toMatchObject({ key: `${ns}:root`, field: "data" });
  });

  it("a reference of the other kind than the container registered is reported", async () => {
    const { id, ns } = await instance();
    const config = (await rawClient().hget(`${ns}:root`, "config"))!;
    await rawClient().hset(`${ns}:root`, "config", `@l:${config.slice(3)}`);
    const error = await open(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptDataError);
    expect(error).toMatchObject({ key: `${ns}:root`, field: "config" });
  });

  it("list elements that only look like JSON strings are reported with the key and index", async () => {
    for (const text of ['"tab\there"', '"un"quoted"', '"open', '"new\nline"']) {
      const { id, nodeOf } = await instance();
      const key = await nodeOf("tasks");
      await rawClient().rpush(key, text);
      const error = await open(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptDataError);
      expect(error).toMatchObject({ key, field: 0 });
    }
  });

  it("strings a list holds read as JSON.parse reads them (escapes, non-ASCII, long ones)", async () => {
    const { id, nodeOf } = await instance();
    const texts = ['""', '"plain"', '"with \\"quote\\" and \\\\ slash"', '"\\u0041\\n\\t"', '"é😀\u2028"', JSON.stringify("long ".repeat(100))];
    await rawClient().rpush(await nodeOf("tasks"), ...texts);
    const raw = track(await openStore(RawApp, { redis: redisUrl(), id, live: false })) as any;
    expect(raw.$asdict().tasks).toEqual(texts.map((text) => JSON.parse(text)));
  });

  it("a container key that Redis evicted is reported with the key, not read as empty", async () => {
    const { id, nodeOf } = await instance();
    const key = await nodeOf("config");
    await rawClient().del(key);
    const error = await open(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptDataError);
    expect((error as CorruptDataError).key).toBe(key);
    expect((error as Error).message).toMatch(/evicted/);
  });

  it("a reference to a missing key is an empty container (Redis drops empty lists and hashes)", async () => {
    const { id, nodeOf } = await instance();
    const tasks = await nodeOf("tasks");
    await rawClient().del(tasks);
    const app = track(await open(id));
    expect(app.tasks.aslist()).toEqual([]);
  });

  it("the untyped Memory reports garbage the same way", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    mem.x = [];
    mem.x.push(1);
    await mem.$flush();
    const key = `${mem.$key}:n:${(await rawClient().hget(`${mem.$key}:root`, "x"))!.slice(3)}`;
    await rawClient().lset(key, 0, "nope");
    await expect(Memory.open({ redis: redisUrl(), id, live: false })).rejects.toThrow(CorruptDataError);
  });
});
