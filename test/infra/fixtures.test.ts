// The fault-test fixtures do what the fault tests rely on: the proxy's faults happen as
// asked, the ACL user is limited, and private servers take their configuration (the
// shared Cluster's fixture: cluster-fixture.cluster.test.ts).
import { Redis, type RedisOptions } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../helpers/proxy.js";
import { rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { privateServer, tenantUser } from "../helpers/servers.js";

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
