// A connection remembers the containers an instance held when it last loaded it, and the
// next load reads them in its first round: a hint only. What the instance holds now decides.
import { describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

describe("open() on a connection that loaded the instance before", () => {
  it("reads the containers the instance holds now, not those it held then", async () => {
    const id = uniqueId("hint");
    const client = rawClient();
    const writer = await Memory.open({ redis: redisUrl(), id, live: false });
    writer.log = [];
    writer.log.push("a");
    writer.tags = {};
    writer.tags.x = 1;
    await writer.$close();

    const before = await Memory.open({ redis: client, id, live: false });
    expect(before.$asdict()).toEqual({ log: ["a"], tags: { x: 1 } });
    await before.$close();

    // Another connection drops a container and makes new ones.
    const other = await Memory.open({ redis: redisUrl(), id, live: false });
    delete other.log;
    other.notes = [];
    other.notes.push("b");
    other.more = {};
    other.more.k = [1];
    await other.$close();

    const after = track(await Memory.open({ redis: client, id, live: false }));
    const fresh = track(await Memory.open({ redis: redisUrl(), id, live: false }));
    expect(after.$asdict()).toEqual({ tags: { x: 1 }, notes: ["b"], more: { k: [1] } });
    expect(after.$asdict()).toEqual(fresh.$asdict());
  });

  it("reads an instance deleted and made again with other containers", async () => {
    const id = uniqueId("hint-again");
    const client = rawClient();
    const first = await Memory.open({ redis: client, id, live: false });
    first.log = [];
    first.log.push("old");
    await first.$flush();
    await first.$delete();
    await first.$close();
    const second = await Memory.open({ redis: redisUrl(), id, live: false });
    second.log = [];
    second.log.push("new");
    await second.$close();
    const reader = track(await Memory.open({ redis: client, id, live: false }));
    expect(reader.$asdict()).toEqual({ log: ["new"] });
  });
});
