// The fault-test fixtures do what the fault tests rely on: the local Cluster is up
// with its replicas, the proxy's faults happen as asked, the ACL user is limited,
// private servers take their configuration, and a slot moves while a client writes.
import { Redis, type RedisOptions } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { clusterClient, clusterInfo, keysInSlot, masterOf, migrateSlot, nodeClient, slotOf } from "../helpers/cluster.js";
import { FaultProxy } from "../helpers/proxy.js";
import { rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { privateCluster, privateServer, tenantUser } from "../helpers/servers.js";

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.quit()));
});
function client(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, options);
  redis.on("error", () => {});
  clients.push(redis);
  return redis;
}

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
    expect(moved).toBe(keys.length);
    expect((await masterOf(slot)).id).toBe(to.id);
    expect(from.id).not.toBe(to.id);
    expect((await keysInSlot(slot)).sort()).toEqual(keys);
    const lengths = await Promise.all(keys.map((key) => cluster.llen(key)));
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(keys.length + writes);
  });
});

describe("FaultProxy", () => {
  it("passes commands and replies through", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const redis = client(proxy.url);
    const key = uniqueId("proxy");
    const big = "x".repeat(200_000);
    const results = await Promise.all([redis.set(key, big), redis.get(key), redis.strlen(key), redis.lrange(`${key}:none`, 0, -1)]);
    expect(results).toEqual(["OK", big, 200_000, []]);
  });

  it("drops the reply of a command that ran and cuts the connection; ioredis resends it", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const redis = client(proxy.url);
    const key = uniqueId("drop");
    await redis.ping();
    const dropped = proxy.dropReply((r) => r.command === "INCR");
    const reply = redis.incr(key);
    expect((await dropped).args).toEqual([key]);
    // The INCR ran, its reply was lost, and the resent INCR ran again: why batches need exactly-once.
    expect(await reply).toBe(2);
    expect(await rawClient().get(key)).toBe("2");
    expect(proxy.accepted).toBe(2);
  });

  it("cuts the connection after forwarding a command, before its reply", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const redis = client(proxy.url, { autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 });
    const key = uniqueId("cut");
    await redis.ping();
    const cut = proxy.cutAfterRequest((r) => r.command === "RPUSH");
    const reply = redis.rpush(key, "a");
    await cut;
    await expect(reply).rejects.toThrow();
    const raw = rawClient();
    await expect.poll(() => raw.llen(key)).toBe(1);
  });

  it("delays replies beyond commandTimeout while the commands still run", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const redis = client(proxy.url, { commandTimeout: 100 });
    const key = uniqueId("delay");
    await redis.ping();
    proxy.delayReplies(300);
    await expect(redis.rpush(key, "a")).rejects.toThrow(/timed out/i);
    proxy.delayReplies(0);
    expect(await rawClient().llen(key)).toBe(1);
  });
});

describe("privateServer and tenantUser", () => {
  it("start a server with extra configuration", async () => {
    const server = await privateServer({ config: { maxmemory: "4mb", "maxmemory-policy": "allkeys-lru" } });
    const redis = client(server.url);
    expect(await redis.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "allkeys-lru"]);
  });

  it("limit a user to one tenant's keys and channels", async () => {
    const server = await privateServer();
    const a = "memory:{Store:tenantA}";
    const user = await tenantUser(server.url, [a]);
    const redis = client(user.url);
    expect(await redis.hset(`${a}:root`, "f", "1")).toBe(1);
    await expect(redis.hset("memory:{Store:tenantB}:root", "f", "1")).rejects.toThrow(/NOPERM/);
    await expect(redis.publish("memory:{Store:tenantB}", "x")).rejects.toThrow(/NOPERM/);
    expect(await redis.publish(`${a}:feed`, "x")).toBe(0);
    await expect(redis.call("SCRIPT", "FLUSH")).rejects.toThrow(/NOPERM/);
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
