// $transaction waits for earlier writes; a refusal of one of them is still the next
// $flush()'s to report (the transaction must not swallow it). Writes other code makes
// while an async fn runs are not the transaction's: a conflict that runs fn again must
// not drop them.
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { openMemory, rawClient, uniqueId } from "../helpers/redis.js";

describe("$transaction after a refused write", () => {
  it("leaves the refusal for the next $flush() to report", async () => {
    const id = uniqueId("txn-failure");
    const store = await openMemory(id);
    store.d = { a: 1 };
    store.d.b = 2;
    await store.$flush();
    const other = await openMemory(id);
    other.d = { replaced: true };
    await other.$flush();
    // The container `store` writes into was replaced: this batch is refused.
    store.d.c = 3;
    await store.$transaction((m) => {
      m.counter = 1;
    });
    const error = await store.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((await openMemory(id)).$asdict()).toEqual({ d: { replaced: true }, counter: 1 });
  });
});

describe("$transaction while other code writes", () => {
  it("a write other code makes while an async fn awaits is not lost when the transaction conflicts and runs again", async () => {
    const id = uniqueId("txn-other-code");
    const store = await openMemory(id);
    const other = await openMemory(id);
    store.counter = 0;
    await store.$flush();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let runs = 0;
    const done = store.$transaction(async (m) => {
      runs++;
      m.counter = (m.counter as number) + 1;
      if (runs === 1) {
        started();
        await gate;
      }
    });
    await running;
    // Other code of the process (a request handler, say) writes and waits for it.
    store.note = "other code";
    await store.$flush();
    expect(await rawClient().hget(`${store.$key}:root`, "note")).toBe(JSON.stringify("other code"));
    // Another process writes: the transaction's read is stale, it runs again.
    other.x = 1;
    await other.$flush();
    release();
    await done;
    await store.$flush();
    expect(runs).toBe(2);
    expect((await openMemory(id)).$asdict()).toEqual({ counter: 1, note: "other code", x: 1 });
  });
});
