// Fault test on the local Redis Cluster: the slot of one instance is migrated key by
// key (CLUSTER SETSLOT IMPORTING/MIGRATING + MIGRATE), twice, while 4 stores with
// connections of their own append to the same list. Every batch is all or nothing
// (its two appends and its dict key together, or none of them), every acknowledged
// batch is in Redis once, every refused one (WriteError) is absent, and every live
// store ends equal to what Redis holds.
import { describe, expect, it } from "vitest";
import { Memory, WriteError, type SyncedDict, type SyncedList, type UntypedMemory } from "redis-memory";
import { clusterClient, masterOf, migrateSlot, nodeClient, slotOf } from "../helpers/cluster.js";
import { containerKey } from "../helpers/inspect.js";
import { orphanKeys, track, uniqueId } from "../helpers/redis.js";

const WRITERS = 4;
const MIN_ROUNDS = 20;

interface Outcomes {
  acknowledged: string[];
  refused: string[];
  failed: string[];
}

function openOnCluster(id: string, live: boolean): Promise<UntypedMemory> {
  return Memory.open({ redis: clusterClient(), id, live }).then(track);
}

describe("a slot migrated key by key under 4 writers appending to one list", () => {
  it("leaves no partial batch, loses no acknowledged append, and every live store equals Redis", async () => {
    const id = uniqueId("migrate");
    const setup = await openOnCluster(id, false);
    setup.items = [];
    setup.done = {};
    await setup.$flush();
    const ns = setup.$key;
    const slot = await slotOf(`${ns}:root`);

    const writers = await Promise.all(Array.from({ length: WRITERS }, () => openOnCluster(id, true)));
    const readers = await Promise.all([openOnCluster(id, true), openOnCluster(id, true)]);
    const outcomes: Outcomes[] = writers.map(() => ({ acknowledged: [], refused: [], failed: [] }));
    const attempts = (): number => outcomes.reduce((sum, o) => sum + o.acknowledged.length + o.refused.length + o.failed.length, 0);
    let migrating = true;

    const write = async (store: UntypedMemory, w: number): Promise<void> => {
      const outcome = outcomes[w]!;
      for (let round = 0; migrating || round < MIN_ROUNDS; round++) {
        const tag = `w${w}:${round}`;
        (store.items as SyncedList<string>).push(`${tag}:a`, `${tag}:b`);
        (store.done as SyncedDict<Record<string, number>>)[tag] = round;
        try {
          await store.$flush();
          outcome.acknowledged.push(tag);
        } catch (error) {
          if (error instanceof WriteError) outcome.refused.push(tag);
          else outcome.failed.push(`${tag}: ${String(error)}`);
        }
      }
    };
    const running = writers.map((store, w) => write(store, w));
    await expect.poll(() => outcomes.every((o) => o.acknowledged.length >= 3), { timeout: 20_000 }).toBe(true);

    // After each key moved, every writer gets to try a batch against the half-migrated slot.
    const everyWriterTried = async (): Promise<void> => {
      const target = attempts() + WRITERS;
      while (attempts() < target) await new Promise((resolve) => setImmediate(resolve));
    };
    let first, second;
    try {
      first = await migrateSlot(slot, { afterKey: everyWriterTried });
      second = await migrateSlot(slot, { afterKey: everyWriterTried });
    } finally {
      migrating = false;
      await Promise.allSettled(running);
    }
    expect(first.moved).toBeGreaterThan(0);
    expect(second.to.id).not.toBe(first.from.id);

    const fresh = await openOnCluster(id, false);
    const data = fresh.$asdict() as { items: string[]; done: Record<string, number> };
    const count = new Map<string, number>();
    for (const item of data.items) count.set(item, (count.get(item) ?? 0) + 1);
    const applied = (tag: string): boolean[] => [count.has(`${tag}:a`), count.has(`${tag}:b`), tag in data.done];
    const report = {
      // A key written on the source after the target got it (an undeclared key touched mid-migration).
      writtenOnBothNodes: [...first.conflicts, ...second.conflicts].map((c) => `${c.key}: source ${c.source}, target ${c.target}`),
      partial: [] as string[],
      duplicated: [] as string[],
      acknowledgedButLost: [] as string[],
      refusedButApplied: [] as string[],
      failed: [] as string[],
    };
    for (const outcome of outcomes) {
      for (const tag of [...outcome.acknowledged, ...outcome.refused]) {
        const parts = applied(tag);
        if (parts.some(Boolean) && !parts.every(Boolean)) report.partial.push(`${tag} ${JSON.stringify(parts)}`);
        else if (parts[0] && data.items.indexOf(`${tag}:b`) !== data.items.indexOf(`${tag}:a`) + 1) report.partial.push(`${tag} split`);
      }
      for (const tag of outcome.acknowledged) if (!applied(tag).every(Boolean)) report.acknowledgedButLost.push(tag);
      for (const tag of outcome.refused) if (applied(tag).some(Boolean)) report.refusedButApplied.push(tag);
      report.failed.push(...outcome.failed);
    }
    for (const [item, n] of count) if (n > 1) report.duplicated.push(`${item} x${n}`);
    expect(report).toEqual({ writtenOnBothNodes: [], partial: [], duplicated: [], acknowledgedButLost: [], refusedButApplied: [], failed: [] });

    // What Redis holds, read on the master that serves the slot now.
    const owner = nodeClient(await masterOf(slot));
    expect(await owner.llen(await containerKey(owner, ns, ["items"]))).toBe(data.items.length);
    expect(await orphanKeys(owner, ns)).toEqual([]);
    for (const store of [...writers, ...readers]) {
      await expect.poll(() => store.$asdict(), { timeout: 20_000 }).toEqual(data);
    }
  });
});
