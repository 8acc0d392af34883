// Turning the `redis` option into connections: what is refused up front, and
// `connectTimeout` bounding open() for every kind of target.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { ConnectionError, Memory, OptionsError, type RedisOption } from "redis-memory";
import { pooledTargets } from "../../runtime/pool.js";
import { freePort } from "../../scripts/redis-server.js";
import { clusterInfo } from "../helpers/cluster.js";

describe("the redis option", () => {
  const refused: [string, unknown][] = [
    ["a number", 42],
    ["a URL of another scheme", "http://127.0.0.1:6379"],
    ["an empty cluster node list", { cluster: [] }],
    ["sentinels without the primary's name", { sentinels: [{ host: "127.0.0.1", port: 26379 }] }],
    ["an array", ["redis://127.0.0.1:6379"]],
  ];
  for (const [what, option] of refused) {
    it(`refuses ${what} with an OptionsError naming the option`, async () => {
      const error = await Memory.open({ redis: option as RedisOption, id: "x" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionsError);
      expect((error as OptionsError).option).toBe("redis");
    });
  }

  it("refuses waitReplicas without a positive timeout", async () => {
    const error = await Memory.open({ id: "x", waitReplicas: { replicas: 1, timeout: 0 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).option).toBe("waitReplicas");
  });
});

describe("connectTimeout", () => {
  const unreachable: [string, (port: number) => RedisOption][] = [
    ["a URL", (port) => `redis://127.0.0.1:${port}`],
    ["ioredis options", (port) => ({ host: "127.0.0.1", port })],
    ["a Cluster description", (port) => ({ cluster: [{ host: "127.0.0.1", port }] })],
    ["a Sentinel description", (port) => ({ sentinels: [{ host: "127.0.0.1", port }], name: "nobody" })],
    ["a client of the user not connected yet", (port) => new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: null })],
  ];
  for (const [what, option] of unreachable) {
    it(`rejects open() through ${what} that cannot be reached with a ConnectionError carrying the cause and the time taken`, async () => {
      const redis = option(await freePort());
      const error = await Memory.open({ redis, id: "x", connectTimeout: 800 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).message).toMatch(/connectTimeout/);
      expect((error as ConnectionError).elapsed).toBeTypeOf("number");
      expect(pooledTargets()).toBe(0);
      if (redis instanceof Redis) redis.disconnect();
    });
  }

  it("rejects open() on the Cluster with a wrong password with a ConnectionError naming the cause", async () => {
    const { nodes } = clusterInfo();
    const error = await Memory.open({ redis: { cluster: nodes.map(({ host, port }) => ({ host, port })), password: "wrong" }, id: "x", connectTimeout: 1500 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).cause).toBeDefined();
  });
});
