// A wrong password for a Redis Cluster, given in each way open() takes one: open()
// rejects with a ConnectionError before connectTimeout, and the password appears nowhere
// in the error or its causes.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConnectionError, Memory } from "redis-memory";
import { clusterInfo } from "../helpers/cluster.js";
import { uniqueId } from "../helpers/redis.js";

// Far longer than a refusal takes even on a loaded machine: "at once" (under half of it)
// is no race, and waiting it out still fails the test.
const CONNECT_TIMEOUT = 40_000;

describe("open() on a Cluster with a wrong password", () => {
  it("rejects with ConnectionError, the password nowhere in the error", async () => {
    const { nodes } = clusterInfo();
    const master = nodes.find((node) => node.role === "master")!;
    const wrong = `wrong-${uniqueId("secret")}`;
    const ways = [
      `redis://:${wrong}@${master.host}:${master.port}`,
      { cluster: [{ host: master.host, port: master.port }], password: wrong },
    ];
    for (const redis of ways) {
      const started = Date.now();
      const error = await Memory.open({ redis: redis as string, id: uniqueId("cluster-auth"), connectTimeout: CONNECT_TIMEOUT }).then(() => "resolved", (e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/WRONGPASS|AUTH|password/i);
      expect(Date.now() - started).toBeLessThan(CONNECT_TIMEOUT / 2);
      expect(inspect(error, { depth: Infinity, showHidden: true, getters: true })).not.toContain(wrong);
    }
  });
});
