// What a worker or API pod needs around reads and writes: `await using`, unknown
// options refused, stores that take no undeclared property, expiry as a whole, listing
// and existence of instances, and optimistic transactions.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConflictError, Memory, OptionsError, UsageError } from "redis-memory";
import { App, dumpInstance, openApp, openMemory, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./transaction-worker.ts", import.meta.url));

describe("await using", () => {
  it("closes the store at the end of the block", async () => {
    const id = uniqueId("using");
    let closed: App | undefined;
    {
      await using app = await App.open({ redis: redisUrl(), id });
      app.title = "written";
      closed = app;
    }
    expect(() => {
      closed!.title = "after";
    }).toThrow(/closed/);
    expect((await openApp(id)).title).toBe("written");
  });
});

describe("open() options", () => {
  it("refuses an unknown option, naming it and the one meant", async () => {
    const error = await App.open({ redis: redisUrl(), liv: false } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).message).toMatch(/`liv`.*did you mean `live`/);
  });
});

describe("typed stores are not extensible", () => {
  it("assigning a property the schema does not declare throws and persists nothing", async () => {
    const id = uniqueId("closed");
    const app = await openApp(id);
    expect(() => {
      (app as unknown as Record<string, unknown>).sumary = "typo";
    }).toThrow(UsageError);
    await app.$flush();
    expect(await rawClient().hget(`${app.$key}:root`, "sumary")).toBeNull();
  });
});

describe("ttl", () => {
  it("gives every key of the instance the same expiry, and each batch slides it", async () => {
    const id = uniqueId("ttl");
    const app = await openApp(id, { ttl: 60_000 });
    app.tasks.push(1);
    app.config.theme = "dark";
    await app.$flush();
    const raw = rawClient();
    const keys = Object.keys(await dumpInstance(raw, app.$key)).concat(`${app.$key}:meta`);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    const expiries = await Promise.all(keys.map((key) => raw.call("PEXPIRETIME", key) as Promise<number>));
    expect(new Set(expiries).size).toBe(1);
    expect(expiries[0]).toBeGreaterThan(0);
    const ttl = (await app.$ttl())!;
    expect(ttl).toBeGreaterThan(50_000);
    // Less than 90% of the ttl left: the next batch sets it again for every key.
    for (const key of keys) await raw.pexpire(key, 30_000);
    app.tasks.push(2);
    await app.$flush();
    const after = await Promise.all(keys.map((key) => raw.call("PEXPIRETIME", key) as Promise<number>));
    expect(new Set(after).size).toBe(1);
    expect(after[0]!).toBeGreaterThan(expiries[0]! - 30_000 + 25_000);
  });

  it("an instance without ttl has no expiry", async () => {
    const app = await openApp(uniqueId("no-ttl"));
    app.title = "x";
    await app.$flush();
    expect(await app.$ttl()).toBeUndefined();
  });

  it("a live store sees its instance expire as a whole and holds the new instance", async () => {
    const id = uniqueId("expire");
    const writer = await openApp(id, { ttl: 400 });
    writer.title = "gone soon";
    await writer.$flush();
    const live = await openApp(id, { live: true });
    const statuses: string[] = [];
    live.$on("status", (event) => statuses.push(event.status));
    expect(live.title).toBe("gone soon");
    await expect.poll(() => statuses, { timeout: 10_000 }).toContain("expired");
    expect(live.title).toBeUndefined();
    expect(live.tasks.aslist()).toEqual([]);
  });
});

describe("exists() and ids()", () => {
  it("lists exactly the instances of a store under a prefix", async () => {
    const prefix = `ids-${uniqueId()}:`;
    const ids = Array.from({ length: 25 }, (_, i) => `conv-${i}`);
    for (const id of ids) {
      const app = track(await App.open({ redis: redisUrl(), prefix, id }));
      app.title = id;
      await app.$flush();
    }
    // Another store under the same prefix is not listed.
    const other = await openMemory("conv-x", { prefix });
    other.a = 1;
    await other.$flush();
    const listed: string[] = [];
    for await (const id of App.ids({ redis: redisUrl(), prefix })) listed.push(id);
    expect(listed.sort()).toEqual([...ids].sort());
    expect(await App.exists({ redis: redisUrl(), prefix, id: "conv-3" })).toBe(true);
    expect(await App.exists({ redis: redisUrl(), prefix, id: "conv-99" })).toBe(false);
    expect(await Memory.exists({ redis: redisUrl(), prefix, id: "conv-x" })).toBe(true);
  });
});

describe("$transaction", () => {
  it("two processes x 200 read-modify-write increments give exactly 400", async () => {
    const id = uniqueId("txn");
    const setup = await openMemory(id);
    setup.counter = 0;
    await setup.$close();
    const workers = [0, 1].map(() => {
      const child = spawn(process.execPath, ["--import", "tsx", WORKER, redisUrl(), id, "200"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
      const messages: Record<string, unknown>[] = [];
      const ready = new Promise<void>((resolve) => child.on("message", (m: Record<string, unknown>) => (messages.push(m), m.ready && resolve())));
      const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
      return { child, ready, exit, messages };
    });
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.send({ go: true });
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);
    expect(workers.flatMap((w) => w.messages.filter((m) => "ran" in m).map((m) => m.ran))).toEqual([200, 200]);
    const fresh = await openMemory(id);
    expect(fresh.counter).toBe(400);
  });

  it("resolves to fn's result once acknowledged; a throwing fn writes nothing", async () => {
    const id = uniqueId("txn-result");
    const app = await openApp(id);
    app.counter = 1;
    await app.$flush();
    expect(await app.$transaction((a) => (a.counter = (a.counter ?? 0) + 1))).toBe(2);
    await expect(
      app.$transaction((a) => {
        a.title = "never";
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    await app.$flush();
    const fresh = await openApp(id);
    expect(fresh.counter).toBe(2);
    expect(fresh.title).toBeUndefined();
  });

  it("gives up with ConflictError when every attempt conflicts", async () => {
    const id = uniqueId("txn-conflict");
    const app = await openApp(id);
    const other = await openApp(id);
    app.counter = 0;
    await app.$flush();
    const error = await app
      .$transaction(async (a) => {
        other.counter = Math.random();
        await other.$flush();
        a.counter = 1;
      }, { attempts: 3 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
  });

  it("concurrent transactions of three stores are serialisable (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 9 })), { minLength: 1, maxLength: 12 }), async (steps) => {
        const id = uniqueId("txn-prop");
        const setup = await openMemory(id);
        setup.counter = 0;
        setup.log = [];
        await setup.$close();
        const stores = await Promise.all([0, 1, 2].map(() => Memory.open({ redis: redisUrl(), id, live: true })));
        try {
          // Every step reads the counter and appends the value it wrote: a serial order
          // of the committed transactions gives a strictly increasing log ending at the sum.
          await Promise.all(
            steps.map(([s, k]) =>
              stores[s]!.$transaction((m) => {
                const next = (m.counter as number) + k;
                m.counter = next;
                (m.log as number[]).push(next);
              }, { attempts: 1_000 }),
            ),
          );
          const fresh = await openMemory(id);
          const log = fresh.log as number[];
          expect(fresh.counter).toBe(steps.reduce((sum, [, k]) => sum + k, 0));
          expect(log).toHaveLength(steps.length);
          expect(log.at(-1)).toBe(fresh.counter);
          for (let i = 1; i < log.length; i++) expect(log[i]!).toBeGreaterThan(log[i - 1]!);
        } finally {
          await Promise.all(stores.map((s) => s.$close()));
        }
      }),
      { numRuns: 15 },
    );
  });
});
