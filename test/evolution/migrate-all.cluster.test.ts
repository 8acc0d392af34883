// migrateAll on the test run's Redis Cluster: the walk covers every master (instances
// live on the master of their hash tag's slot), interrupted and resumed, each instance
// migrated once.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { migrateAll } from "redis-memory";
import { clusterClient, clusterInfo } from "../helpers/cluster.js";
import { Board as V1 } from "./stores/v1/board.js";
import { Board as V2 } from "./stores/v2/board.js";
import { toV2 } from "./board-migrations.js";

const masters = () => clusterInfo().nodes.filter((node) => node.role === "master");
const redis = () => ({ cluster: masters().map(({ host, port }) => ({ host, port })), password: clusterInfo().password });

describe("migrateAll on a Redis Cluster", () => {
  it("walks every master; interrupted and resumed, each instance is migrated once", async () => {
    V2.migrations({ 2: toV2 });
    const prefix = `bulk-${randomUUID().slice(0, 8)}:`;
    const count = 300;
    for (let from = 0; from < count; from += 30) {
      await Promise.all(Array.from({ length: 30 }, async (_, k) => {
        const board = await V1.open({ redis: redis(), prefix, id: `b${from + k}`, live: false, init: { name: `board ${from + k}` } });
        board.cards = [{ text: "c" }];
        await board.$close();
      }));
    }
    const stop = new AbortController();
    const first = await migrateAll(V2, { redis: redis(), prefix, concurrency: 8, signal: stop.signal, onProgress: (p) => p.seen >= count / 2 && stop.abort() });
    expect(first).toMatchObject({ interrupted: true, failed: 0 });
    const second = await migrateAll(V2, { redis: redis(), prefix, concurrency: 8 });
    expect(second).toMatchObject({ interrupted: false, failed: 0, migrated: count - first.migrated, current: first.migrated });
    const client = clusterClient();
    try {
      const roots = await Promise.all(Array.from({ length: count }, (_, i) => client.hgetall(`${prefix}{Board:b${i}}:root`)));
      const metas = await Promise.all(Array.from({ length: count }, (_, i) => client.hgetall(`${prefix}{Board:b${i}}:meta`)));
      roots.forEach((root, i) => {
        expect(JSON.parse(root.cards!)).toEqual([{ text: "c", at: 0 }, { text: "migrated", at: 1 }]);
        expect(root.title).toBe(JSON.stringify(`board ${i}`));
      });
      for (const meta of metas) expect(meta).toMatchObject({ v: "2", vmin: "2" });
      // The instances are spread over the masters: the walk did not read one node only.
      const nodes = new Set(await Promise.all(Array.from({ length: 20 }, (_, i) => client.cluster("KEYSLOT", `${prefix}{Board:b${i}}:meta`).then((slot) => Math.floor(Number(slot) / 5462)))));
      expect(nodes.size).toBeGreaterThan(1);
    } finally {
      client.disconnect();
    }
  }, 180_000);
});
