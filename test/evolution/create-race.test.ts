// Two versions opening one new instance at once: one process's open() reads nothing
// (a new instance) and, before its first batch (the defaults and `init` of a new
// instance) reaches Redis, a process of the other schema version makes the instance.
// The batch then lands on an instance it was not made for, and apply.lua refuses it
// (a version below the instance's `vmin`, or an instance older than the writer's). The
// interleaving is made explicit: the second open runs between the first's load and its
// first batch (a hook on the load, nothing timed). open() must end as if it had come
// after the other: a newer instance is refused with SchemaVersionError, an older one
// migrated. Stores: test/evolution/stores.
import { afterEach, describe, expect, it } from "vitest";
import { SchemaVersionError } from "redis-memory";
import { Backend } from "../../runtime/backend.js";
import { toV2 } from "./board-migrations.js";
import { Board as V1 } from "./stores/v1/board.js";
import { Board as V2 } from "./stores/v2/board.js";
import { dumpInstance, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

const load = Backend.prototype.load;
afterEach(() => {
  Backend.prototype.load = load;
});

/** Runs `between` once, right after the first load of `ns` has read Redis and before its reply is used. */
function afterFirstLoad(ns: string, between: () => Promise<void>): void {
  let done = false;
  Backend.prototype.load = async function (this: Backend, ...args: Parameters<Backend["load"]>) {
    const reply = await load.apply(this, args);
    if (!done && args[0] === ns) {
      done = true;
      await between();
    }
    return reply;
  };
}

const nsOf = (id: string): string => `memory:{Board:${id}}`;

describe("open() of a new instance that another schema version makes meanwhile", () => {
  it("v2 opening while v1 makes it: v2 migrates what v1 wrote (its init was for a new instance)", async () => {
    V2.migrations({ 2: toV2 });
    const id = uniqueId("race");
    afterFirstLoad(nsOf(id), async () => {
      const v1 = await V1.open({ redis: redisUrl(), id, live: false, init: { name: "made by v1" } });
      v1.cards = [{ text: "v1 card" }];
      await v1.$close();
    });
    const board = track(await V2.open({ redis: redisUrl(), id, live: false, init: { title: "made by v2" } }));
    const expected = { title: "made by v1", tags: {}, cards: [{ text: "v1 card", at: 0 }, { text: "migrated", at: 1 }], count: 0 };
    expect(board.$asdict()).toEqual(expected);
    expect(await rawClient().hgetall(`${board.$key}:meta`)).toMatchObject({ v: "2", vmin: "2" });
    expect(await rawClient().hexists(`${board.$key}:root`, "name")).toBe(0);
    // Redis holds what the store shows; the migration ran once.
    Backend.prototype.load = load;
    expect(track(await V2.open({ redis: redisUrl(), id, live: false })).$asdict()).toEqual(expected);
    board.cards!.push({ text: "v2 card", at: 2 });
    await board.$flush();
    expect(board.cards!.map((c) => c.text)).toEqual(["v1 card", "migrated", "v2 card"]);
  });

  it("v1 opening while v2 makes it: v1 is refused with SchemaVersionError; Redis keeps v2's instance", async () => {
    V2.migrations({ 2: toV2 });
    const id = uniqueId("race");
    afterFirstLoad(nsOf(id), async () => {
      const v2 = await V2.open({ redis: redisUrl(), id, live: false, init: { title: "made by v2" } });
      await v2.$close();
    });
    const error = await V1.open({ redis: redisUrl(), id, live: false, init: { name: "made by v1" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ key: nsOf(id), storeVersion: 1, instanceMinVersion: 2, instanceVersion: 2 });
    expect(await dumpInstance(rawClient(), nsOf(id))).toEqual({ [`${nsOf(id)}:root`]: { title: JSON.stringify("made by v2"), count: "0" } });
    expect(await rawClient().hgetall(`${nsOf(id)}:meta`)).toMatchObject({ v: "2", vmin: "2" });
  });
});
