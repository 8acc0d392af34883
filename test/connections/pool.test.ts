// The process-wide connection pool: many live stores on one server share one
// command connection and one feed connection; the last store out closes them,
// never a client the user passed. Runs on a server of its own, so that CLIENT LIST
// counts only this file's connections.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { pooledTargets } from "../../runtime/pool.js";
import { startRedisServer, type RedisServerHandle } from "../../scripts/redis-server.js";

let server: RedisServerHandle;
let observer: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  observer = new Redis(server.url);
});
afterAll(async () => {
  await observer.quit();
  await server.stop();
});

/** Client connections the server holds, the observer's own left out. */
async function connections(): Promise<number> {
  const list = String(await observer.client("LIST")).trim().split("\n");
  return list.length - 1;
}

/** Resolves once the server holds `count` connections besides the observer (it learns of a close asynchronously). */
async function untilConnections(count: number): Promise<void> {
  while ((await connections()) !== count) await new Promise((resolve) => setTimeout(resolve, 10));
}

const STORES = 500;

describe("connection pool", () => {
  it(`holds at most 4 connections for ${STORES} live stores opened through a URL, and none once they are closed`, async () => {
    const stores = await Promise.all(Array.from({ length: STORES }, (_, i) => Memory.open({ redis: server.url, id: `url-${i}`, live: true })));
    expect(await connections()).toBeLessThanOrEqual(4);
    // Every store is live on the shared feed connection.
    const peer = await Memory.open({ redis: server.url, id: "url-7", live: true });
    peer.note = "seen";
    await peer.$flush();
    await peer.$close();
    while (stores[7]!.note !== "seen") await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all(stores.map((store) => store.$close()));
    expect(pooledTargets()).toBe(0);
    await untilConnections(0);
  });

  it(`holds at most 4 connections for ${STORES} live stores sharing a client, and leaves that client open`, async () => {
    const client = new Redis(server.url);
    const stores = await Promise.all(Array.from({ length: STORES }, (_, i) => Memory.open({ redis: client, id: `client-${i}`, live: true })));
    expect(await connections()).toBeLessThanOrEqual(4);
    stores[0]!.note = "written";
    await stores[0]!.$flush();
    await Promise.all(stores.map((store) => store.$close()));
    expect(pooledTargets()).toBe(0);
    await untilConnections(1);
    expect(await client.hget(`${stores[0]!.$key}:root`, "note")).toBe('"written"');
    await client.quit();
  });

  it("opens a store again after the last one closed the pool's connections", async () => {
    const first = await Memory.open({ redis: server.url, id: "again", live: true });
    first.n = 1;
    await first.$close();
    const second = await Memory.open({ redis: server.url, id: "again", live: true });
    expect(second.n).toBe(1);
    await second.$close();
    expect(pooledTargets()).toBe(0);
  });
});
