// The cut of a tick into batches (runtime/split.ts): each batch within the bound, and
// the batches applied in order mean what the tick meant. Needs no Redis.
import { describe, expect, it } from "vitest";
import type { Op } from "../../runtime/ops.js";
import { fits, takeBatch, type BatchLimits } from "../../runtime/split.js";

const SMALL: BatchLimits = { operations: 4, values: 10, bytes: 1_000 };

function batches(ops: Op[], limits = SMALL): Op[][] {
  const out: Op[][] = [];
  let rest = ops;
  while (rest.length > 0) {
    const [batch, next] = takeBatch(rest, limits);
    out.push(batch);
    rest = next;
  }
  return out;
}

/** A list as the list operations leave it. */
function applyList(list: string[], ops: readonly Op[]): string[] {
  const out = [...list];
  for (const op of ops) {
    switch (op[0]) {
      case "push": out.push(...op[2]); break;
      case "unshift": out.unshift(...op[2]); break;
      case "replace": out.splice(0, out.length, ...op[2]); break;
      case "splice": out.splice(op[2], op[3], ...op[4]); break;
      default: throw new Error(`not a list op: ${op[0]}`);
    }
  }
  return out;
}

const values = (n: number, tag = "v"): string[] => Array.from({ length: n }, (_, i) => `"${tag}${i}"`);

describe("takeBatch", () => {
  const cases: [string, Op][] = [
    ["push", ["push", "L", values(25)]],
    ["unshift", ["unshift", "L", values(25)]],
    ["replace", ["replace", "L", values(25)]],
    ["splice", ["splice", "L", 1, 2, values(25)]],
  ];
  for (const [name, op] of cases) {
    it(`cuts a ${name} of more values than a batch holds into batches that mean the same`, () => {
      const cut = batches([op]);
      expect(cut.length).toBeGreaterThan(2);
      for (const batch of cut) expect(fits(batch, SMALL)).toBe(true);
      const start = ['"a"', '"b"', '"c"', '"d"'];
      expect(applyList(start, cut.flat())).toEqual(applyList(start, [op]));
    });
  }

  it("keeps the order of operations and at most `operations` of them per batch", () => {
    const ops: Op[] = Array.from({ length: 10 }, (_, i): Op => ["set", "D", `k${i}`, String(i)]);
    const cut = batches(ops);
    expect(cut.map((batch) => batch.length)).toEqual([4, 4, 2]);
    expect(cut.flat()).toEqual(ops);
  });

  it("cuts the promote of a value the batch has just written: the rest of its contents go to the new container", () => {
    const contents = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? `f${i}` : String(i)));
    const ops: Op[] = [["set", "", "big", "{...}"], ["promote", "", "big", "NEW", "d", "0".repeat(40), contents]];
    const cut = batches(ops);
    for (const batch of cut) expect(fits(batch, SMALL)).toBe(true);
    const flat = cut.flat();
    const promote = flat.find((op) => op[0] === "promote") as Extract<Op, { 0: "promote" }>;
    const sets = flat.filter((op): op is Extract<Op, { 0: "set" }> => op[0] === "set" && op[1] === "NEW");
    expect([...promote[6], ...sets.flatMap((op) => [op[2], op[3]])]).toEqual(contents);
  });

  it("sends an operation that cannot be cut alone, whole", () => {
    const promote: Op = ["promote", "L", 0, "NEW", "l", "0".repeat(40), values(25)];
    const cut = batches([["set", "", "x", "1"], promote, ["set", "", "y", "2"]]);
    expect(cut).toEqual([[["set", "", "x", "1"]], [promote], [["set", "", "y", "2"]]]);
  });
});
