// A store open while another process migrates its instance: a reload ($refresh(), the
// one after a refused batch, the change feed's) decides as open() would. An instance
// this store's version may no longer write is refused with SchemaVersionError and the
// replica keeps what it held (newer data is never shown as this version's); an
// instance an older version made again is migrated. Stores: test/evolution/stores.
import { describe, expect, it } from "vitest";
import { SchemaVersionError, type StoreEvents } from "redis-memory";
import { toV2 } from "./board-migrations.js";
import { Board as V1 } from "./stores/v1/board.js";
import { Board as V2 } from "./stores/v2/board.js";
import { dumpInstance, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

async function v1Instance(): Promise<{ id: string; ns: string }> {
  const id = uniqueId("board");
  const board = await V1.open({ redis: redisUrl(), id, live: false, init: { name: "plans" } });
  board.tags = ["a"];
  board.cards = [{ text: "first" }];
  await board.$close();
  return { id, ns: board.$key };
}

const V1_DATA = { name: "plans", tags: ["a"], cards: [{ text: "first" }], count: 0 };
const V2_DATA = { title: "plans", tags: { a: true }, cards: [{ text: "first", at: 0 }, { text: "migrated", at: 1 }], count: 0 };

/** The next `error` event of a store. */
function nextError(store: { $on(event: "error", listener: (e: StoreEvents["error"]) => void): () => void }): Promise<StoreEvents["error"]> {
  return new Promise((resolve) => {
    const off = store.$on("error", (error) => {
      off();
      resolve(error);
    });
  });
}

describe("$refresh() of a store whose instance a newer version migrated", () => {
  it("rejects with the SchemaVersionError open() gives, and the replica keeps this version's data", async () => {
    V2.migrations({ 2: toV2 });
    const { id, ns } = await v1Instance();
    const old = track(await V1.open({ redis: redisUrl(), id, live: false }));
    track(await V2.open({ redis: redisUrl(), id, live: false }));
    const migrated = await dumpInstance(rawClient(), ns);

    const error = await old.$refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ key: ns, storeVersion: 1, instanceMinVersion: 2, instanceVersion: 2 });
    const fromOpen = await V1.open({ redis: redisUrl(), id, live: false }).catch((e: unknown) => e);
    expect((error as Error).message).toBe((fromOpen as Error).message);
    expect(old.$asdict()).toEqual(V1_DATA);
    // Redis keeps the new shape, untouched by the refused reload.
    expect(await dumpInstance(rawClient(), ns)).toEqual(migrated);
    expect(await rawClient().hgetall(`${ns}:meta`)).toMatchObject({ v: "2", vmin: "2" });
  });

  it("after a refused write, the reload is refused too: an error event, no newer data in the replica", async () => {
    V2.migrations({ 2: toV2 });
    const { id, ns } = await v1Instance();
    const old = track(await V1.open({ redis: redisUrl(), id, live: false }));
    track(await V2.open({ redis: redisUrl(), id, live: false }));
    const errors: Error[] = [];
    old.$on("error", (e) => errors.push(e));
    old.cards!.push({ text: "old pod" });
    await old.$flush().catch(() => undefined);
    // flush() waits for the reload after the refusal: its error has been emitted.
    expect(errors.map((e) => e.name)).toEqual(["WriteError", "SchemaVersionError"]);
    expect(old.$asdict()).toMatchObject({ name: "plans", tags: ["a"] });
    expect(await rawClient().hexists(`${ns}:root`, "name")).toBe(0);
  });
});

describe("a live store of an older version when a newer one migrates its instance", () => {
  it("does not apply the migration's entry: it reloads, is refused with SchemaVersionError and keeps its data", async () => {
    V2.migrations({ 2: toV2 });
    const { id, ns } = await v1Instance();
    const old = track(await V1.open({ redis: redisUrl(), id, live: true }));
    const refused = nextError(old);
    track(await V2.open({ redis: redisUrl(), id, live: false }));
    const error = await refused;
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ key: ns, storeVersion: 1, instanceMinVersion: 2 });
    expect(old.$asdict()).toEqual(V1_DATA);
    // The feed waits (no reload per wake-up) until a $refresh() may load the instance.
    await expect(old.$refresh()).rejects.toBeInstanceOf(SchemaVersionError);
    expect(old.$asdict()).toEqual(V1_DATA);
  });
});

describe("a live store of a newer version when an older one makes its instance again", () => {
  // onInvalid applies to the migrated data, not to the older shape the migration reads
  // (checked as v2 data, the v1 data would be reported invalid, or left out of the
  // migration's input with "load-valid").
  it.each(["fail", "load-valid"] as const)("reloads and migrates it, as open() would, instead of applying the older shape (onInvalid %s)", async (onInvalid) => {
    V2.migrations({ 2: toV2 });
    const { id, ns } = await v1Instance();
    const board = track(await V2.open({ redis: redisUrl(), id, live: true, onInvalid }));
    expect(board.$asdict()).toEqual(V2_DATA);
    const errors: Error[] = [];
    board.$on("error", (error) => errors.push(error));
    const migratedAgain = new Promise<void>((resolve) => {
      const off = board.$on("change", () => {
        if (board.title === "again") {
          off();
          resolve();
        }
      });
      board.$on("status", ({ status }) => {
        if (status === "reloaded" && board.title === "again") resolve();
      });
    });
    // The instance deleted and made again by an old pod (a rollback's script, an expiry and a new session).
    await rawClient().del(`${ns}:root`, `${ns}:meta`, `${ns}:log`);
    const again = await V1.open({ redis: redisUrl(), id, live: false, init: { name: "again" } });
    again.tags = ["z"];
    await again.$close();
    await migratedAgain;
    expect(board.$asdict()).toEqual({ title: "again", tags: { z: true }, cards: [{ text: "migrated", at: 1 }], count: 0 });
    // The v1 data read was never checked as v2 data (no ValidationError event): it was migrated.
    expect(errors).toEqual([]);
    expect(await rawClient().hgetall(`${ns}:meta`)).toMatchObject({ v: "2", vmin: "2" });
    expect(await rawClient().hget(`${ns}:root`, "title")).toBe(JSON.stringify("again"));
  });
});
