// One operation, one row in each language: the batch script's OPS table
// (runtime/lua/apply.lua), the TypeScript operation names (runtime/ops.ts) and table
// (runtime/op/rows.ts) name the same operations. Needs no Redis: the Lua file is read as text.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OPS } from "../../runtime/op/rows.js";
import { OP_NAMES } from "../../runtime/ops.js";

const APPLY = readFileSync(new URL("../../runtime/lua/apply.lua", import.meta.url), "utf8");

/** The names apply.lua gives rows of its OPS table (`ROW.<name> = `, each made when a batch first uses it). */
function luaRows(source: string): string[] {
  return [...source.matchAll(/^(?:OPS|ROW)\.(\w+)\s*=/gm)].map((match) => match[1]!);
}

describe("apply.lua's OPS table", () => {
  it("has one row per operation of OP_NAMES, and no other", () => {
    const rows = luaRows(APPLY);
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows].sort()).toEqual([...OP_NAMES].sort());
  });

  it("refuses an unknown operation in one place only (the check loop)", () => {
    expect(APPLY.match(/which this library does not know/g)).toHaveLength(1);
  });
});

describe("runtime/op/rows.ts's OPS table", () => {
  it("has one row per operation of OP_NAMES, and no other", () => {
    expect(Object.keys(OPS).sort()).toEqual([...OP_NAMES].sort());
  });
});
