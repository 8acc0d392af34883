// A Sentinel-managed primary killed (kill -9) while stores write and read live: the
// writes go on once the replica is promoted, the feed reports the switch and
// resumes, and every live store equals Redis afterwards. This file owns the test
// run's Sentinel setup (test/setup/redis-sentinel.ts): it kills its primary.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { Memory, ReplicaWaitError, type RedisOption, type StatusEvent, type SyncedList } from "redis-memory";
import { startRedisServer, type RedisServerHandle } from "../../scripts/redis-server.js";
import { provided, uniqueId } from "../helpers/redis.js";
import { settle } from "../live/settle.js";

const setup = () => provided("redisSentinel");
const option = (): RedisOption => ({ sentinels: setup().sentinels.map(({ host, port }) => ({ host, port })), name: setup().name });

let restarted: RedisServerHandle | undefined;
afterAll(async () => {
  await restarted?.stop();
});

/** Resolves with the first status event of `store` that is `status`. */
function nextStatus(store: Memory, status: StatusEvent["status"]): Promise<void> {
  return new Promise((resolve) => {
    const off = store.$on("status", (event) => {
      if (event.status === status) {
        off();
        resolve();
      }
    });
  });
}

describe("Sentinel failover", () => {
  it("keeps writing through a primary killed with kill -9, resumes the feed, and loses no write acknowledged with waitReplicas", async () => {
    const id = uniqueId("sentinel");
    const writer = (await Memory.open({ redis: option(), id, live: true })) as Memory & { items: SyncedList<string>; waited: SyncedList<string> };
    writer.items = [] as never;
    writer.waited = [] as never;
    await writer.$flush();
    const careful = (await Memory.open({ redis: option(), id, live: true, waitReplicas: { replicas: 1, timeout: 500 } })) as typeof writer;
    const reader = (await Memory.open({ redis: option(), id, live: true })) as typeof writer;
    const statuses: string[] = [];
    reader.$on("status", (event) => statuses.push(event.status));
    const resumed = nextStatus(reader, "connected");

    const failures: unknown[] = [];
    const acknowledged: string[] = [];
    let n = 0;
    const write = async (): Promise<void> => {
      const item = `i${n++}`;
      writer.items.push(item);
      careful.waited.push(item);
      const [plain, waited] = await Promise.allSettled([writer.$flush(), careful.$flush()]);
      if (plain.status === "rejected") failures.push(plain.reason);
      if (waited.status === "fulfilled") acknowledged.push(item);
      else if (!(waited.reason instanceof ReplicaWaitError)) failures.push(waited.reason);
    };
    for (let i = 0; i < 20; i++) await write();
    process.kill(setup().primary.pid, "SIGKILL");
    // Writes go on while the sentinels agree on the replica and promote it.
    while (statuses.indexOf("connected") < 0) await write();
    await resumed;
    // The old primary comes back (as a replica of the new one, once the sentinels see it).
    restarted = await startRedisServer({ port: setup().primary.port });
    for (let i = 0; i < 20; i++) await write();
    expect(failures).toEqual([]);

    const sentinel = new Redis({ host: "127.0.0.1", port: setup().sentinels[0]!.port });
    const [host, port] = (await sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", setup().name)) as [string, string];
    sentinel.disconnect();
    const primary = new Redis({ host, port: Number(port) });
    try {
      await settle([writer, careful, reader], primary, 30_000);
      const fresh = await Memory.open({ redis: option(), id, live: false });
      const data = fresh.$asdict() as { items: string[]; waited: string[] };
      await fresh.$close();
      expect(reader.$asdict()).toEqual(data);
      expect(writer.$asdict()).toEqual(data);
      expect(careful.$asdict()).toEqual(data);
      // Acknowledged by a replica before $flush() resolved: the promoted replica has it.
      for (const item of acknowledged) expect(data.waited).toContain(item);
      expect(data.items.slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => `i${n - 20 + i}`));
      expect(statuses.indexOf("disconnected")).toBeLessThan(statuses.indexOf("connected"));
    } finally {
      await primary.quit();
      await Promise.all([writer.$close(), careful.$close(), reader.$close()]);
    }
  });
});
