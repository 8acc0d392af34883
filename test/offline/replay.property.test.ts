// Every kind of write made offline, replayed when Redis comes on an instance nobody
// else wrote: Redis, the store and a plain model of the writes end up equal.
import { connect, createServer, type Server } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Memory, type SyncedDict, type SyncedList } from "redis-memory";
import { freePort } from "../../scripts/redis-server.js";
import { redisUrl, track, uniqueId } from "../helpers/redis.js";
import { property } from "../helpers/property.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Model {
  items: Json[];
  d: Record<string, Json>;
  counter: number;
}
type Step = (data: Model | (Model & Record<string, unknown>)) => void;

const scalar = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constantFrom("a", "b", "c"));
const record = fc.record({ n: fc.integer({ min: 0, max: 9 }), tags: fc.array(fc.constantFrom("x", "y"), { maxLength: 2 }) });
const element = fc.oneof(scalar, record);
const index = fc.nat(6);

// Each step runs the same way on the store and on the plain model.
const steps: fc.Arbitrary<[string, Step]>[] = [
  element.map((v) => [`push ${JSON.stringify(v)}`, (m) => void m.items.push(structuredClone(v))]),
  element.map((v) => [`unshift ${JSON.stringify(v)}`, (m) => void m.items.unshift(structuredClone(v))]),
  fc.constant(["pop", (m) => void m.items.pop()]),
  fc.constant(["shift", (m) => void m.items.shift()]),
  fc.tuple(index, fc.nat(2), fc.array(element, { maxLength: 2 })).map(([i, n, vs]) => [
    `splice ${i} ${n} ${JSON.stringify(vs)}`,
    (m) => void m.items.splice(Math.min(i, m.items.length), n, ...structuredClone(vs)),
  ]),
  fc.tuple(index, element).map(([i, v]) => [`items[${i}] = ${JSON.stringify(v)}`, (m) => {
    if (i < m.items.length) m.items[i] = structuredClone(v);
  }]),
  fc.tuple(index, fc.integer({ min: 0, max: 9 })).map(([i, n]) => [`items[${i}].n = ${n} (a record changed in place)`, (m) => {
    const item = m.items[i];
    if (typeof item === "object" && item !== null && !Array.isArray(item)) item.n = n;
  }]),
  fc.tuple(index, fc.constantFrom("x", "y")).map(([i, t]) => [`items[${i}].tags.push(${t})`, (m) => {
    const item = m.items[i];
    if (typeof item === "object" && item !== null && !Array.isArray(item)) (item.tags as Json[]).push(t);
  }]),
  fc.constant(["reverse", (m) => void m.items.reverse()]),
  fc.constant(["clear items", (m) => void m.items.splice(0, m.items.length)]),
  fc.tuple(fc.constantFrom("k1", "k2", "k3"), element).map(([k, v]) => [`d.${k} = ${JSON.stringify(v)}`, (m) => void (m.d[k] = structuredClone(v))]),
  fc.constantFrom("k1", "k2", "k3").map((k) => [`delete d.${k}`, (m) => void delete m.d[k]]),
  fc.tuple(fc.constantFrom("k1", "k2"), fc.integer({ min: 0, max: 9 })).map(([k, n]) => [`d.${k}.n = ${n}`, (m) => {
    const value = m.d[k];
    if (typeof value === "object" && value !== null && !Array.isArray(value)) value.n = n;
  }]),
  fc.integer({ min: 1, max: 5 }).map((by) => [`counter += ${by} ($incr)`, (m) => void (m.counter += by)]),
];

/** A port that refuses connections until open() bridges it to the test's Redis. */
async function gate(): Promise<{ url: string; open(): Promise<void>; close(): void }> {
  const port = await freePort();
  const target = new URL(redisUrl());
  let server: Server | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    open: () =>
      new Promise<void>((resolve) => {
        server = createServer((socket) => {
          const upstream = connect(Number(target.port), target.hostname);
          socket.pipe(upstream).pipe(socket);
          socket.on("error", () => upstream.destroy());
          upstream.on("error", () => socket.destroy());
        });
        server.listen(port, "127.0.0.1", () => resolve());
      }),
    close: () => void server?.close(),
  };
}

describe("offline replay", () => {
  it("of every kind of write leaves Redis, the store and the model equal", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(...steps), { minLength: 1, maxLength: 25 }), async (ops) => {
        const port = await gate();
        const id = uniqueId("offline-prop");
        const mem = track(await Memory.open({ redis: port.url, id, offline: true, connectTimeout: 100 })) as Memory & Record<string, unknown>;
        const synced = new Promise<void>((resolve) => mem.$on("status", (event) => event.status === "synced" && resolve()));
        const errors: Error[] = [];
        mem.$on("error", (error) => errors.push(error));
        const model: Model = { items: [], d: {}, counter: 0 };
        mem.items = [];
        mem.d = {};
        mem.counter = 0;
        const store = {
          get items() {
            return mem.items as SyncedList<Json>;
          },
          get d() {
            return mem.d as SyncedDict<Record<string, Json>>;
          },
          get counter() {
            return mem.counter as number;
          },
          set counter(value: number) {
            void mem.$incr("counter", value - (mem.counter as number));
          },
        } as unknown as Model;
        for (const [, step] of ops) {
          step(model);
          step(store);
        }
        expect(mem.$asdict()).toEqual(model);
        await port.open();
        try {
          await synced;
          await mem.$flush();
          expect(errors).toEqual([]);
          expect(mem.$asdict()).toEqual(model);
          const fresh = await Memory.open({ redis: redisUrl(), id, live: false });
          expect(fresh.$asdict()).toEqual(model);
          await fresh.$close();
        } finally {
          await mem.$close();
          port.close();
        }
      }),
      property(60),
    );
  });
});
