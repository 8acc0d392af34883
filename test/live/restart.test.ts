// Fault test: the server restarts without persistence while live stores are open.
// Their feeds reconnect, reload (the instance is gone: a rewind), hold a new instance
// (status "vanished"), and keep syncing.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { StatusEvent } from "redis-memory";
import { startRedisServer, type RedisServerHandle } from "../../scripts/redis-server.js";
import { openApp, uniqueId } from "../helpers/redis.js";
import { settle } from "./settle.js";

const servers: RedisServerHandle[] = [];
afterAll(async () => {
  await Promise.allSettled(servers.map((server) => server.stop()));
});

function statusOnce(store: { $on(event: "status", fn: (e: StatusEvent) => void): () => void }, status: StatusEvent["status"]): Promise<void> {
  return new Promise((resolve) => {
    const off = store.$on("status", (event) => {
      if (event.status !== status) return;
      off();
      resolve();
    });
  });
}

describe("live stores across a server restart", () => {
  it("reload what the restarted server holds and keep applying each other's writes", async () => {
    const first = await startRedisServer();
    servers.push(first);
    const id = uniqueId("restart");
    const a = await openApp(id, { live: true, redis: first.url });
    const b = await openApp(id, { live: true, redis: first.url });
    a.tasks.push(1, 2, 3);
    a.title = "before";
    const before = new Redis(first.url);
    await settle([a, b], before);
    await before.quit();
    expect(b.title).toBe("before");

    const reloaded = Promise.all([statusOnce(a, "vanished"), statusOnce(b, "vanished")]);
    const disconnected = statusOnce(b, "disconnected");
    await first.stop();
    await disconnected;
    const second = await startRedisServer({ port: first.port });
    servers.push(second);
    await reloaded;
    // The new server held nothing of the instance: each replica holds a new one, as a first open makes it.
    const fresh = { tasks: [], config: {}, data: {}, complex: { users: [], settings: { notifications: {} } } };
    expect(b.$asdict()).toEqual(fresh);
    expect(a.$asdict()).toEqual(fresh);

    a.title = "after";
    void a.$incr("counter", 2);
    const raw = new Redis(second.url);
    try {
      await settle([a, b], raw);
    } finally {
      await raw.quit();
    }
    expect(b.$asdict()).toEqual({ ...fresh, title: "after", counter: 2 });
    expect(a.$asdict()).toEqual(b.$asdict());
    await Promise.all([a.$close(), b.$close()]);
  });
});
