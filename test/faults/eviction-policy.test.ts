// open() says when the server's maxmemory-policy can evict single keys of an instance
// (a `status` event "evicting" right after open, with the policy), and says nothing
// under noeviction.
import { describe, expect, it } from "vitest";
import { Memory, type StatusEvent } from "redis-memory";
import { track, uniqueId } from "../helpers/redis.js";
import { privateServer } from "../helpers/servers.js";

async function statusesAfterOpen(config: Record<string, string>, ttl?: number): Promise<StatusEvent[]> {
  const server = await privateServer({ config });
  const mem = track(await Memory.open({ redis: server.url, id: uniqueId("policy"), live: false, ...(ttl ? { ttl } : {}) }));
  const events: StatusEvent[] = [];
  mem.$on("status", (event) => events.push(event));
  // The event comes on a later turn than open(); a round trip is past it.
  await mem.$ttl();
  await new Promise((resolve) => setImmediate(resolve));
  return events;
}

describe("maxmemory-policy", () => {
  it("allkeys-lru: open() reports that keys of the instance may be evicted", async () => {
    expect(await statusesAfterOpen({ maxmemory: "100mb", "maxmemory-policy": "allkeys-lru" })).toEqual([{ status: "evicting", policy: "allkeys-lru" }]);
  });

  it("volatile-lru with ttl: reported (every key of the instance then has an expiry)", async () => {
    expect(await statusesAfterOpen({ maxmemory: "100mb", "maxmemory-policy": "volatile-lru" }, 60_000)).toEqual([{ status: "evicting", policy: "volatile-lru" }]);
  });

  it("noeviction: nothing is reported", async () => {
    expect(await statusesAfterOpen({ "maxmemory-policy": "noeviction" })).toEqual([]);
  });
});
