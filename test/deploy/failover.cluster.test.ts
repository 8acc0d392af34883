// A Cluster master killed (kill -9) while stores write and read live. The file runs
// its own small Cluster, so that no other test file sees the failover.
import { randomBytes } from "node:crypto";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Memory, type RedisOption, type SyncedList } from "redis-memory";
import { startRedisCluster, type RedisClusterHandle } from "../../scripts/redis-cluster.js";
import { uniqueId } from "../helpers/redis.js";
import { settle } from "../live/settle.js";

let cluster: RedisClusterHandle;
let reader: Cluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, password: randomBytes(8).toString("hex"), nodeTimeout: 2000 });
  reader = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })), { redisOptions: { password: cluster.password } });
  reader.on("error", () => {});
});
afterAll(async () => {
  reader.disconnect();
  await cluster.stop();
});

type Items = Memory & { items: SyncedList<string> };

describe("Cluster failover", () => {
  it("keeps writing through a master killed with kill -9, and every live store equals Redis afterwards", async () => {
    const urls: RedisOption = { cluster: cluster.nodes.map((node) => `redis://:${cluster.password}@${node.host}:${node.port}`) };
    const users = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })), { redisOptions: { password: cluster.password } });
    users.on("error", () => {});
    const ids = Array.from({ length: 12 }, () => uniqueId("failover"));
    const writers = (await Promise.all(ids.map((id) => Memory.open({ redis: urls, id, live: true })))) as Items[];
    // Through another target: another feed connection, maybe on another node.
    const readers = (await Promise.all(ids.map((id) => Memory.open({ redis: users, id, live: true })))) as Items[];
    for (const writer of writers) writer.items = [] as never;
    await Promise.all(writers.map((writer) => writer.$flush()));

    const failures: unknown[] = [];
    let round = 0;
    const write = async (): Promise<void> => {
      const item = `r${round++}`;
      for (const writer of writers) writer.items.push(item);
      const results = await Promise.allSettled(writers.map((writer) => writer.$flush()));
      for (const result of results) if (result.status === "rejected") failures.push(result.reason);
    };
    for (let i = 0; i < 10; i++) await write();
    // The master of the first instance's slot.
    const slot = Number(await reader.cluster("KEYSLOT", writers[0]!.$key));
    const owner = reader.slots[slot]![0]!;
    const victim = cluster.nodes.find((node) => `${node.host}:${node.port}` === owner)!;
    process.kill(victim.pid, "SIGKILL");
    const killedAt = Date.now();
    // Past the failover (cluster-node-timeout 2000: 3-4 s), writing all along.
    while (Date.now() - killedAt < 8_000) await write();
    for (let i = 0; i < 10; i++) await write();
    expect(failures).toEqual([]);

    await settle([...writers, ...readers], reader as never, 30_000);
    for (let i = 0; i < ids.length; i++) {
      const fresh = await Memory.open({ redis: urls, id: ids[i]!, live: false });
      const data = fresh.$asdict() as { items: string[] };
      await fresh.$close();
      expect(writers[i]!.$asdict()).toEqual(data);
      expect(readers[i]!.$asdict()).toEqual(data);
      // The writes made after the failover are all there, in order.
      expect(data.items.slice(-10)).toEqual(Array.from({ length: 10 }, (_, k) => `r${round - 10 + k}`));
    }
    await Promise.all([...writers, ...readers].map((store) => store.$close()));
    users.disconnect();
  });
});
