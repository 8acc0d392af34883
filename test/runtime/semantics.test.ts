// Store semantics (README, "Runtime API"): JSON values only, value semantics, detached
// references, undefined deletes, events, counters, options and connections.
import { describe, expect, it } from "vitest";
import {
  ConnectionError, DetachedError, Memory, NotJsonError, OptionsError, RedisMemoryError, UsageError, type ChangeEvent,
} from "redis-memory";
import { dumpInstance, openApp, openMemory, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

class Point {
  constructor(readonly x: number) {}
}

const nonJson: [string, () => unknown][] = [
  ["undefined in an array", () => [1, undefined]],
  ["a hole in an array", () => [1, , 2]],
  ["NaN", () => NaN],
  ["Infinity", () => ({ a: Infinity })],
  ["a function", () => ({ f: () => 1 })],
  ["a symbol", () => Symbol("s")],
  ["a BigInt", () => [10n]],
  ["a Date", () => new Date(0)],
  ["a Map", () => ({ m: new Map() })],
  ["a class instance", () => [new Point(1)]],
  ["a cycle", () => { const a: Record<string, unknown> = {}; a.self = a; return { a }; }],
  ["a lone surrogate in a key", () => ({ ["\ud800"]: 1 })],
];

describe("non-JSON values", () => {
  for (const [name, make] of nonJson) {
    it(`rejects ${name} with NotJsonError and changes nothing`, async () => {
      const mem = await openMemory(uniqueId());
      mem.list = [1, { a: [2] }];
      mem.d = { k: "v" };
      await mem.$flush();
      const redis = rawClient();
      const before = await dumpInstance(redis, mem.$key);
      const replica = mem.$asdict();
      const attempts: (() => unknown)[] = [
        () => mem.list.push(1, make()),
        () => { mem.list[0] = make(); },
        () => mem.list.splice(1, 0, make()),
        () => { mem.d.k = make(); },
        () => mem.d.update({ ok: 1, bad: make() }),
        () => { mem.fresh = [make()]; },
      ];
      for (const attempt of attempts) {
        let caught: unknown;
        try {
          attempt();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(NotJsonError);
        expect(caught).toBeInstanceOf(RedisMemoryError);
        expect((caught as NotJsonError).path.length).toBeGreaterThan(0);
      }
      await mem.$flush();
      expect(mem.$asdict()).toEqual(replica);
      expect(await dumpInstance(redis, mem.$key)).toEqual(before);
    });
  }

  it("names the path inside the value", async () => {
    const mem = await openMemory(uniqueId());
    mem.d = {};
    expect(() => { mem.d.x = { y: [1, NaN] }; }).toThrow(expect.objectContaining({ path: ["d", "x", "y", 1] }));
  });

  it("refuses nesting deeper than 1,000 levels with a clear error (no stack overflow)", async () => {
    const mem = await openMemory(uniqueId());
    let deep: unknown = 1;
    for (let i = 0; i < 5_000; i++) deep = [deep];
    expect(() => { mem.deep = deep; }).toThrow(/nesting deeper than 1000 levels/);
    expect(mem.$asdict()).toEqual({});
  });
});

describe("value semantics and detached references", () => {
  it("assigning a synced collection elsewhere copies it", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    mem.a = [1, { b: 2 }];
    mem.c = mem.a;
    mem.c.push(3);
    mem.c[1].b = 9;
    expect(mem.a.aslist()).toEqual([1, { b: 2 }]);
    expect(mem.c.aslist()).toEqual([1, { b: 9 }, 3]);
    await mem.$flush();
    const other = await openMemory(id);
    expect(other.$asdict()).toEqual({ a: [1, { b: 2 }], c: [1, { b: 9 }, 3] });
  });

  it("throws DetachedError when writing through a replaced collection", async () => {
    const mem = await openMemory(uniqueId());
    mem.list = [[1]];
    const inner = mem.list[0];
    const outer = mem.list;
    mem.list = [];
    expect(() => outer.push(1)).toThrow(DetachedError);
    expect(() => inner.push(1)).toThrow(DetachedError);
    expect(() => { inner[0] = 2; }).toThrow(DetachedError);
    expect(inner.aslist()).toEqual([1]);
  });

  it("throws DetachedError when writing through a removed dict", async () => {
    const mem = await openMemory(uniqueId());
    mem.d = { n: { x: 1 } };
    const n = mem.d.n;
    const popped = mem.d.pop("n");
    expect(popped).toEqual({ x: 1 });
    expect(() => { n.x = 2; }).toThrow(DetachedError);
    expect(() => n.update({ x: 3 })).toThrow(DetachedError);
  });

  it("keeps references attached across $refresh()", async () => {
    const mem = await openMemory(uniqueId());
    mem.list = [1];
    const list = mem.list;
    await mem.$flush();
    await mem.$refresh();
    list.push(2);
    expect(mem.list).toBe(list);
    expect(mem.list.aslist()).toEqual([1, 2]);
  });
});

describe("typed store fields", () => {
  it("assigning undefined to an optional field deletes it", async () => {
    const id = uniqueId();
    const app = await openApp(id);
    app.title = "t";
    app.title = undefined;
    await app.$flush();
    const other = await openApp(id);
    expect("title" in other.$asdict()).toBe(false);
  });

  it("$incr increments atomically on the server and returns the new value", async () => {
    const id = uniqueId();
    const a = await openApp(id);
    const b = await openApp(id);
    const results = await Promise.all([a.$incr("counter"), b.$incr("counter", 2), a.$incr("counter", 3)]);
    expect(results.sort()).toEqual(expect.arrayContaining([6]));
    const c = await openApp(id);
    expect(c.counter).toBe(6);
  });

  it("fills schema defaults for a new instance", async () => {
    const app = await openApp(uniqueId());
    expect(app.$asdict()).toEqual({ tasks: [], config: {}, data: {}, complex: { users: [], settings: { notifications: {} } } });
  });
});

describe("change events", () => {
  it("reports local changes with path and op, until unsubscribed", async () => {
    const app = await openApp(uniqueId());
    const events: ChangeEvent[] = [];
    const off = app.$on("change", (event) => events.push(event));
    app.tasks.push(1);
    app.complex.users.push({ name: "a", scores: [] });
    app.complex.users[0]!.scores.push(5);
    app.config.theme = "x";
    off();
    app.config.theme = "y";
    expect(events).toEqual([
      { path: ["tasks"], op: "push", source: "local" },
      { path: ["complex", "users"], op: "push", source: "local" },
      { path: ["complex", "users", 0, "scores"], op: "push", source: "local" },
      { path: ["config", "theme"], op: "set", source: "local" },
    ]);
  });
});

describe("open options", () => {
  for (const [option, value] of [
    ["id", "a{b}"], ["id", "line\nbreak"], ["id", ""], ["id", "nul\u0000"], ["prefix", "p{"], ["prefix", "tab\t"],
  ] as const) {
    it(`rejects ${option} ${JSON.stringify(value)} with OptionsError`, async () => {
      await expect(Memory.open({ redis: redisUrl(), [option]: value })).rejects.toThrow(OptionsError);
    });
  }


  it("rejects with ConnectionError naming the option when Redis cannot be reached", async () => {
    const error = await Memory.open({ redis: "redis://127.0.0.1:1", connectTimeout: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(String((error as Error).message)).toMatch(/`redis` option/);
  });

  it("uses a given ioredis client without closing it", async () => {
    const client = rawClient();
    const mem = await Memory.open({ redis: client, id: uniqueId() });
    (mem as any).x = 1;
    await mem.$close();
    expect(await client.ping()).toBe("PONG");
  });
});

describe("untyped Memory", () => {
  it("sets, reads and deletes any attribute", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    mem.tasks = [1, 2];
    mem.tasks.push(3);
    mem.config = { theme: "dark" };
    mem.name = "n";
    delete mem.name;
    await mem.$flush();
    const other = track(await Memory.open({ redis: redisUrl(), id })) as any;
    expect(other.tasks.aslist()).toEqual([1, 2, 3]);
    expect(other.config.theme).toBe("dark");
    expect(other.name).toBeUndefined();
    expect(Object.keys(other).sort()).toEqual(["config", "tasks"]);
    expect(JSON.parse(JSON.stringify(other))).toEqual({ tasks: [1, 2, 3], config: { theme: "dark" } });
  });

  it("refuses fields starting with $", async () => {
    const mem = await openMemory(uniqueId());
    expect(() => { (mem as Record<string, unknown>).$flush = 1; }).toThrow(UsageError);
  });
});

describe("exactly once", () => {
  it("keeps ns:meta bounded: a closed store's batch marker is removed", async () => {
    const id = uniqueId();
    const mem = await Memory.open({ redis: redisUrl(), id, live: false });
    (mem as Record<string, unknown>).x = 1;
    await mem.$flush();
    const markers = async () => Object.keys(await rawClient().hgetall(`${mem.$key}:meta`)).filter((k) => k.startsWith("c:"));
    expect(await markers()).toHaveLength(1);
    await mem.$close();
    expect(await markers()).toEqual([]);
  });

  it("skips a batch it has already applied (a resend after a reconnect)", async () => {
    const mem = await openMemory(uniqueId());
    mem.list = [];
    mem.list.push(0);
    await mem.$flush();
    const redis = rawClient();
    const root = await redis.hgetall(`${mem.$key}:root`);
    const listId = root.list!.slice(3);
    const epoch = (await redis.hget(`${mem.$key}:meta`, "epoch"))!;
    const { Backend, LOG_DEFAULTS } = await import("../../runtime/backend.js");
    const backend = new Backend(redis);
    const batch = {
      ns: mem.$key, clientId: "resender", seq: 1, prev: 0, epoch, newEpoch: "", keys: [listId],
      ops: [["push", listId, ["1"]]] as never, schemaHash: "", log: LOG_DEFAULTS, ttl: 0, readAt: "", ownSubscriptions: -1, acked: 0,
    };
    const first = await backend.apply(batch);
    const second = await backend.apply(batch);
    expect(first.kind).toBe("applied");
    expect(second.kind).toBe("dup");
    expect(await redis.lrange(`${mem.$key}:n:${listId}`, 0, -1)).toEqual(["0", "1"]);
  });

  it("answers a resent batch with its results while it is unacknowledged, and forgets them once the client says it has the reply", async () => {
    const mem = await openMemory(uniqueId());
    mem.n = 0;
    await mem.$flush();
    const redis = rawClient();
    const epoch = (await redis.hget(`${mem.$key}:meta`, "epoch"))!;
    const { Backend, LOG_DEFAULTS } = await import("../../runtime/backend.js");
    const backend = new Backend(redis);
    const batch = (seq: number, acked: number) => ({
      ns: mem.$key, clientId: "counter", seq, prev: seq - 1, epoch, newEpoch: "", keys: [],
      ops: [["incr", "", "n", 5]] as never, schemaHash: "", log: LOG_DEFAULTS, ttl: 0, readAt: "", ownSubscriptions: -1, acked,
    });
    expect(await backend.apply(batch(1, 0))).toMatchObject({ kind: "applied", incrs: ["5"] });
    // Batch 2 leaves while batch 1's reply is still unknown to the client (acked 0).
    expect(await backend.apply(batch(2, 0))).toMatchObject({ kind: "applied", incrs: ["10"] });
    expect(await backend.apply(batch(1, 0))).toMatchObject({ kind: "dup", incrs: ["5"] });
    // However many later batches apply, an unanswered batch's results stay.
    for (let seq = 3; seq <= 42; seq++) await backend.apply({ ...batch(seq, 0), ops: [["set", "", "x", String(seq)]] as never });
    expect(await backend.apply(batch(1, 0))).toMatchObject({ kind: "dup", incrs: ["5"] });
    // Batch 43 says every batch up to 42 was answered: their results are not kept any more.
    expect(await backend.apply(batch(43, 42))).toMatchObject({ kind: "applied", incrs: ["15"] });
    const remembered = JSON.parse((await redis.hget(`${mem.$key}:meta`, "r:counter"))!) as Record<string, unknown>;
    expect(Object.keys(remembered)).toEqual(["43"]);
    expect(await redis.hget(`${mem.$key}:root`, "n")).toBe("15");
  });
});
