// $transaction: optimistic read-modify-write transactions. Exactly-once increments from
// two processes, fn's result, writes of a throwing fn, giving up after every attempt
// conflicted, and serialisability of concurrent transactions (property).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConflictError, Memory } from "redis-memory";
import { openApp, openMemory, redisUrl, uniqueId } from "../helpers/redis.js";
import { property } from "../helpers/property.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./increment-worker.ts", import.meta.url));

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
      property(15),
    );
  });
});
