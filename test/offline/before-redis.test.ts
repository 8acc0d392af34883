// Store members that need Redis, called on a store opened offline before Redis came:
// they wait for it or say why not, with the library's errors (never a TypeError).
import { connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { ClosedError, ConnectionError, Memory } from "redis-memory";
import { freePort } from "../../scripts/redis-server.js";
import { openMemory, redisUrl, track, uniqueId } from "../helpers/redis.js";

describe("a store opened offline", () => {
  it("$transaction waits until Redis came and the store synced, then runs", async () => {
    const port = await freePort();
    const id = uniqueId("offline-txn");
    const mem = track(await Memory.open({ redis: `redis://127.0.0.1:${port}`, id, offline: true, connectTimeout: 100 }));
    const result = mem.$transaction((m) => {
      m.counter = ((m.counter as number | undefined) ?? 0) + 1;
      return "ran";
    });
    const target = new URL(redisUrl());
    const bridge = createServer((socket) => {
      const upstream = connect(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => bridge.listen(port, "127.0.0.1", resolve));
    try {
      expect(await result).toBe("ran");
      expect((await openMemory(id)).counter).toBe(1);
    } finally {
      await mem.$close();
      bridge.close();
    }
  });

  it("$transaction on a store closed before Redis came rejects with ClosedError; $ttl() and $delete() with ConnectionError", async () => {
    const port = await freePort();
    const mem = await Memory.open({ redis: `redis://127.0.0.1:${port}`, id: uniqueId("offline-closed"), offline: true, connectTimeout: 100 });
    mem.$on("error", () => {});
    await expect(mem.$ttl()).rejects.toBeInstanceOf(ConnectionError);
    await expect(mem.$delete()).rejects.toBeInstanceOf(ConnectionError);
    const result = mem.$transaction((m) => {
      m.a = 1;
    });
    await mem.$close();
    await expect(result).rejects.toBeInstanceOf(ClosedError);
  });
});
