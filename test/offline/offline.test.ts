// `offline: true`: a store opened while Redis is out of reach takes writes, and when
// Redis comes it loads what Redis holds and replays them on top, in order, once,
// merged with what another writer did meanwhile.
import { describe, expect, it } from "vitest";
import { ConnectionError, FlushTimeoutError, Memory, type SyncedDict, type SyncedList } from "redis-memory";
import { freePort } from "../../scripts/redis-server.js";
import { connect, createServer } from "node:net";
import { App, afterStores, openApp, redisUrl, track, uniqueId } from "../helpers/redis.js";

/**
 * Opens, on `port`, a bridge to the test run's redis-server: a store pointed at the
 * port is offline until then, and comes online exactly when the test says.
 */
async function bridge(port: number): Promise<void> {
  const target = new URL(redisUrl());
  const server = createServer((socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  afterStores(async () => {
    server.close();
  });
}

describe("offline: true", () => {
  it("without it, open() rejects with ConnectionError", async () => {
    const port = await freePort();
    await expect(Memory.open({ redis: `redis://127.0.0.1:${port}`, connectTimeout: 300 })).rejects.toThrow(ConnectionError);
  });

  it("takes writes without Redis; when Redis comes they land once, merged with another writer's", async () => {
    const port = await freePort();
    const id = uniqueId("offline");
    const mem = track(await Memory.open({ redis: `redis://127.0.0.1:${port}`, id, offline: true, connectTimeout: 200 }));
    const statuses: string[] = [];
    mem.$on("status", (event) => statuses.push(event.status));
    mem.items = [];
    (mem.items as SyncedList<string>).push("mine-1", "mine-2");
    mem.keys = { a: 1 };
    (mem.keys as SyncedDict<Record<string, number>>).b = 2;
    const counted = mem.$incr("counter", 5);
    expect(mem.$asdict()).toEqual({ items: ["mine-1", "mine-2"], keys: { a: 1, b: 2 }, counter: 5 });
    // Not acknowledged while Redis is away: a flush with a timeout says so, and loses nothing.
    await expect(mem.$flush({ timeout: 100 })).rejects.toThrow(FlushTimeoutError);

    // Another writer, connected all along, writes first.
    const other = track(await Memory.open({ redis: redisUrl(), id, live: false }));
    other.items = ["theirs-1"];
    (other.items as SyncedList<string>).push("theirs-2");
    other.counter = 10;
    await other.$flush();
    await bridge(port);

    await expect.poll(() => statuses, { timeout: 15_000 }).toContain("synced");
    await mem.$flush();
    expect(statuses.filter((status) => ["offline", "connected", "synced"].includes(status))).toEqual(["offline", "connected", "synced"]);
    const fresh = track(await Memory.open({ redis: redisUrl(), id, live: false }));
    const data = fresh.$asdict() as { items: string[]; keys: Record<string, number>; counter: number };
    // The offline `items = []` replays as a key write: last writer wins, as between two live writers.
    expect(data.items).toEqual(["mine-1", "mine-2"]);
    expect(data.keys).toEqual({ a: 1, b: 2 });
    expect(data.counter).toBe(15);
    expect(await counted).toBe(15);
    expect(mem.$asdict()).toEqual(data);
  });

  it("appends made offline to a list that exists in Redis land after what it holds, once", async () => {
    const id = uniqueId("offline-append");
    const other = await openApp(id);
    other.tasks.push(1, 2);
    await other.$flush();
    // The store reaches the test server through a port that nothing listens on yet.
    const port = await freePort();
    const app = await App.open({ redis: `redis://127.0.0.1:${port}`, id, offline: true, connectTimeout: 200 });
    const synced = new Promise<void>((resolve) => app.$on("status", (event) => event.status === "synced" && resolve()));
    expect(app.tasks.aslist()).toEqual([]);
    app.tasks.push(7, 8);
    await bridge(port);
    try {
      await synced;
      expect(app.tasks.aslist()).toEqual([1, 2, 7, 8]);
      expect((await openApp(id)).tasks.aslist()).toEqual([1, 2, 7, 8]);
    } finally {
      await app.$close();
    }
  });
});
