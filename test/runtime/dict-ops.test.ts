// Parity with a plain object: each dict operation runs on a plain object and on a
// synced dict; the result, the dict, and a second store opened afterwards agree.
import { describe, expect, it } from "vitest";
import { OperationError, SyncedDict, asdict, update } from "redis-memory";
import { openMemory, uniqueId } from "../helpers/redis.js";

const start = (): Record<string, unknown> => ({ a: 1, b: "two", c: { d: [1, 2] }, e: [{ f: null }] });

type DictOp = { name: string; run: (d: any) => unknown; plain: (d: any) => unknown };

const ops: DictOp[] = [
  { name: "property write", run: (d) => { d.x = 5; }, plain: (d) => { d.x = 5; } },
  { name: "bracket write of a container", run: (d) => { d["y z"] = { n: [1] }; }, plain: (d) => { d["y z"] = { n: [1] }; } },
  { name: "overwrite a container", run: (d) => { d.c = 3; }, plain: (d) => { d.c = 3; } },
  { name: "delete", run: (d) => { delete d.c; }, plain: (d) => { delete d.c; } },
  { name: "assign undefined deletes", run: (d) => { d.a = undefined; }, plain: (d) => { delete d.a; } },
  { name: "update", run: (d) => d.update({ a: 10, g: [1] }), plain: (d) => { Object.assign(d, { a: 10, g: [1] }); } },
  { name: "update (function form)", run: (d) => update(d, { h: true }), plain: (d) => { d.h = true; } },
  { name: "pop", run: (d) => d.pop("c"), plain: (d) => { const v = d.c; delete d.c; return v; } },
  { name: "pop with default", run: (d) => d.pop("zz", 7), plain: () => 7 },
  { name: "popitem", run: (d) => d.popitem(), plain: (d) => { const v = d.e; delete d.e; return ["e", v]; } },
  { name: "setdefault (absent)", run: (d) => asdict(d.setdefault("n", { k: 1 })), plain: (d) => { d.n = { k: 1 }; return { k: 1 }; } },
  { name: "setdefault (present)", run: (d) => d.setdefault("a", 9), plain: () => 1 },
  { name: "clear", run: (d) => d.clear(), plain: (d) => { for (const k of Object.keys(d)) delete d[k]; } },
  { name: "get", run: (d) => [d.get("a"), d.get("nope", 3)], plain: () => [1, 3] },
  { name: "nested list push", run: (d) => d.c.d.push(3), plain: (d) => d.c.d.push(3) },
  { name: "nested dict in list", run: (d) => { d.e[0].f = "g"; }, plain: (d) => { d.e[0].f = "g"; } },
  { name: "__proto__ and constructor keys are data", run: (d) => { d["__proto__"] = { p: 1 }; d.constructor = "c"; }, plain: (d) => { Object.defineProperty(d, "__proto__", { value: { p: 1 }, enumerable: true, writable: true, configurable: true }); d.constructor = "c"; } },
];

describe("SyncedDict operations (parity with objects, persisted)", () => {
  for (const op of ops) {
    it(op.name, async () => {
      const id = uniqueId("dict");
      const a = await openMemory(id);
      a.d = start();
      const plain = start();
      const expected = op.plain(plain);
      const result = op.run(a.d);
      expect(JSON.parse(JSON.stringify(result ?? null))).toEqual(JSON.parse(JSON.stringify(expected ?? null)));
      expect(a.d.asdict()).toEqual(plain);
      await a.$flush();
      const b = await openMemory(id);
      expect(b.d.asdict()).toEqual(plain);
      expect(Object.prototype).not.toHaveProperty("p");
    });
  }

  it("incr adds atomically and resolves to the server's value", async () => {
    const id = uniqueId();
    const a = await openMemory(id);
    a.d = { n: 1, f: 0.5 };
    const [n, f, fresh] = await Promise.all([a.d.incr("n"), a.d.incr("f", 0.25), a.d.incr("new", 5)]);
    expect([n, f, fresh]).toEqual([2, 0.75, 5]);
    expect(a.d.asdict()).toEqual({ n: 2, f: 0.75, new: 5 });
    const b = await openMemory(id);
    expect(b.d.asdict()).toEqual({ n: 2, f: 0.75, new: 5 });
  });

  it("incr on a non-number throws OperationError and changes nothing", async () => {
    const a = await openMemory(uniqueId());
    a.d = { s: "x" };
    expect(() => a.d.incr("s")).toThrow(OperationError);
    expect(a.d.asdict()).toEqual({ s: "x" });
  });

  it("behaves like an object for keys, spread, in and JSON", async () => {
    const a = await openMemory(uniqueId());
    a.d = { x: 1, y: [2] };
    expect(Object.keys(a.d)).toEqual(["x", "y"]);
    expect({ ...a.d }.x).toBe(1);
    expect("x" in a.d).toBe(true);
    expect("z" in a.d).toBe(false);
    expect(JSON.stringify(a.d)).toBe('{"x":1,"y":[2]}');
    expect(a.d instanceof SyncedDict).toBe(true);
    expect({} instanceof SyncedDict).toBe(false);
  });

  it("a data key named like a method wins over the method", async () => {
    const a = await openMemory(uniqueId());
    a.d = { update: 1 };
    expect(a.d.update).toBe(1);
    expect(update).toBeTypeOf("function");
  });

  it("pop and popitem on missing data throw OperationError", async () => {
    const a = await openMemory(uniqueId());
    a.d = {};
    expect(() => a.d.pop("x")).toThrow(OperationError);
    expect(() => a.d.popitem()).toThrow(OperationError);
  });
});
