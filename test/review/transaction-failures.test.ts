// $transaction waits for earlier writes; a refusal of one of them is still the next
// $flush()'s to report (the transaction must not swallow it).
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { openMemory, uniqueId } from "../helpers/redis.js";

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
