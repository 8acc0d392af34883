// Parity with a plain array: each operation runs on a plain array and on a synced
// list; the result, the list, and a second store opened afterwards all agree.
import { describe, expect, it } from "vitest";
import { OperationError, SyncedList } from "redis-memory";
import { openMemory, uniqueId } from "../helpers/redis.js";

type Json = unknown;
type ListOp = { name: string; run: (list: any[]) => Json; plain?: (list: any[]) => Json };

const start = (): Json[] => [1, "two", { three: 3 }, [4, [5]], null, true];

const ops: ListOp[] = [
  { name: "push", run: (l) => l.push(7, { x: [8] }) },
  { name: "pop", run: (l) => l.pop() },
  { name: "shift", run: (l) => l.shift() },
  { name: "unshift", run: (l) => l.unshift(0, [0.5]) },
  { name: "splice (remove middle)", run: (l) => l.splice(1, 2) },
  { name: "splice (insert middle)", run: (l) => l.splice(2, 0, "a", { b: 1 }) },
  { name: "splice (replace)", run: (l) => l.splice(1, 3, "x") },
  { name: "splice (negative start)", run: (l) => l.splice(-2) },
  { name: "splice (start only)", run: (l) => l.splice(3) },
  { name: "sort", run: (l) => { l.sort((a, b) => String(JSON.stringify(a)).localeCompare(JSON.stringify(b))); } },
  { name: "reverse", run: (l) => { l.reverse(); } },
  { name: "fill", run: (l) => { l.fill({ f: 1 }, 1, 3); } },
  { name: "copyWithin", run: (l) => { l.copyWithin(0, 2, 4); } },
  { name: "index assignment", run: (l) => { l[2] = "new"; } },
  { name: "index assignment at length", run: (l) => { l[l.length] = "end"; } },
  { name: "length truncation", run: (l) => { l.length = 2; } },
  { name: "append", run: (l) => (l as any).append([1]), plain: (l) => { l.push([1]); } },
  { name: "extend", run: (l) => (l as any).extend([9, 10]), plain: (l) => { l.push(9, 10); } },
  { name: "insert", run: (l) => (l as any).insert(1, "in"), plain: (l) => { l.splice(1, 0, "in"); } },
  { name: "insert (negative)", run: (l) => (l as any).insert(-1, "in"), plain: (l) => { l.splice(-1, 0, "in"); } },
  { name: "remove", run: (l) => (l as any).remove({ three: 3 }), plain: (l) => { l.splice(2, 1); } },
  { name: "pop(i)", run: (l) => (l as any).pop(1), plain: (l) => l.splice(1, 1)[0] },
  { name: "pop(-2)", run: (l) => (l as any).pop(-2), plain: (l) => l.splice(-2, 1)[0] },
  { name: "clear", run: (l) => (l as any).clear(), plain: (l) => { l.length = 0; } },
  { name: "nested push", run: (l) => l[3][1].push(6), plain: (l) => l[3][1].push(6) },
  { name: "nested dict write", run: (l) => { l[2].four = [4]; } },
];

describe("SyncedList mutators (parity with Array, persisted)", () => {
  for (const op of ops) {
    it(op.name, async () => {
      const id = uniqueId("list");
      const a = await openMemory(id);
      a.list = start();
      const plain = start();
      const expected = (op.plain ?? op.run)(plain);
      const result = op.run(a.list);
      expect(JSON.parse(JSON.stringify(result ?? null))).toEqual(JSON.parse(JSON.stringify(expected ?? null)));
      expect(a.list.aslist()).toEqual(plain);
      await a.$flush();
      const b = await openMemory(id);
      expect(b.list.aslist()).toEqual(plain);
    });
  }
});

describe("SyncedList reads", () => {
  it("is a real Array and a SyncedList", async () => {
    const a = await openMemory(uniqueId());
    a.list = [3, 1, 2];
    expect(Array.isArray(a.list)).toBe(true);
    expect(a.list instanceof SyncedList).toBe(true);
    expect(a.list instanceof Array).toBe(true);
    expect([1, 2] instanceof SyncedList).toBe(false);
  });

  it("supports iteration, spread, JSON and non-mutating methods", async () => {
    const a = await openMemory(uniqueId());
    a.list = [3, 1, 2];
    expect([...a.list]).toEqual([3, 1, 2]);
    expect(a.list.map((x: number) => x * 2)).toEqual([6, 2, 4]);
    expect(a.list.reduce((s: number, x: number) => s + x, 0)).toBe(6);
    expect(a.list.filter((x: number) => x > 1)).toEqual([3, 2]);
    expect(a.list.slice(1)).toEqual([1, 2]);
    expect(a.list.includes(2)).toBe(true);
    expect(a.list.indexOf(1)).toBe(1);
    expect(a.list.at(-1)).toBe(2);
    expect(a.list.toSorted()).toEqual([1, 2, 3]);
    expect(a.list.length).toBe(3);
    expect(Object.keys(a.list)).toEqual(["0", "1", "2"]);
    expect(JSON.stringify(a.list)).toBe("[3,1,2]");
    expect(a.list[1]).toBe(1);
    expect(a.list[5]).toBeUndefined();
    const seen: number[] = [];
    for (const x of a.list) seen.push(x as number);
    expect(seen).toEqual([3, 1, 2]);
    expect(a.list.aslist()).toEqual([3, 1, 2]);
  });

  it("iterates like an array: nested loops, break, spread, Array.from, destructuring, live length", async () => {
    const a = await openMemory(uniqueId());
    a.list = [1, 2, 3];
    const pairs: string[] = [];
    for (const x of a.list) {
      for (const y of a.list) {
        if (y > 2) break;
        pairs.push(`${x}${y}`);
      }
    }
    expect(pairs).toEqual(["11", "12", "21", "22", "31", "32"]);
    expect([...a.list]).toEqual([1, 2, 3]);
    expect(Array.from(a.list, (x: number) => x + 1)).toEqual([2, 3, 4]);
    const [first, ...rest] = a.list;
    expect([first, rest]).toEqual([1, [2, 3]]);
    const seen: number[] = [];
    for (const x of a.list) {
      seen.push(x);
      if (x === 1) a.list.push(4);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect([...a.list.entries()]).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
    const it = a.list[Symbol.iterator]();
    expect(it[Symbol.iterator]()).toBe(it);
  });

  it("throws OperationError from remove() and pop(i) when out of range, changing nothing", async () => {
    const a = await openMemory(uniqueId());
    a.list = [1];
    expect(() => a.list.remove(5)).toThrow(OperationError);
    expect(() => a.list.pop(3)).toThrow(OperationError);
    expect(a.list.aslist()).toEqual([1]);
  });
});
