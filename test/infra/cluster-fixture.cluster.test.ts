// The shared Cluster fixture does what the Cluster tests rely on: it is up with its
// replicas, a slot moves to another master while a client writes, and a Cluster of a
// file's own (privateCluster) is driven by the same helpers.
import { describe, expect, it } from "vitest";
import { clusterClient, clusterInfo, keysInSlot, masterOf, migrateSlot, nodeClient, slotOf } from "../helpers/cluster.js";
import { uniqueId } from "../helpers/redis.js";
import { privateCluster } from "../helpers/servers.js";

describe("the local Redis Cluster fixture", () => {
  it("has 3 masters with a replica each, every node in cluster_state:ok", async () => {
    const { nodes } = clusterInfo();
    expect(nodes.filter((n) => n.role === "master")).toHaveLength(3);
    expect(nodes.filter((n) => n.role === "replica").map((n) => n.masterId).sort()).toEqual(
      nodes.filter((n) => n.role === "master").map((n) => n.id).sort(),
    );
    for (const node of nodes) {
      const info = (await nodeClient(node).call("CLUSTER", "INFO")) as string;
      expect(info).toContain("cluster_state:ok");
    }
  });

  it("serves a Cluster client, and a replica holds what its master acknowledged", async () => {
    const cluster = clusterClient();
    const key = `{${uniqueId("fixture")}}:k`;
    await cluster.set(key, "v");
    const owner = await masterOf(await slotOf(key));
    const replica = clusterInfo().nodes.find((n) => n.masterId === owner.id)!;
    const master = nodeClient(owner);
    expect(await master.call("WAIT", 1, 5_000)).toBe(1);
    const reader = nodeClient(replica);
    await reader.call("READONLY");
    expect(await reader.get(key)).toBe("v");
  });
});

describe("migrateSlot", () => {
  it("moves every key of a slot to another master while a client keeps writing to it", async () => {
    const cluster = clusterClient();
    const tag = uniqueId("migrate");
    const keys = Array.from({ length: 5 }, (_, i) => `{${tag}}:k${i}`);
    for (const key of keys) await cluster.rpush(key, "0");
    const slot = await slotOf(keys[0]!);
    let writes = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await cluster.rpush(keys[writes % keys.length]!, String(++writes));
      }
    })();
    const { from, to, moved } = await migrateSlot(slot, { afterKey: () => new Promise((resolve) => setTimeout(resolve, 20)) });
    writing = false;
    await writer;
    // The fixture is shared: other files' keys may hash to the same slot, and move with it.
    expect(moved).toBeGreaterThanOrEqual(keys.length);
    expect((await masterOf(slot)).id).toBe(to.id);
    expect(from.id).not.toBe(to.id);
    expect((await keysInSlot(slot)).filter((key) => key.startsWith(`{${tag}}:`)).sort()).toEqual(keys);
    const lengths = await Promise.all(keys.map((key) => cluster.llen(key)));
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(keys.length + writes);
  });
});

describe("privateCluster", () => {
  it("starts a Cluster of the file's own that the cluster helpers drive", async () => {
    const own = await privateCluster({ masters: 3, replicasPerMaster: 0 });
    expect(own.nodes.map((n) => n.role)).toEqual(["master", "master", "master"]);
    const cluster = clusterClient({}, own);
    const key = `{${uniqueId("own")}}:k`;
    await cluster.set(key, "v");
    const slot = await slotOf(key, own);
    const { to } = await migrateSlot(slot, { cluster: own });
    expect((await masterOf(slot, own)).id).toBe(to.id);
    expect(await cluster.get(key)).toBe("v");
  });
});
