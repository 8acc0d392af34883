// A refused transaction attempt (stale: another writer wrote what it read) or one that
// ran out of attempts leaves the store's later, unrelated writes alone: they are applied,
// and no error claims a loss that did not happen.
import { describe, expect, it } from "vitest";
import { ConflictError, type RedisMemoryError } from "redis-memory";
import { openApp, rawClient, uniqueId } from "../helpers/redis.js";
import { storeInternals } from "../../runtime/store.js";

describe("$transaction and the batches after it", () => {
  it("a stale attempt, then plain writes: every write is applied and no error is reported", async () => {
    const id = uniqueId("txn-live");
    const app = await openApp(id);
    const other = await openApp(id);
    app.counter = 0;
    await app.$flush();
    const errors: RedisMemoryError[] = [];
    app.$on("error", (error) => errors.push(error as RedisMemoryError));
    let attempts = 0;
    await app.$transaction(async (a) => {
      attempts++;
      a.counter = (a.counter ?? 0) + 1;
      // Another writer, between the read and the commit: this attempt goes stale once.
      if (attempts === 1) {
        other.title = `other ${attempts}`;
        await other.$flush();
      }
    });
    expect(attempts).toBe(2);
    app.tasks.push(1);
    await app.$flush();
    app.tasks.push(2);
    await app.$flush();
    expect(errors).toEqual([]);
    const raw = rawClient();
    expect(await raw.hget(`${app.$key}:root`, "counter")).toBe("1");
    const fresh = await openApp(id);
    expect(fresh.tasks.aslist()).toEqual([1, 2]);
    expect(fresh.title).toBe("other 1");
  });

  it("a transaction that ran out of attempts (ConflictError), then plain writes: they are applied", async () => {
    const id = uniqueId("txn-live");
    const app = await openApp(id);
    const other = await openApp(id);
    app.counter = 0;
    await app.$flush();
    const errors: RedisMemoryError[] = [];
    app.$on("error", (error) => errors.push(error as RedisMemoryError));
    const failure = await app
      .$transaction(async (a) => {
        a.counter = (a.counter ?? 0) + 1;
        other.title = uniqueId("other");
        await other.$flush();
      }, { attempts: 3 })
      .then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ConflictError);
    app.tasks.push(7);
    app.title = "mine";
    await app.$flush();
    expect(errors.filter((error) => /no longer holds|lost/.test(error.message))).toEqual([]);
    expect(errors).toEqual([]);
    const fresh = await openApp(id);
    expect(fresh.tasks.aslist()).toEqual([7]);
    expect(fresh.title).toBe("mine");
    expect(fresh.counter).toBe(0);
  });

  it("plain writes sent while a transaction's attempt is on the wire and then refused stale: applied, no error", async () => {
    const id = uniqueId("txn-live");
    const app = await openApp(id);
    const other = await openApp(id);
    app.counter = 0;
    await app.$flush();
    const errors: RedisMemoryError[] = [];
    app.$on("error", (error) => errors.push(error as RedisMemoryError));
    const batches = storeInternals(app).replica.batches;
    const before = batches.onSend;
    let attempts = 0;
    let plain = 0;
    batches.onSend = (seq, ops) => {
      before?.(seq, ops);
      // The transaction's batch leaves: other code writes at once, its batch follows on the wire.
      if (ops.some((op) => op[0] === "set" && op[2] === "counter") && plain < 2) app.tasks.push(++plain);
    };
    await app.$transaction(async (a) => {
      attempts++;
      a.counter = (a.counter ?? 0) + 1;
      if (attempts === 1) {
        other.title = "other";
        await other.$flush();
      }
    });
    await app.$flush();
    batches.onSend = before;
    expect(attempts).toBe(2);
    expect(errors).toEqual([]);
    const fresh = await openApp(id);
    expect(fresh.counter).toBe(1);
    expect(fresh.tasks.aslist()).toEqual([1, 2]);
    expect(fresh.title).toBe("other");
  });
});
