// migrateAll(): every instance of a store brought to its schema version, a bounded number
// at a time; interrupted half-way and run again, each instance is migrated exactly once;
// a dry run writes nothing; an instance whose migration fails is left untouched and listed.
import { describe, expect, it } from "vitest";
import { MigrationError, migrateAll, type JsonObject, type MigrationProgress } from "redis-memory";
import { Board as V2 } from "./stores/v2/board.js";
import { redisUrl } from "../helpers/redis.js";
import { snapshot, v1Instances } from "./instances.js";
import { toV2 } from "./board-migrations.js";

describe("migrateAll", () => {
  it("2,000 instances, interrupted half-way and resumed: each migrated exactly once", async () => {
    V2.migrations({ 2: toV2 });
    // Enough for the interruption to fall with a full window of 32 migrations under way
    // and ~30 windows on either side of it (more instances only take longer).
    const count = 2_000;
    const prefix = await v1Instances(count);
    const stop = new AbortController();
    const seen: MigrationProgress[] = [];
    const first = await migrateAll(V2, {
      redis: redisUrl(), prefix, concurrency: 32, signal: stop.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.seen >= count / 2) stop.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.failures).toEqual([]);
    expect(first.migrated).toBeGreaterThanOrEqual(count / 2);
    expect(first.migrated).toBeLessThan(count);
    expect(seen.at(-1)).toMatchObject({ seen: first.seen, migrated: first.migrated });
    const second = await migrateAll(V2, { redis: redisUrl(), prefix, concurrency: 32 });
    expect(second.interrupted).toBe(false);
    expect(second.migrated).toBe(count - first.migrated);
    expect(second.current).toBe(first.migrated);
    expect(new Set([...first.migratedIds, ...second.migratedIds]).size).toBe(count);
    const { roots, metas } = await snapshot(prefix, count);
    roots.forEach((root, i) => {
      // Migrated once: the step adds one "migrated" card.
      expect(JSON.parse(root.cards!.startsWith("@") ? "[]" : root.cards!)).toEqual([{ text: `card ${i}`, at: 0 }, { text: "migrated", at: 1 }]);
      expect(root.title).toBe(JSON.stringify(`board ${i}`));
      expect(root.name).toBeUndefined();
    });
    for (const meta of metas) expect(meta).toMatchObject({ v: "2", vmin: "2" });
    const third = await migrateAll(V2, { redis: redisUrl(), prefix });
    expect(third).toMatchObject({ migrated: 0, current: count, failed: 0 });
  }, 120_000);

  it("a dry run reports what it would migrate and writes nothing", async () => {
    V2.migrations({ 2: toV2 });
    const prefix = await v1Instances(50);
    const before = await snapshot(prefix, 50);
    const report = await migrateAll(V2, { redis: redisUrl(), prefix, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, migrated: 50, failed: 0 });
    expect(await snapshot(prefix, 50)).toEqual(before);
  });

  it("instances whose migration fails are left untouched and listed by id; the others are migrated", async () => {
    V2.migrations({ 2: (data: JsonObject) => (data.name === "board 3" || data.name === "board 7" ? { ...toV2(data), cards: [{ text: "no at" }] } : toV2(data)) });
    const prefix = await v1Instances(20);
    const before = await snapshot(prefix, 20);
    const report = await migrateAll(V2, { redis: redisUrl(), prefix });
    expect(report).toMatchObject({ migrated: 18, failed: 2 });
    expect(report.failures.map((f) => f.id).sort()).toEqual(["b3", "b7"]);
    for (const failure of report.failures) expect(failure.error).toBeInstanceOf(MigrationError);
    const after = await snapshot(prefix, 20);
    expect(after.roots[3]).toEqual(before.roots[3]);
    expect(after.metas[7]).toMatchObject({ v: "1" });
    expect(after.metas[4]).toMatchObject({ v: "2" });
  });
});
