// Dict key order on a Redis Cluster: the order record (ns:o:<id>) is declared with its
// dict (same hash tag, one slot), kept by the batch script and read by the load.
import { describe, expect, it } from "vitest";
import { Memory, popitem } from "redis-memory";
import { clusterClient } from "../helpers/cluster.js";
import { uniqueId } from "../helpers/redis.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- the dicts are untyped */
describe("SyncedDict key order on a Redis Cluster", () => {
  it("a hashtable dict's order survives a fresh open(), and its record is deleted with the instance", async () => {
    const id = uniqueId("order");
    const redis = clusterClient();
    const mem = (await Memory.open({ redis, id, live: false })) as Memory & Record<string, any>;
    const fresh: (Memory & Record<string, any>)[] = [];
    try {
      mem.d = {};
      await mem.$flush();
      for (let i = 0; i < 700; i++) mem.d[`k${(i * 7919) % 1009}`] = i % 3 ? i : "v".repeat(80);
      mem.d["7"] = 1;
      await mem.$flush();
      fresh.push((await Memory.open({ redis, id, live: false })) as Memory & Record<string, any>);
      expect(Object.keys(fresh[0]!.d)).toEqual(Object.keys(mem.d));
      expect(popitem(fresh[0]!.d)).toEqual(popitem(mem.d));
      const ref = (await redis.hget(`${mem.$key}:root`, "d"))!.slice(3);
      expect(await redis.exists(`${mem.$key}:o:${ref}`)).toBe(1);
      await mem.$delete();
      expect(await redis.exists(`${mem.$key}:o:${ref}`, `${mem.$key}:n:${ref}`)).toBe(0);
    } finally {
      await Promise.all([mem, ...fresh].map((store) => store.$close()));
    }
  });
});
