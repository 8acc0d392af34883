// Property test under faults: random batches of writes (appends of scalars and
// records, appends large enough to be staged, in-place record edits, key writes and deletes, increments) go through a
// TCP proxy, and between them a random fault happens: a lost reply, a connection
// cut after a batch left, or SCRIPT FLUSH (with another client loading the script
// again between two batches in flight). After each step a freshly opened store,
// the writer's replica, a live observer and a plain model agree, and every `$incr`
// resolved to the value the model computed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Memory, type SyncedDict, type SyncedList, type UntypedMemory } from "redis-memory";
import { STAGE_AT } from "../../runtime/backend.js";
import { FaultProxy, scriptCall } from "../helpers/proxy.js";
import { orphanKeys, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { property } from "../helpers/property.js";

type Message = { role: string; content: string };
interface Model {
  items: (string | number)[];
  records: Message[];
  keys: Record<string, number>;
  counter: number;
}

type Write =
  | { kind: "push"; value: string | number }
  /** Enough values at once to be staged when it ends its batch (runtime/backend.ts, STAGE_AT). */
  | { kind: "bulk"; count: number }
  | { kind: "record"; message: Message }
  | { kind: "edit"; index: number; content: string }
  | { kind: "set"; key: string; value: number }
  | { kind: "delete"; key: string }
  | { kind: "pop" }
  | { kind: "incr"; by: number };
type Fault = "none" | "lost reply" | "cut" | "script flush";
interface Step {
  readonly fault: Fault;
  readonly batches: readonly (readonly Write[])[];
  /** Another client's increment just before the step (when the step increments too): the writer's replica is behind. */
  readonly otherIncr: number;
}

const key = fc.constantFrom("a", "b", "c", "__proto__", "k é");
const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constant("push" as const), value: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant("record" as const), message: fc.record({ role: fc.constantFrom("user", "assistant"), content: fc.string({ maxLength: 40 }) }) }),
  fc.record({ kind: fc.constant("edit" as const), index: fc.nat({ max: 6 }), content: fc.string({ maxLength: 20 }) }),
  fc.record({ kind: fc.constant("set" as const), key, value: fc.integer({ min: -100, max: 100 }) }),
  fc.record({ kind: fc.constant("delete" as const), key }),
  fc.constant({ kind: "pop" as const }),
  fc.record({ kind: fc.constant("incr" as const), by: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constant("bulk" as const), count: fc.integer({ min: STAGE_AT, max: STAGE_AT + 50 }) }),
);
const step: fc.Arbitrary<Step> = fc
  .record({
    fault: fc.constantFrom<Fault>("none", "lost reply", "cut", "script flush"),
    batches: fc.array(fc.array(write, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 2 }),
    otherIncr: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })),
  })
  // Holding the script replies of two batches counts script calls: a staged batch makes two.
  .filter((s) => !(s.fault === "script flush" && s.batches.length === 2 && s.batches.flat().some((w) => w.kind === "bulk")));

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Applies one write to the model and the store; an increment's promise comes back with the value the model expects. */
function apply(w: Write, model: Model, store: UntypedMemory): [Promise<number>, number] | undefined {
  const items = store.items as SyncedList<string | number>;
  const records = store.records as SyncedList<Message>;
  const keys = store.keys as SyncedDict<Record<string, number>>;
  switch (w.kind) {
    case "push":
      model.items.push(w.value);
      items.push(w.value);
      return undefined;
    case "bulk": {
      const values = Array.from({ length: w.count }, (_, i) => model.items.length + i);
      model.items.push(...values);
      items.push(...values);
      return undefined;
    }
    case "record":
      model.records.push({ ...w.message });
      records.push({ ...w.message });
      return undefined;
    case "edit":
      if (w.index >= model.records.length) return undefined;
      model.records[w.index]!.content = w.content;
      (records[w.index] as SyncedDict<Message>).content = w.content;
      return undefined;
    case "set":
      Object.defineProperty(model.keys, w.key, { value: w.value, writable: true, enumerable: true, configurable: true });
      keys[w.key] = w.value;
      return undefined;
    case "delete":
      delete model.keys[w.key];
      delete keys[w.key];
      return undefined;
    case "pop":
      model.items.pop();
      items.pop();
      return undefined;
    case "incr":
      model.counter += w.by;
      return [store.$incr("counter", w.by), model.counter];
  }
}

/** Whether a batch writes anything (an edit past the end, a delete of an absent key or a pop of an empty list sends nothing). */
function writes(batch: readonly Write[], model: Model, before: readonly Write[]): boolean {
  const items = model.items.length;
  const records = model.records.length;
  const keys = new Set(Object.keys(model.keys));
  // What comes before each write (earlier batches, then the batch itself up to the write).
  const earlier = (i: number): Write[] => [...before, ...batch.slice(0, i)];
  const count = (list: Write[], kind: Write["kind"]): number => list.filter((other) => other.kind === kind).length;
  return batch.some((w, i) => {
    switch (w.kind) {
      case "edit":
        return w.index < records + count(earlier(i), "record");
      case "delete":
        return keys.has(w.key) || earlier(i).some((other) => other.kind === "set" && other.key === w.key);
      case "pop":
        return items + count(earlier(i), "push") - count(earlier(i), "pop") > 0;
      default:
        return true;
    }
  });
}

describe("random faults between random batches", () => {
  it("leave Redis, the writer's replica, a live observer and the model equal, and $incr exact", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const raw = rawClient();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const id = uniqueId("fault-prop");
        const writer = await Memory.open({ redis: proxy.url, id, live: false });
        const observer = await Memory.open({ redis: redisUrl(), id, live: true });
        try {
          writer.items = [];
          writer.records = [];
          writer.keys = {};
          writer.counter = 0;
          await writer.$flush();
          const model: Model = { items: [], records: [], keys: {}, counter: 0 };
          for (const { fault, batches, otherIncr } of steps) {
            if (otherIncr !== 0 && batches.some((batch) => batch.some((w) => w.kind === "incr"))) {
              model.counter += otherIncr;
              expect(await observer.$incr("counter", otherIncr)).toBe(model.counter);
            }
            if (fault === "lost reply") void proxy.dropReply(scriptCall);
            if (fault === "cut") void proxy.cutAfterRequest(scriptCall);
            // With two batches: the first gets NOSCRIPT, another client loads the script again, the second runs first.
            const reloadBetween =
              fault === "script flush" && batches.length === 2 && writes(batches[0]!, model, []) && writes(batches[1]!, model, batches[0]!);
            if (fault === "script flush") await raw.script("FLUSH");
            if (reloadBetween) proxy.holdReplies(scriptCall);
            const increments: [Promise<number>, number][] = [];
            for (const [n, batch] of batches.entries()) {
              for (const w of batch) {
                const incr = apply(w, model, writer);
                if (incr) increments.push(incr);
              }
              // The next batch leaves while this one is in flight.
              await tick();
              if (reloadBetween && n === 0) {
                await expect.poll(() => proxy.heldReplies).toBe(1);
                await observer.$incr("counter", 0);
              }
            }
            if (reloadBetween) {
              await expect.poll(() => proxy.heldReplies).toBe(2);
              proxy.releaseReplies();
            }
            await writer.$flush();
            proxy.disarm();
            const results = await Promise.all(increments.map(([promise]) => promise));
            expect(results).toEqual(increments.map(([, expected]) => expected));
            expect(writer.$asdict()).toEqual(model);
            const fresh = await Memory.open({ redis: redisUrl(), id, live: false });
            try {
              expect(fresh.$asdict()).toEqual(model);
              expect(await orphanKeys(raw, writer.$key)).toEqual([]);
            } finally {
              await fresh.$close();
            }
            await expect.poll(() => observer.$asdict(), { timeout: 10_000 }).toEqual(model);
          }
        } finally {
          proxy.disarm();
          proxy.releaseReplies();
          await Promise.allSettled([writer.$close(), observer.$close()]);
        }
      }),
      property(15, { endOnFailure: true }),
    );
  });
});
