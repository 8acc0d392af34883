// Lifecycle on the local Redis Cluster: ids() scans every master, exists() finds an
// instance wherever its slot lives, and ttl gives every key of an instance (one slot)
// the same expiry.
import { describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { clusterClient, masterOf, nodeClient, slotOf } from "../helpers/cluster.js";
import { track, uniqueId } from "../helpers/redis.js";

describe("on a Redis Cluster", () => {
  it("ids() lists exactly the instances spread over every master; exists() finds each", async () => {
    const redis = clusterClient();
    const prefix = `cids-${uniqueId()}:`;
    const ids = Array.from({ length: 25 }, (_, i) => `tenant-${i}`);
    const masters = new Set<string>();
    for (const id of ids) {
      const mem = track(await Memory.open({ redis, prefix, id, live: false }));
      mem.name = id;
      await mem.$flush();
      masters.add((await masterOf(await slotOf(`${mem.$key}:meta`))).id);
    }
    expect(masters.size).toBeGreaterThan(1);
    const listed: string[] = [];
    for await (const id of Memory.ids({ redis, prefix })) listed.push(id);
    expect(listed.sort()).toEqual([...ids].sort());
    expect(await Memory.exists({ redis, prefix, id: "tenant-7" })).toBe(true);
    expect(await Memory.exists({ redis, prefix, id: "tenant-70" })).toBe(false);
  });

  it("ttl gives every key of an instance the same expiry", async () => {
    const redis = clusterClient();
    const mem = track(await Memory.open({ redis, id: uniqueId("cttl"), live: false, ttl: 60_000 }));
    mem.list = [];
    mem.list.push(1);
    mem.dict = {};
    mem.dict.a = 1;
    await mem.$flush();
    const owner = nodeClient(await masterOf(await slotOf(`${mem.$key}:meta`)));
    const keys = (await owner.keys(`${mem.$key.replace(/[*?[\]\\]/g, "\\$&")}:*`)).filter((key) => !key.endsWith(":log"));
    expect(keys.length).toBe(4);
    const expiries = await Promise.all(keys.map((key) => owner.call("PEXPIRETIME", key) as Promise<number>));
    expect(new Set(expiries).size).toBe(1);
    expect(expiries[0]).toBeGreaterThan(Date.now());
  });
});
