// The migration batch under a lost reply: open() of an instance at an older schema
// version writes the migrated data as one batch; when its reply is lost (the server
// applied it, the connection dropped), ioredis resends it after the reconnect and
// exactly-once makes that safe: the migration is applied once and open() resolves.
import { describe, expect, it } from "vitest";
import { FaultProxy, scriptCall } from "../helpers/proxy.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";
import { Board as V1 } from "../evolution/stores/v1/board.js";
import { Board as V2 } from "../evolution/stores/v2/board.js";
import { toV2 } from "../evolution/board-migrations.js";

describe("a migration batch whose reply was lost", () => {
  it("is applied once, and open() resolves with the migrated data", async () => {
    V2.migrations({ 2: toV2 });
    const id = uniqueId("migrate-lost");
    const v1 = await V1.open({ redis: redisUrl(), id, live: false, init: { name: "plans" } });
    v1.cards = [{ text: "first" }];
    await v1.$close();
    const raw = rawClient();
    const seqBefore = Number(await raw.hget(`${v1.$key}:meta`, "seq"));

    const proxy = await FaultProxy.start(redisUrl());
    const dropped = proxy.dropReply(scriptCall);
    const board = track(await V2.open({ redis: proxy.url, id, live: false }));
    await dropped;

    expect(board.cards!.map((c) => c.text)).toEqual(["first", "migrated"]);
    expect(await raw.hget(`${v1.$key}:root`, "cards")).toBe(JSON.stringify([{ text: "first", at: 0 }, { text: "migrated", at: 1 }]));
    expect(await raw.hgetall(`${v1.$key}:meta`)).toMatchObject({ v: "2", vmin: "2", seq: String(seqBefore + 1) });
    expect(proxy.accepted).toBeGreaterThan(1);
  });
});
