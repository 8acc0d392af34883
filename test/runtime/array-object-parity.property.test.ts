// A SyncedList behaves as a JavaScript Array and a SyncedDict as an object (Python's
// semantics for the Python-style names), at the edges too: seeded random sequences of
// every mutator with edge arguments run on a plain array/object and on a store (typed
// and the untyped Memory). After each step the return value, whether it threw, and the
// state (key order included) agree; after each $flush() a fresh open() and a live store
// in another process agree too. Where JavaScript would make data JSON cannot hold
// (holes, properties beside the elements) the store refuses the write and changes
// nothing: the plain side is then left as it was.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asdict, clear, get, incr, pop, popitem, setdefault, update } from "redis-memory";
import { openApp, openMemory, redisUrl, uniqueId } from "../helpers/redis.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./parity-worker.ts", import.meta.url));
/** Fixed, so that a failure replays; PARITY_SEED explores others. */
const SEED = Number(process.env.PARITY_SEED ?? 20_261_207);
const RUNS = Number(process.env.PARITY_RUNS ?? 15);

/* eslint-disable @typescript-eslint/no-explicit-any -- the same steps run on plain and synced values */
type Any = any;

// ---- arguments at the edges ------------------------------------------------

const INDEXES: readonly (number | string)[] = [
  0, 1, 2, 3, 5, -1, -2, -0, 1.5, -1.5, NaN, Infinity, -Infinity, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 53,
  "0", "1", "01", "1.5", "-1", "x", "length",
];
const COUNTS: readonly unknown[] = [0, 1, 2, 3, 10, -1, 1.5, NaN, Infinity, -Infinity, undefined, "1", "x"];
const LENGTHS: readonly unknown[] = [0, 1, 2, 3, 4, 6, 1.5, -1, NaN, "2", "x", 2 ** 32 - 1, 2 ** 32];
const KEYS: readonly string[] = [
  "a", "b", "c", "", "__proto__", "constructor", "toString", "hasOwnProperty", "pop", "length",
  "0", "1", "2", "10", "01", "-1", "1.5", "4294967295",
  // Over 64 bytes: Redis stores the hash as a hashtable (its HGETALL order is not insertion order).
  "long-".padEnd(70, "k"),
];
/** More fields than a listpack hash holds (hash-max-listpack-entries: 128 upstream, 512 in Debian's build). */
const MANY: readonly [string, number][] = Array.from({ length: 600 }, (_, i) => [i % 50 === 7 ? String(i) : `m${(i * 7) % 600}`, i]);

const scalar = fc.oneof(fc.integer({ min: -3, max: 9 }), fc.constantFrom("a", "b", "", "é", "long ".padEnd(70, "v")), fc.boolean(), fc.constant(null));
const anyValue = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 1, arbitrary: fc.record({ a: scalar }) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) },
);
const index = fc.constantFrom(...INDEXES);
const count = fc.constantFrom(...COUNTS);
const key = fc.constantFrom(...KEYS);

/** A step: what it does, on a plain value or a synced one (`plain` says which). */
interface Step {
  readonly label: string;
  run(target: Any, plain: boolean): unknown;
}

const step = (label: string, run: Step["run"]): Step => ({ label, run });
const copy = <T>(value: T): T => structuredClone(value);
const text = (value: unknown): string => JSON.stringify(value) ?? "undefined";

// ---- lists -----------------------------------------------------------------

/** Python's list.pop(i) and insert(i, x) on a plain array (the store's pop() without i is Array's). */
function pyPop(list: unknown[], i?: number): unknown {
  if (i === undefined) return list.pop();
  const j = i < 0 ? list.length + i : i;
  if (!Number.isInteger(j) || j < 0 || j >= list.length) throw new Error(`pop(${i}): index out of range`);
  return list.splice(j, 1)[0];
}
function pyInsert(list: unknown[], i: number, value: unknown): void {
  list.splice(i < 0 ? Math.max(list.length + i, 0) : Math.min(i, list.length), 0, value);
}
function pyRemove(list: unknown[], value: unknown): void {
  const at = list.findIndex((item) => text(item) === text(value));
  if (at < 0) throw new Error("remove(x): x not in list");
  list.splice(at, 1);
}

type Comparator = { kind: "none" } | { kind: "json" } | { kind: "throw"; at: number } | { kind: "push"; value: unknown } | { kind: "pop" } | { kind: "reversed" };

function comparator(spec: Comparator, list: Any): ((a: unknown, b: unknown) => number) | undefined {
  const byText = (a: unknown, b: unknown): number => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0);
  let calls = 0;
  switch (spec.kind) {
    case "none": return undefined;
    case "json": return byText;
    case "reversed": return (a, b) => byText(b, a);
    case "throw": return (a, b) => {
      if (++calls === spec.at) throw new Error("comparator threw");
      return byText(a, b);
    };
    case "push": return (a, b) => {
      if (++calls === 1) list.push(copy(spec.value));
      return byText(a, b);
    };
    case "pop": return (a, b) => {
      if (++calls === 1) list.pop();
      return byText(a, b);
    };
  }
}

const comparatorSpec: fc.Arbitrary<Comparator> = fc.oneof(
  fc.constant({ kind: "none" as const }),
  fc.constant({ kind: "json" as const }),
  fc.constant({ kind: "reversed" as const }),
  fc.integer({ min: 1, max: 4 }).map((at) => ({ kind: "throw" as const, at })),
  scalar.map((value) => ({ kind: "push" as const, value })),
  fc.constant({ kind: "pop" as const }),
);

function listSteps(value: fc.Arbitrary<unknown>): fc.Arbitrary<Step> {
  const values = fc.array(value, { maxLength: 3 });
  return fc.oneof(
    fc.tuple(index, value).map(([i, v]) => step(`l[${text(i)}] = ${text(v)}`, (l) => { l[i as number] = copy(v); })),
    index.map((i) => step(`delete l[${text(i)}]`, (l) => delete l[i as number])),
    fc.constantFrom(...LENGTHS).map((n) => step(`l.length = ${text(n)}`, (l) => { l.length = n; })),
    values.map((vs) => step(`push(${text(vs)})`, (l) => l.push(...copy(vs)))),
    values.map((vs) => step(`unshift(${text(vs)})`, (l) => l.unshift(...copy(vs)))),
    fc.constant(step("pop()", (l) => l.pop())),
    fc.constant(step("shift()", (l) => l.shift())),
    fc.tuple(fc.array(count, { maxLength: 2 }), values).map(([args, vs]) =>
      step(`splice(${text(args)}, ...${text(vs)})`, (l) => (args.length < 2 ? l.splice(...args) : l.splice(...args, ...copy(vs))))),
    comparatorSpec.map((spec) => step(`sort(${text(spec)})`, (l) => l.sort(comparator(spec, l)))),
    fc.constant(step("reverse()", (l) => l.reverse())),
    fc.tuple(value, fc.array(count, { maxLength: 2 })).map(([v, args]) => step(`fill(${text(v)}, ${text(args)})`, (l) => l.fill(copy(v), ...args))),
    fc.array(count, { minLength: 1, maxLength: 3 }).map((args) => step(`copyWithin(${text(args)})`, (l) => l.copyWithin(...args))),
    // In place, inside an element (a record held inline becomes a container of its own).
    fc.tuple(fc.nat(4), scalar).map(([i, v]) => step(`l[${i}] nested write ${text(v)}`, (l) => {
      const element = l[i];
      if (Array.isArray(element)) return element.push(v);
      if (typeof element === "object" && element !== null) element.a = v;
    })),
    // Python-style names (redis-memory).
    value.map((v) => step(`append(${text(v)})`, (l, plain) => (plain ? void l.push(copy(v)) : l.append(copy(v))))),
    values.map((vs) => step(`extend(${text(vs)})`, (l, plain) => (plain ? void l.push(...copy(vs)) : l.extend(copy(vs))))),
    fc.tuple(fc.integer({ min: -5, max: 5 }), value).map(([i, v]) => step(`insert(${i}, ${text(v)})`, (l, plain) => (plain ? pyInsert(l, i, copy(v)) : l.insert(i, copy(v))))),
    value.map((v) => step(`remove(${text(v)})`, (l, plain) => (plain ? pyRemove(l, v) : l.remove(copy(v))))),
    fc.constantFrom(-4, -1, 0, 1, 2, 7, 1.5, NaN).map((i) => step(`pop(${i})`, (l, plain) => (plain ? pyPop(l, i) : l.pop(i)))),
    fc.constant(step("clear()", (l, plain) => (plain ? void (l.length = 0) : l.clear()))),
  );
}

/** A plain array JSON can hold: every index from 0 to length - 1, nothing else, no undefined. */
function isJsonArray(list: unknown[]): boolean {
  const keys = Object.keys(list);
  return keys.length === list.length && keys.every((k, i) => k === String(i)) && list.every((item) => item !== undefined);
}

// ---- dicts -------------------------------------------------------------------

/** A plain object (no prototype: `__proto__` is data) with Python's dict methods beside it. */
class PlainDict {
  readonly data: Record<string, unknown> = Object.create(null);
  /** Every key, in insertion order (Python's popitem). */
  private order: string[] = [];

  set(k: string, v: unknown): void {
    if (!(k in this.data)) this.order.push(k);
    this.data[k] = v;
  }
  delete(k: string): boolean {
    if (k in this.data) {
      delete this.data[k];
      this.order.splice(this.order.indexOf(k), 1);
    }
    return true;
  }
  pop(k: string, ...fallback: unknown[]): unknown {
    if (!(k in this.data)) {
      if (fallback.length === 0) throw new Error(`pop(${k}): no such key`);
      return fallback[0];
    }
    const v = this.data[k];
    this.delete(k);
    return v;
  }
  popitem(): [string, unknown] {
    const k = this.order.at(-1);
    if (k === undefined) throw new Error("popitem(): empty");
    return [k, this.pop(k)];
  }
  clone(): PlainDict {
    const out = new PlainDict();
    for (const k of this.order) out.set(k, copy(this.data[k]));
    out.order = [...this.order];
    return out;
  }
}

function dictSteps(value: fc.Arbitrary<unknown>): fc.Arbitrary<Step> {
  const fallback = fc.option(fc.oneof(value, fc.constant(undefined)), { nil: null }).map((f) => (f === null ? [] : [f]));
  return fc.oneof(
    fc.tuple(key, value).map(([k, v]) => step(`d[${text(k)}] = ${text(v)}`, (d, plain) => (plain ? d.set(k, copy(v)) : void (d[k] = copy(v))))),
    key.map((k) => step(`delete d[${text(k)}]`, (d, plain) => (plain ? d.delete(k) : delete d[k]))),
    fc.tuple(key, fallback).map(([k, f]) => step(`get(${text(k)}, ${text(f)})`, (d, plain) => (plain ? (k in d.data ? d.data[k] : f[0]) : get(d, k, ...f)))),
    fc.tuple(key, fallback).map(([k, f]) => step(`pop(${text(k)}, ${text(f)})`, (d, plain) => (plain ? d.pop(k, ...f) : (pop as Any)(d, k, ...f)))),
    fc.constant(step("popitem()", (d, plain) => (plain ? d.popitem() : popitem(d)))),
    fc.tuple(key, value).map(([k, v]) => step(`setdefault(${text(k)}, ${text(v)})`, (d, plain) => {
      if (!plain) return setdefault(d, k, copy(v));
      if (!(k in d.data)) d.set(k, copy(v));
      return d.data[k];
    })),
    fc.array(fc.tuple(key, value), { maxLength: 3 }).map((pairs) => step(`update(${text(pairs)})`, (d, plain) => {
      if (!plain) return update(d, copy(pairs) as [string, unknown][]);
      for (const [k, v] of pairs) d.set(k, copy(v));
    })),
    fc.constant(step(`update(${MANY.length} keys)`, (d, plain) => {
      if (!plain) return update(d, MANY as [string, unknown][]);
      for (const [k, v] of MANY) d.set(k, v);
    })),
    fc.tuple(key, fc.constantFrom(1, -2, 3)).map(([k, by]) => step(`incr(${text(k)}, ${by})`, (d, plain) => {
      if (!plain) return incr(d, k as never, by);
      const current = k in d.data ? d.data[k] : 0;
      if (typeof current !== "number") throw new Error("incr of a non-number");
      d.set(k, current + by);
      return current + by;
    })),
    fc.tuple(key, scalar).map(([k, v]) => step(`d[${text(k)}] nested write ${text(v)}`, (d, plain) => {
      const value = plain ? (k in d.data ? d.data[k] : undefined) : get(d, k);
      if (Array.isArray(value)) return value.push(v);
      if (typeof value === "object" && value !== null) value.a = v;
    })),
    fc.constant(step("clear()", (d, plain) => {
      if (!plain) return clear(d);
      for (const k of Object.keys(d.data)) d.delete(k);
    })),
  );
}

// ---- running both sides --------------------------------------------------------

interface Outcome {
  readonly threw: boolean;
  readonly value: string;
}

async function outcome(run: () => unknown, self: unknown): Promise<Outcome> {
  try {
    let value = run();
    if (value instanceof Promise) value = await value;
    return { threw: false, value: value === self ? "self" : text(value) };
  } catch {
    return { threw: true, value: "" };
  }
}

/** Another process's live store: it reports what its replica holds once caught up. */
class Peer {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (message: Any) => void>();

  constructor(storeName: string) {
    this.child = spawn(process.execPath, ["--import", "tsx", WORKER, redisUrl(), storeName], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.child.on("message", (message: Any) => {
      const [kind] = Object.keys(message);
      this.waiting.get(kind!)?.(message[kind!]);
    });
  }

  private ask(send: object, reply: string): Promise<Any> {
    return new Promise((resolve) => {
      this.waiting.set(reply, resolve);
      this.child.send(send);
    });
  }

  ready(): Promise<void> {
    return new Promise((resolve) => this.waiting.set("ready", () => resolve()));
  }
  async open(id: string): Promise<void> {
    await this.ask({ open: id }, "opened");
  }
  async state(id: string): Promise<Any> {
    const { data } = await this.ask({ report: id }, "state");
    return JSON.parse(data as string);
  }
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.send({ exit: true });
    await exited;
  }
}

interface Kind {
  readonly name: string;
  readonly storeName: string;
  /** Opens the store (`fresh`: live off, to read what Redis holds) with an empty list and dict. */
  open(id: string): Promise<Any>;
  readonly list: string;
  readonly dict: string;
  readonly value: fc.Arbitrary<unknown>;
}

const kinds: Kind[] = [
  { name: "Memory (untyped)", storeName: "Memory", open: (id) => openMemory(id), list: "l", dict: "d", value: anyValue },
  // The typed store's `tasks` hold scalars; `config` any JSON value.
  { name: "a typed store", storeName: "App", open: (id) => openApp(id), list: "tasks", dict: "config", value: scalar },
];

for (const kind of kinds) {
  describe(`SyncedList and SyncedDict vs Array and object (${kind.name})`, () => {
    let peer: Peer;
    beforeAll(async () => {
      peer = new Peer(kind.storeName);
      await peer.ready();
    });
    afterAll(async () => {
      await peer.stop();
    });

    it("agree on every step's result, error and state; after each $flush() a fresh open() and a live store in another process agree too", async () => {
      const steps = fc.oneof(
        { weight: 10, arbitrary: listSteps(kind.value).map((s) => ({ on: "list" as const, s })) },
        { weight: 8, arbitrary: dictSteps(kind.value).map((s) => ({ on: "dict" as const, s })) },
        { weight: 2, arbitrary: fc.constant({ on: "flush" as const, s: step("$flush()", () => undefined) }) },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(steps, { minLength: 5, maxLength: 40 }), async (sequence) => {
          const id = uniqueId("parity");
          const store = await kind.open(id);
          store[kind.list] = [];
          store[kind.dict] = {};
          await store.$flush();
          await peer.open(id);
          let list: unknown[] = [];
          let dict = new PlainDict();
          const done: string[] = [];
          const state = (): [string, string] => [text(store[kind.list]), text(asdict(store[kind.dict]))];
          const expected = (): [string, string] => [text(list), text(dict.data)];

          for (const { on, s } of sequence) {
            done.push(`${on}: ${s.label}`);
            const where = done.join("\n");
            if (on === "flush") {
              await store.$flush();
              const fresh = await kind.open(id);
              expect([text(fresh[kind.list]), text(asdict(fresh[kind.dict]))], where).toEqual(expected());
              const live = await peer.state(id);
              expect([text(live[kind.list]), text(live[kind.dict])], where).toEqual(expected());
              continue;
            }
            if (on === "list") {
              const next = copy(list);
              const plain = await outcome(() => s.run(next, true), next);
              const synced = store[kind.list];
              if (!plain.threw && !isJsonArray(next)) {
                // JavaScript made holes or a property beside the elements: the store refuses it, changing nothing.
                expect((await outcome(() => s.run(synced, false), synced)).threw, where).toBe(true);
              } else {
                expect(await outcome(() => s.run(synced, false), synced), where).toEqual(plain);
                list = next;
              }
            } else {
              const next = dict.clone();
              const plain = await outcome(() => s.run(next, true), next);
              const synced = store[kind.dict];
              expect(await outcome(() => s.run(synced, false), synced), where).toEqual(plain);
              dict = next;
            }
            expect(state(), where).toEqual(expected());
          }
          await store.$flush();
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });
  });
}
