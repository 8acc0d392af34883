// What the batch script checks before it applies: a batch's own earlier writes count
// (set then incr of one field), and a write into a container another writer removed is
// refused whole.
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { openApp, orphanKeys, rawClient, uniqueId } from "../helpers/redis.js";

describe("the batch script's checks", () => {
  it("set then incr of one field in one batch applies both (the script checks the batch's own writes)", async () => {
    const id = uniqueId();
    const a = await openApp(id);
    a.config.x = "s";
    await a.$flush();
    a.config.x = 5;
    void a.config.incr("x");
    let err: unknown;
    await a.$flush().catch((e) => (err = e));
    const b = await openApp(id);
    expect({ err: String(err), local: a.config.x, redis: b.config.x }).toEqual({ err: "undefined", local: 6, redis: 6 });
  });

  it("a write into a container another writer removed is refused (WriteError), leaves no orphan key, and the replica reloads", async () => {
    const id = uniqueId();
    const a = await openApp(id);
    a.config.sub = { a: 1 };
    await a.$flush();
    const sub = a.config.sub as Record<string, unknown>;
    const b = await openApp(id);
    b.config.sub = { b: 2 };
    await b.$flush();
    sub.c = 3;
    await expect(a.$flush()).rejects.toThrow(WriteError);
    expect(await orphanKeys(rawClient(), a.$key)).toEqual([]);
    expect(a.config.asdict()).toEqual({ theme: undefined, ...b.config.asdict() });
  });
});
