// The change log stays within its caps (entries and bytes), and a live replica that
// needed trimmed entries reloads. The batch script is called directly here, with
// small caps; stores pass the caps in runtime/backend.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openMemory, rawClient, uniqueId } from "../helpers/redis.js";
import { settle } from "./settle.js";

const APPLY = readFileSync(new URL("../../runtime/lua/apply.lua", import.meta.url), "utf8");

interface Caps {
  readonly entries: number;
  readonly bytes: number;
}

/** Writes `count` batches, each setting one root field to a string of `size` characters. */
async function writeBatches(ns: string, count: number, size: number, caps: Caps): Promise<void> {
  const raw = rawClient();
  for (let i = 1; i <= count; i++) {
    const ops = JSON.stringify([["set", "", `k${i % 10}`, JSON.stringify(`${i}:`.padEnd(size, "x"))]]);
    await raw.eval(APPLY, 3, `${ns}:root`, `${ns}:meta`, `${ns}:log`, ns, "raw-writer", i, ops, "", caps.entries, 65_536, caps.bytes);
  }
}

/** The log's length, its bytes as the script counts them, and the counter in meta. */
async function logState(ns: string): Promise<{ length: number; bytes: number; counted: number; seqs: number[] }> {
  const raw = rawClient();
  const entries = await raw.xrange(`${ns}:log`, "-", "+");
  let bytes = 0;
  const seqs: number[] = [];
  for (const [, fields] of entries) {
    bytes += 64;
    for (let j = 0; j < fields.length; j += 2) {
      if (["o", "r", "i"].includes(fields[j]!)) bytes += Buffer.byteLength(fields[j + 1]!);
      if (fields[j] === "s") seqs.push(Number(fields[j + 1]));
    }
  }
  return { length: entries.length, bytes, counted: Number(await raw.hget(`${ns}:meta`, "logbytes")), seqs };
}

describe("ns:log bounds", () => {
  it("trims the oldest entries past the byte cap, and counts the bytes it keeps exactly", async () => {
    const mem = await openMemory(uniqueId("log"));
    await writeBatches(mem.$key, 200, 1_000, { entries: 10_000, bytes: 20_000 });
    const state = await logState(mem.$key);
    expect(state.bytes).toBeLessThanOrEqual(20_000);
    expect(state.counted).toBe(state.bytes);
    expect(state.length).toBeGreaterThan(1);
    // What is kept is the newest, without holes.
    expect(state.seqs.at(-1)).toBe(200);
    expect(state.seqs).toEqual(state.seqs.map((_, i) => state.seqs[0]! + i));
  });

  it("trims the oldest entries past the entry cap", async () => {
    const mem = await openMemory(uniqueId("log"));
    await writeBatches(mem.$key, 200, 10, { entries: 50, bytes: 0 });
    const state = await logState(mem.$key);
    expect(state.length).toBeLessThanOrEqual(50);
    expect(state.seqs.at(-1)).toBe(200);
  });

  it("a live replica that missed trimmed entries reloads and converges", async () => {
    const id = uniqueId("log");
    const live = await openMemory(id, { live: true });
    await writeBatches(live.$key, 300, 2_000, { entries: 20, bytes: 10_000 });
    await settle([live], rawClient());
    const fresh = await openMemory(id);
    expect(live.$asdict()).toEqual(fresh.$asdict());
    expect(Object.keys(fresh.$asdict())).toHaveLength(10);
  });
});
