// Store.migrations and open(): an instance written at an older schema version is
// migrated on open (steps run, the result checked against the schema, written as one
// batch conditioned on what was read); a newer, incompatible instance is refused; what
// a migration cannot do writes nothing. Stores: test/evolution/stores (generated from
// test/evolution/schemas: v1, v1 plus an optional note, v2 with breaking changes).
import { describe, expect, it } from "vitest";
import { MigrationError, SchemaVersionError, ValidationError, WriteError } from "redis-memory";
import { toV2 } from "./board-migrations.js";
import { Board as V1 } from "./stores/v1/board.js";
import { Board as V1Note } from "./stores/v1-note/board.js";
import { Board as V2 } from "./stores/v2/board.js";
import { dumpInstance, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

async function v1Instance(): Promise<{ id: string; ns: string }> {
  const id = uniqueId("board");
  const board = await V1.open({ redis: redisUrl(), id, live: false, init: { name: "plans" } });
  board.tags = ["a", "b"];
  board.cards = [{ text: "first" }];
  await board.$close();
  return { id, ns: board.$key };
}

const meta = (ns: string): Promise<Record<string, string>> => rawClient().hgetall(`${ns}:meta`);

describe("Store.version", () => {
  it("is the schema's x-redis-memory version, 1 by default", () => {
    expect(V1.version).toBe(1);
    expect(V2.version).toBe(2);
  });
});

describe("open() of an instance at an older schema version", () => {
  it("runs the migration, writes its result and records the versions in ns:meta", async () => {
    V2.migrations({ 2: toV2 });
    const { id, ns } = await v1Instance();
    expect(await meta(ns)).toMatchObject({ v: "1", vmin: "1" });
    const board = track(await V2.open({ redis: redisUrl(), id, live: false }));
    expect(board.$asdict()).toEqual({ title: "plans", tags: { a: true, b: true }, cards: [{ text: "first", at: 0 }, { text: "migrated", at: 1 }], count: 0 });
    expect(await meta(ns)).toMatchObject({ v: "2", vmin: "2" });
    const fresh = track(await V2.open({ redis: redisUrl(), id, live: false }));
    expect(fresh.$asdict()).toEqual(board.$asdict());
    expect(await rawClient().hexists(`${ns}:root`, "name")).toBe(0);
  });

  it("concurrent opens migrate it once", async () => {
    V2.migrations({ 2: toV2 });
    const { id, ns } = await v1Instance();
    const seqBefore = Number((await meta(ns)).seq);
    const boards = await Promise.all(Array.from({ length: 8 }, () => V2.open({ redis: redisUrl(), id, live: false }).then(track)));
    for (const board of boards) expect(board.cards!.map((c) => c.text)).toEqual(["first", "migrated"]);
    // One migration batch (the opens' default fills find `count` set and write nothing more).
    expect(Number((await meta(ns)).seq)).toBe(seqBefore + 1);
  });

  it("without a registered migration for a breaking step, fails naming the step; nothing written", async () => {
    V2.migrations({});
    const { id, ns } = await v1Instance();
    const before = await dumpInstance(rawClient(), ns);
    const error = await V2.open({ redis: redisUrl(), id, live: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toMatch(new RegExp(`migrating ${ns.replace(/[{}]/g, "\\$&")} from schema version 1 to 2 failed: .*no migration to 2 is registered`));
    expect(await dumpInstance(rawClient(), ns)).toEqual(before);
    expect(await meta(ns)).toMatchObject({ v: "1", vmin: "1" });
  });

  it("a migration that throws fails open with the step and the instance; nothing written", async () => {
    V2.migrations({ 2: () => { throw new Error("bad data"); } });
    const { id, ns } = await v1Instance();
    const before = await dumpInstance(rawClient(), ns);
    const error = await V2.open({ redis: redisUrl(), id, live: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ key: ns, from: 1, to: 2 });
    expect((error as Error).message).toContain("the migration threw: bad data");
    expect(await dumpInstance(rawClient(), ns)).toEqual(before);
  });

  it("a migration whose result fails the schema fails open with the problems; nothing written", async () => {
    V2.migrations({ 2: (v1) => ({ ...toV2(v1), cards: [{ text: "no at" }] }) });
    const { id, ns } = await v1Instance();
    const before = await dumpInstance(rawClient(), ns);
    const error = await V2.open({ redis: redisUrl(), id, live: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).cause).toBeInstanceOf(ValidationError);
    expect(((error as MigrationError).cause as ValidationError).path).toEqual(["cards", 0]);
    expect(await dumpInstance(rawClient(), ns)).toEqual(before);
    expect(await meta(ns)).toMatchObject({ v: "1" });
  });

  it("a step keyed by a version the store does not have is an OptionsError", () => {
    expect(() => V2.migrations({ 3: toV2 })).toThrow(/migrations\[3\].*from 2 to 2/);
  });
});

describe("an instance at a newer schema version", () => {
  it("one that older versions may not write is refused with SchemaVersionError naming both versions", async () => {
    V2.migrations({ 2: toV2 });
    const { id, ns } = await v1Instance();
    await track(await V2.open({ redis: redisUrl(), id, live: false })).$flush();
    const error = await V1.open({ redis: redisUrl(), id, live: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ key: ns, storeVersion: 1, instanceMinVersion: 2, instanceVersion: 2 });
    expect((error as Error).message).toMatch(/schema version 2 .* this store has schema version 1/);
  });

  it("an old store still open is refused when it writes after the migration; Redis keeps the new shape", async () => {
    V2.migrations({ 2: toV2 });
    const { id, ns } = await v1Instance();
    const old = track(await V1.open({ redis: redisUrl(), id, live: false }));
    track(await V2.open({ redis: redisUrl(), id, live: false }));
    const after = await dumpInstance(rawClient(), ns);
    old.cards!.push({ text: "old pod" });
    const error = await old.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("version");
    expect(await dumpInstance(rawClient(), ns)).toEqual(after);
  });
});

describe("rollback after an additive change", () => {
  it("the older code opens what the newer wrote, keeps its field, and both go on writing", async () => {
    const id = uniqueId("board");
    const newer = track(await V1Note.open({ redis: redisUrl(), id, live: false, init: { name: "n" } }));
    newer.note = "kept";
    await newer.$flush();
    const older = track(await V1.open({ redis: redisUrl(), id, live: false }));
    older.cards = [{ text: "by v1" }];
    older.name = "renamed";
    await older.$flush();
    expect(await rawClient().hget(`${older.$key}:root`, "note")).toBe(JSON.stringify("kept"));
    const again = track(await V1Note.open({ redis: redisUrl(), id, live: false }));
    expect(again.$asdict()).toMatchObject({ name: "renamed", note: "kept", cards: [{ text: "by v1" }] });
  });
});
