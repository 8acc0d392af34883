// Data already in Redis checked against the schema on open(); required fields
// and defaults for new instances; schema evolution; validation cost per append.
import { describe, expect, it } from "vitest";
import { Store, ValidationError, openStore, type DictShape, type LeftOutPlace, type StoreSchema, type ValidationIssue } from "redis-memory";
import { AgentMemory, AppMemory } from "../../generated/index.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

/** Writes whatever it is given under the AppMemory namespace (an older schema, or a hand). */
class LooseApp extends Store {
  static readonly schema: StoreSchema = { name: "AppMemory", shape: { kind: "dict", additional: { kind: "any" } } };
}

async function writeLoose(id: string, data: Record<string, unknown>): Promise<void> {
  const loose = await openStore(LooseApp, { redis: redisUrl(), id, live: false });
  const set = (loose as unknown as { $set(k: string, v: unknown): void }).$set.bind(loose);
  for (const [key, value] of Object.entries(data)) set(key, value);
  await loose.$close();
}

const valid = { tasks: [1], items: [], config: { theme: "dark" }, data: {}, complex: { users: [], settings: {} }, counter: 0 };

describe("open() of data that does not match the schema", () => {
  it("fails by default, reporting every mismatch with its path", async () => {
    const id = uniqueId();
    await writeLoose(id, { ...valid, tasks: [1, "two"], counter: -5, config: { theme: "neon" } });
    const error = await AppMemory.open({ redis: redisUrl(), id, live: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining([["tasks", 1], ["counter"], ["config", "theme"]]));
  });

  it("with onInvalid: a function, loads what is valid, leaves out the bad element and reports it", async () => {
    const id = uniqueId();
    await writeLoose(id, { ...valid, tasks: [1, "two"], title: "kept" });
    let reported: ValidationError | undefined;
    let leftOut: readonly LeftOutPlace[] = [];
    const app = track(await AppMemory.open({ redis: redisUrl(), id, live: false, onInvalid: (e, places) => { reported = e; leftOut = places; } }));
    expect(reported?.problems.map((p) => p.path)).toEqual([["tasks", 1]]);
    expect(leftOut).toEqual([expect.objectContaining({ path: ["tasks", 1], value: "two" })]);
    expect(app.title).toBe("kept");
    // The smallest invalid place goes, not the field: tasks keeps its valid element.
    expect(app.tasks.aslist()).toEqual([1]);
    // Redis keeps what it had: nothing is lost by opening.
    expect(await rawClient().hget(`${app.$key}:root`, "tasks")).toBe('[1,"two"]');
  });

  it("opens data written before new optional fields and fields with defaults existed", async () => {
    const id = uniqueId();
    // An older AppMemory: no `items`, no `counter` (both have defaults now), no `title` (optional).
    const { items: _items, counter: _counter, ...old } = valid;
    await writeLoose(id, old);
    const app = track(await AppMemory.open({ redis: redisUrl(), id, live: false }));
    expect(app.items.aslist()).toEqual([]);
    expect(app.counter).toBe(0);
    expect(app.tasks.aslist()).toEqual([1]);
    await app.$flush();
    expect(await rawClient().hget(`${app.$key}:root`, "counter")).toBe("0");
  });

  it("records the schema hash of the writer in ns:meta", async () => {
    const app = track(await AppMemory.open({ redis: redisUrl(), id: uniqueId(), live: false }));
    app.tasks.push(1);
    await app.$flush();
    expect(await rawClient().hget(`${app.$key}:meta`, "schema")).toBe(AppMemory.schema.hash);
  });
});

describe("required fields of a new instance", () => {
  it("open() fails naming the required fields without default and without init", async () => {
    const error = await AgentMemory.open({ redis: redisUrl(), id: uniqueId(), live: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toEqual(["conversationId"]);
    expect((error as Error).message).toMatch(/conversationId.*init/);
  });

  it("init supplies them, and is validated", async () => {
    const id = uniqueId();
    await expect(AgentMemory.open({ redis: redisUrl(), id, live: false, init: { conversationId: "" } })).rejects.toThrow(ValidationError);
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, init: { conversationId: id } }));
    expect(mem.conversationId).toBe(id);
    expect(mem.summary).toBeNull();
  });
});

describe("validation cost per append", () => {
  it("validates only the appended item, whatever the list's size", async () => {
    const seen: number[] = [];
    const counting = (validate: (v: unknown) => readonly ValidationIssue[] | null) => (value: unknown) => {
      seen.push(JSON.stringify(value).length);
      return validate(value);
    };
    const listValidatorCalls: number[] = [];
    const shape: DictShape = {
      kind: "dict",
      properties: {
        log: {
          kind: "list",
          validate: (value) => { listValidatorCalls.push((value as unknown[]).length); return null; },
          items: { kind: "scalar", validate: counting((v) => (typeof v === "number" ? null : [{ path: [], schemaPointer: "#/type", message: "must be number" }])) },
        },
      },
    };
    class Log extends Store {
      static readonly schema: StoreSchema = { name: "CostLog", shape };
    }
    const store = track(await openStore(Log, { redis: redisUrl(), id: uniqueId(), live: false })) as any;
    store.$set("log", []);
    const log = store.$get("log");
    const sizes = [10, 10_000];
    const perAppend: number[] = [];
    for (const size of sizes) {
      while (log.length < size) log.push(log.length);
      seen.length = 0;
      listValidatorCalls.length = 0;
      for (let i = 0; i < 100; i++) log.push(i);
      // Each append ran the item validator once, on the item only; the list's validator never ran.
      perAppend.push(seen.reduce((sum, n) => sum + n, 0) / 100);
      expect(seen).toHaveLength(100);
      expect(listValidatorCalls).toEqual([]);
    }
    expect(perAppend[1]).toBe(perAppend[0]);
    await store.$flush();
  });
});
