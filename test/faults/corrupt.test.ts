// Fault tests: data in Redis that a batch cannot apply to (a container key of the
// wrong type inside a subtree the batch replaces, corrupt counters in ns:meta) and
// corrupt references. A refused batch is a WriteError and changes nothing in Redis
// (every key compared before and after); corrupt data is a CorruptDataError naming
// the key and field.
import { describe, expect, it } from "vitest";
import { CorruptDataError, WriteError } from "redis-memory";
import { containerKey, snapshot } from "../helpers/inspect.js";
import { openApp, openMemory, orphanKeys, rawClient, uniqueId } from "../helpers/redis.js";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "resolved",
    (error: unknown) => error,
  );
}

describe("a batch replacing a subtree that holds a key of the wrong type", () => {
  const corruptions = [
    { holds: "a string", corrupt: (raw: ReturnType<typeof rawClient>, key: string) => raw.multi().del(key).set(key, "oops").exec() },
    { holds: "a hash", corrupt: (raw: ReturnType<typeof rawClient>, key: string) => raw.multi().del(key).hset(key, "f", "1").exec() },
  ];
  it.each(corruptions)("is refused with WriteError and changes nothing when the list holds $holds", async ({ corrupt }) => {
    const id = uniqueId("subtree");
    const store = await openApp(id);
    store.data = { user: { name: "a", tags: ["x"] } };
    // Changed in place: the record is a container of its own from now on.
    store.data.user!.tags.push("y");
    store.title = "kept";
    await store.$flush();
    const raw = rawClient();
    const tags = await containerKey(raw, store.$key, ["data", "user", "tags"]);
    await corrupt(raw, tags);
    const before = await snapshot(raw, store.$key);

    store.data = { user: { name: "b", tags: [] } };
    store.title = "replaced";
    const error = await rejection(store.$flush());

    expect(error).toBeInstanceOf(WriteError);
    expect(await snapshot(raw, store.$key)).toEqual(before);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
  });
});

describe("corrupt counters in ns:meta", () => {
  it("every numeric field of ns:meta made non-numeric: the next batch is refused with WriteError and changes nothing", async () => {
    const raw = rawClient();
    const probe = await openApp(uniqueId("meta-probe"));
    probe.tasks.push(1);
    await probe.$flush();
    const fields = Object.entries(await raw.hgetall(`${probe.$key}:meta`))
      .filter(([, value]) => /^-?\d+$/.test(value))
      .map(([field]) => field);
    expect(fields.length).toBeGreaterThan(0);

    const failures: string[] = [];
    for (const field of fields) {
      const id = uniqueId("meta");
      const store = await openApp(id);
      store.tasks.push(1);
      store.title = "before";
      await store.$flush();
      const meta = `${store.$key}:meta`;
      // The probe's client field names another client: this store's own field of that kind is the one to corrupt.
      const own = Object.keys(await raw.hgetall(meta)).find((f) => f === field || (field.startsWith("c:") && f.startsWith("c:"))) ?? field;
      await raw.hset(meta, own, "not-a-number");
      const before = await snapshot(raw, store.$key);
      store.tasks.push(2);
      store.title = "after";
      const error = await rejection(store.$flush());
      const after = await snapshot(raw, store.$key);
      if (!(error instanceof WriteError)) failures.push(`${own}: the batch was not refused with WriteError (${String(error)})`);
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
      if (changed.length > 0) failures.push(`${own}: Redis changed ${changed.join(", ")}`);
    }
    expect(failures).toEqual([]);
  });
});

describe("corrupt references", () => {
  it("a reference with an empty id is a CorruptDataError naming the key and field on open", async () => {
    const id = uniqueId("ref-empty");
    const store = await openMemory(id);
    store.title = "x";
    await store.$flush();
    const raw = rawClient();
    await raw.hset(`${store.$key}:root`, "broken", "@d:");
    const error = await rejection(openMemory(id));
    expect(error).toBeInstanceOf(CorruptDataError);
    expect((error as CorruptDataError).key).toBe(`${store.$key}:root`);
    expect((error as CorruptDataError).field).toBe("broken");
  });

  it("one container referred to as a list and as a dict is a CorruptDataError naming both places", async () => {
    const id = uniqueId("ref-twice");
    const store = await openMemory(id);
    store.title = "x";
    await store.$flush();
    const raw = rawClient();
    const node = "Xy12Xy12Xy12Xy";
    await raw.hset(`${store.$key}:n:${node}`, "k", "1");
    await raw.hset(`${store.$key}:root`, "asList", `@l:${node}`, "asDict", `@d:${node}`);
    const error = await rejection(openMemory(id));
    expect(error).toBeInstanceOf(CorruptDataError);
    const message = (error as Error).message;
    expect(message).toContain(node);
    expect(message).toMatch(/asList/);
    // Not a sentence that contradicts itself ("holds a hash, but ... refers to it as a hash").
    expect(message).not.toMatch(/holds a (\w+), but .* as a \1\b/);
  });
});
