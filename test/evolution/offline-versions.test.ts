// A store opened offline (Redis out of reach) decides on versions when Redis comes, as
// open() would: an instance at an older version is migrated before the writes made
// offline replay onto it; one this version may no longer write is refused with
// SchemaVersionError and the writes made offline are not sent. Redis arrives through a
// TCP bridge started after the open. Stores: test/evolution/stores.
import { connect, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SchemaVersionError } from "redis-memory";
import { freePort } from "../../scripts/redis-server.js";
import { toV2 } from "./board-migrations.js";
import { Board as V1 } from "./stores/v1/board.js";
import { Board as V2 } from "./stores/v2/board.js";
import { dumpInstance, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

const bridges: Server[] = [];
afterEach(() => {
  for (const bridge of bridges.splice(0)) bridge.close();
});

/** Starts forwarding `port` to the test's Redis. */
async function bridge(port: number): Promise<void> {
  const target = new URL(redisUrl());
  const server = createServer((socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  bridges.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
}

function statusOf(store: { $on(event: "status", listener: (e: { status: string }) => void): () => void }, wanted: string): Promise<void> {
  return new Promise((resolve) => store.$on("status", ({ status }) => status === wanted && resolve()));
}

describe("a store opened offline, when Redis comes", () => {
  it("migrates an instance at an older version, then replays the writes made offline onto it", async () => {
    V2.migrations({ 2: toV2 });
    const id = uniqueId("offline");
    const v1 = await V1.open({ redis: redisUrl(), id, live: false, init: { name: "plans" } });
    v1.tags = ["a"];
    await v1.$close();
    const port = await freePort();
    const board = track(await V2.open({ redis: `redis://127.0.0.1:${port}`, id, offline: true, live: false, connectTimeout: 100, init: { title: "offline" } }));
    board.count = 5;
    const synced = statusOf(board, "synced");
    await bridge(port);
    await synced;
    const expected = { title: "plans", tags: { a: true }, cards: [{ text: "migrated", at: 1 }], count: 5 };
    expect(board.$asdict()).toEqual(expected);
    expect(await rawClient().hgetall(`${board.$key}:meta`)).toMatchObject({ v: "2", vmin: "2" });
    expect(track(await V2.open({ redis: redisUrl(), id, live: false })).$asdict()).toEqual(expected);
  });

  it("an instance this version may no longer write: SchemaVersionError, nothing sent", async () => {
    V2.migrations({ 2: toV2 });
    const id = uniqueId("offline");
    const v2 = await V2.open({ redis: redisUrl(), id, live: false, init: { title: "new" } });
    await v2.$close();
    const before = await dumpInstance(rawClient(), v2.$key);
    const port = await freePort();
    const old = track(await V1.open({ redis: `redis://127.0.0.1:${port}`, id, offline: true, live: false, connectTimeout: 100, init: { name: "offline" } }));
    old.count = 5;
    const refused = new Promise<Error>((resolve) => old.$on("error", resolve));
    await bridge(port);
    const error = await refused;
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ key: v2.$key, storeVersion: 1, instanceMinVersion: 2 });
    expect(await dumpInstance(rawClient(), v2.$key)).toEqual(before);
  });
});
