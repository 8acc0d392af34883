// On the local Redis Cluster: a $transaction and an open() started while the instance's
// slot is half-migrated (multi-key reads and the batch answered TRYAGAIN, then ioredis'
// "Too many Cluster redirections") ride it out as batches do, and complete once the slot
// moved: the transaction applies once, the open loads what Redis holds.
import { describe, expect, it } from "vitest";
import { Memory, type UntypedMemory } from "redis-memory";
import { clusterClient, migrateSlot, slotOf } from "../helpers/cluster.js";
import { track, uniqueId } from "../helpers/redis.js";

function openOnCluster(id: string): Promise<UntypedMemory> {
  return Memory.open({ redis: clusterClient(), id, live: false, connectTimeout: 30_000 }).then(track);
}

describe("reads outside a batch while a slot migrates", () => {
  it("$transaction and open() started on a half-migrated slot complete once it moved", async () => {
    const id = uniqueId("migrate-reads");
    const store = await openOnCluster(id);
    store.counter = 0;
    store.items = ["a", "b"];
    store.notes = { k: "v" };
    await store.$flush();
    const slot = await slotOf(`${store.$key}:root`);
    let transaction: Promise<number> | undefined;
    let opened: Promise<UntypedMemory> | undefined;
    await migrateSlot(slot, {
      afterKey: (_key, moved) => {
        if (moved !== 1) return;
        transaction = store.$transaction((s) => (s.counter = (s.counter as number) + 1));
        opened = openOnCluster(id);
      },
    });
    expect(await transaction).toBe(1);
    const late = await opened!;
    const fresh = await openOnCluster(id);
    expect(fresh.counter).toBe(1);
    expect(fresh.$asdict()).toEqual({ counter: 1, items: ["a", "b"], notes: { k: "v" } });
    // Opened before or after the transaction applied: what Redis held then.
    expect([0, 1]).toContain(late.counter);
    expect(late.items).toEqual(["a", "b"]);
  });
});
