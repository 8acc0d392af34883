// What the runtime throws, rejects with or emits as an `error` event is a
// RedisMemoryError (README, "Errors"): each path below used to give a plain Error,
// TypeError or RangeError, or Redis' own reply.
import { describe, expect, it } from "vitest";
import {
  CorruptDataError, GeneratedCodeError, ListenerError, OperationError, RedisMemoryError, UsageError, ajvValidators, update,
} from "redis-memory";
import { openApp, openMemory, rawClient, uniqueId } from "../helpers/redis.js";

describe("errors the runtime raises", () => {
  it("a change listener that throws is reported as a ListenerError whose cause is what it threw; the write persists", async () => {
    const id = uniqueId("listener");
    const store = await openApp(id);
    const thrown = new Error("listener bug");
    const errors: unknown[] = [];
    store.$on("error", (error) => errors.push(error));
    store.$on("change", () => {
      throw thrown;
    });
    store.tasks.push(7);
    await store.$flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ListenerError);
    expect(errors[0]).toBeInstanceOf(RedisMemoryError);
    expect((errors[0] as ListenerError).event).toBe("change");
    expect((errors[0] as ListenerError).cause).toBe(thrown);
    expect((await openApp(id)).tasks.aslist()).toEqual([7]);
  });

  it("assigning a $ member of an untyped Memory is a UsageError", async () => {
    const mem = await openMemory(uniqueId("usage"));
    expect(() => {
      (mem as Record<string, unknown>).$flush = 1;
    }).toThrow(UsageError);
  });

  it("update() of something that is not a synced dict, or with something that is not an object, is a UsageError", async () => {
    const store = await openApp(uniqueId("update"));
    expect(() => update({} as object, {})).toThrow(UsageError);
    expect(() => update(store.config, 42 as unknown as object)).toThrow(UsageError);
  });

  it("an invalid list length is an OperationError naming the list", async () => {
    const store = await openApp(uniqueId("length"));
    store.tasks.push(1, 2);
    let caught: unknown;
    try {
      (store.tasks as unknown as { length: number }).length = -1;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OperationError);
    expect((caught as OperationError).path).toEqual(["tasks"]);
    expect(store.tasks.length).toBe(2);
  });

  it("a validator asked for a place its schema bundle lacks is a GeneratedCodeError naming the pointer", () => {
    const at = ajvValidators({ type: "object", properties: {} }, {});
    let caught: unknown;
    try {
      at("/properties/missing").validate(1);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GeneratedCodeError);
    expect((caught as GeneratedCodeError).schemaPointer).toBe("/properties/missing");
  });

  it("a schema bundle ajv cannot compile (a $ref to nowhere) is a GeneratedCodeError, with ajv's error as the cause", () => {
    const at = ajvValidators({ type: "object", properties: { a: { $ref: "#/nowhere" } } }, {});
    let caught: unknown;
    try {
      at("").validate({});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GeneratedCodeError);
    expect((caught as GeneratedCodeError).cause).toBeInstanceOf(Error);
    expect((caught as GeneratedCodeError).message).toMatch(/regenerate the store/);
  });

  it("ns:meta of the wrong type is a CorruptDataError naming the key, not Redis' reply", async () => {
    const id = uniqueId("wrongtype");
    const first = await openApp(id);
    first.tasks.push(1);
    await first.$flush();
    const ns = first.$key;
    await first.$close();
    await rawClient().del(`${ns}:meta`);
    await rawClient().set(`${ns}:meta`, "not a hash");
    const opened = openApp(id);
    await expect(opened).rejects.toBeInstanceOf(CorruptDataError);
    await expect(opened).rejects.toMatchObject({ key: `${ns}:meta` });
    expect(await rawClient().get(`${ns}:meta`)).toBe("not a hash");
  });
});
