// Lists behave as JavaScript arrays and dicts as objects (Python's semantics for the
// Python-style names) at the edges: keys that are not array indexes, holes, lengths,
// comparators that mutate, explicit fallbacks, insertion order, store members.
// Every refused write changes nothing, locally or in Redis.
import { describe, expect, it } from "vitest";
import { NotJsonError, OperationError, Store, UsageError, ValidationError, openStore, type ChangeEvent, type StoreSchema } from "redis-memory";
import { appShape, dumpInstance, openApp, openMemory, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

/** Runs `write`, expects it to throw `type`, and checks that neither the store nor Redis changed. */
async function refused(store: { $asdict(): unknown; $flush(): Promise<void>; $key: string }, write: () => unknown, type: new (...args: never[]) => Error): Promise<void> {
  await store.$flush();
  const redis = rawClient();
  const before = await dumpInstance(redis, store.$key);
  const replica = store.$asdict();
  expect(write).toThrow(type);
  await store.$flush();
  expect(store.$asdict()).toEqual(replica);
  expect(await dumpInstance(redis, store.$key)).toEqual(before);
}

describe("SyncedList property keys", () => {
  for (const key of ["1.5", "01", "-1", "-0", "1e3", "4294967295", "NaN", "Infinity", " 1", "foo"]) {
    it(`list[${JSON.stringify(key)}] = v is a UsageError that changes nothing`, async () => {
      const mem = await openMemory(uniqueId());
      mem.l = [1, 2, 3];
      await refused(mem, () => { mem.l[key] = 9; }, UsageError);
      expect(mem.l[key]).toBeUndefined();
      expect(key in mem.l).toBe(false);
    });
  }

  it("an index at the end appends, past the end would leave holes (NotJsonError)", async () => {
    const mem = await openMemory(uniqueId());
    mem.l = [1];
    mem.l["1"] = 2;
    expect(mem.l.aslist()).toEqual([1, 2]);
    await refused(mem, () => { mem.l[5] = 9; }, NotJsonError);
    await refused(mem, () => { mem.l[4294967294] = 9; }, NotJsonError);
  });
});

describe("SyncedList delete", () => {
  it("delete list[i] inside the list would leave a hole: NotJsonError, nothing changed", async () => {
    const mem = await openMemory(uniqueId());
    mem.l = [1, 2, 3];
    await refused(mem, () => delete mem.l[1], NotJsonError);
    await refused(mem, () => delete mem.l[2], NotJsonError);
  });

  it("delete of what the list does not hold does nothing, as on an Array", async () => {
    const mem = await openMemory(uniqueId());
    mem.l = [1, 2, 3];
    await mem.$flush();
    expect(delete mem.l[99]).toBe(true);
    expect(delete mem.l["1.5"]).toBe(true);
    expect(delete mem.l.foo).toBe(true);
    expect(mem.l.aslist()).toEqual([1, 2, 3]);
  });

  it("delete list.length is a UsageError", async () => {
    const mem = await openMemory(uniqueId());
    mem.l = [1];
    await refused(mem, () => delete mem.l.length, UsageError);
  });
});

describe("SyncedList.length", () => {
  it("shrinks the list as an Array does, and persists it", async () => {
    const mem = await openMemory(uniqueId());
    mem.l = [1, 2, 3, 4];
    mem.l.length = 2;
    mem.l.length = "1";
    expect(mem.l.aslist()).toEqual([1]);
    await mem.$flush();
    expect(await rawClient().lrange(`${mem.$key}:n:${(await rawClient().hget(`${mem.$key}:root`, "l"))!.slice(3)}`, 0, -1)).toEqual(["1"]);
  });

  it("refuses what an Array refuses (RangeError there) and growing (holes), changing nothing", async () => {
    const mem = await openMemory(uniqueId());
    mem.l = [1, 2];
    for (const bad of [1.5, -1, NaN, "x", 2 ** 32]) await refused(mem, () => { mem.l.length = bad; }, OperationError);
    await refused(mem, () => { mem.l.length = 5; }, NotJsonError);
  });
});

describe("SyncedList.sort", () => {
  it("keeps what a comparator appends after the sorted elements, as an Array does", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    mem.l = [3, 1, 2];
    const plain = [3, 1, 2];
    const sortWith = (list: number[]): void => {
      let pushed = false;
      list.sort((a, b) => {
        if (!pushed) {
          pushed = true;
          list.push(0);
        }
        return a - b;
      });
    };
    sortWith(plain);
    sortWith(mem.l);
    expect(mem.l.aslist()).toEqual(plain);
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(fresh.l.aslist()).toEqual(plain);
  });

  it("a comparator that throws leaves the list as it was", async () => {
    const mem = await openMemory(uniqueId());
    mem.l = [3, 1, 2];
    await refused(mem, () => mem.l.sort(() => { throw new Error("no"); }), Error);
  });
});

describe("SyncedDict.pop", () => {
  it("returns an explicit fallback, even undefined, for a missing key", async () => {
    const mem = await openMemory(uniqueId());
    mem.d = { a: 1 };
    expect(mem.d.pop("x", undefined)).toBeUndefined();
    expect(mem.d.pop("x", null)).toBeNull();
    expect(() => mem.d.pop("x")).toThrow(OperationError);
  });
});

describe("SyncedDict.popitem", () => {
  it("is last-in-first-out, integer-like keys included, here and after a reload", async () => {
    const id = uniqueId();
    const mem = await openMemory(id);
    mem.d = { b: 1 };
    mem.d["2"] = 2;
    mem.d.c = 3;
    mem.d["1"] = 4;
    mem.d.b = 5; // overwriting keeps the place, as in Python
    expect(Object.keys(mem.d)).toEqual(["1", "2", "b", "c"]);
    await mem.$flush();
    const fresh = await openMemory(id);
    for (const store of [mem, fresh]) {
      expect(store.d.popitem()).toEqual(["1", 4]);
      expect(store.d.popitem()).toEqual(["c", 3]);
      expect(store.d.popitem()).toEqual(["2", 2]);
      expect(store.d.popitem()).toEqual(["b", 5]);
      expect(() => store.d.popitem()).toThrow(OperationError);
    }
  });
});

const requiredSchema: StoreSchema = { name: "Required", shape: { ...appShape, required: ["tasks"] }, hash: "test" };
class Required extends Store<{ tasks: number[]; title?: string }> {
  static readonly schema = requiredSchema;
  get tasks(): number[] {
    return this.$get("tasks") as number[];
  }
  set tasks(value: number[]) {
    this.$set("tasks", value);
  }
  get title(): string | undefined {
    return this.$get("title") as string | undefined;
  }
  set title(value: string | undefined) {
    this.$set("title", value);
  }
}

describe("typed store fields", () => {
  it("delete store.optionalField deletes it, in Redis too", async () => {
    const app = await openApp(uniqueId());
    app.title = "x";
    await app.$flush();
    expect(delete (app as { title?: string }).title).toBe(true);
    expect(app.title).toBeUndefined();
    await app.$flush();
    expect(await rawClient().hexists(`${app.$key}:root`, "title")).toBe(0);
  });

  it("delete store.requiredField is a ValidationError that changes nothing", async () => {
    const store = track(await openStore(Required, { redis: redisUrl(), id: uniqueId(), live: false }));
    await refused(store, () => delete (store as { tasks?: number[] }).tasks, ValidationError);
  });

  it("assigning or defining an undeclared property is a UsageError naming it", async () => {
    const app = await openApp(uniqueId());
    await refused(app, () => { (app as unknown as Record<string, unknown>).sumary = 1; }, UsageError);
    expect(() => { (app as unknown as Record<string, unknown>).sumary = 1; }).toThrow(/"sumary"/);
    await refused(app, () => Object.defineProperty(app, "x", { value: 1 }), UsageError);
    expect(delete (app as unknown as Record<string, unknown>).sumary).toBe(true);
  });
});

describe("Memory store members", () => {
  it("mem.constructor = v says constructor is a store member, and changes nothing", async () => {
    const mem = await openMemory(uniqueId());
    const member: string = "constructor";
    await refused(mem, () => { mem[member] = 1; }, UsageError);
    expect(() => { mem[member] = 1; }).toThrow(/"constructor" cannot be assigned as a field of an untyped Memory: it is a member of every store/);
    await refused(mem, () => { mem.$x = 1; }, UsageError);
  });

  it("$incr of a store member is a UsageError, as its assignment is", async () => {
    const mem = await openMemory(uniqueId());
    await refused(mem, () => mem.$incr("constructor"), UsageError);
    await refused(mem, () => mem.$incr("toJSON"), UsageError);
  });
});

describe("change events", () => {
  it("name a local write as the operation Redis applies (pop(i) in the middle is a splice)", async () => {
    const mem = await openMemory(uniqueId());
    mem.l = [1, 2, 3];
    const events: ChangeEvent[] = [];
    mem.$on("change", (event) => events.push(event));
    mem.l.pop(1);
    mem.l.pop(0);
    mem.l.pop();
    expect(events.map((event) => event.op)).toEqual(["splice", "shift", "pop"]);
  });
});
