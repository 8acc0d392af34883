// The change log is for catching up, not history: it keeps at most `maxEntries`
// entries, none older than `maxAgeMs`, and the log key itself expires `maxAgeMs`
// after the last batch. A live replica that needed trimmed entries reloads. The
// batch script is called directly here, with small limits; stores pass the limits
// of runtime/backend.ts (DEFAULT_LOG).
import { describe, expect, it } from "vitest";
import { APPLY_EVAL } from "../../runtime/batch-script.js";
import { batchCall, batchHeader, batchKeys } from "../../runtime/protocol/batch.js";
import { ENTRY_FIELD } from "../../runtime/protocol/log.js";
import { openMemory, rawClient, uniqueId } from "../helpers/redis.js";
import { settle } from "./settle.js";

interface Limits {
  readonly entries: number;
  readonly ageMs: number;
}

/** Writes `count` batches of one client, each setting one root field to a string of `size` characters. */
async function writeBatches(ns: string, count: number, size: number, limits: Limits, first = 1): Promise<void> {
  const raw = rawClient();
  const epoch = (await raw.hget(`${ns}:meta`, "epoch")) ?? "";
  for (let i = first; i < first + count; i++) {
    const ops = JSON.stringify([["set", "", `k${i % 10}`, JSON.stringify(`${i}:`.padEnd(size, "x"))]]);
    const e = i === 1 ? epoch : ((await raw.hget(`${ns}:meta`, "epoch")) ?? "");
    const header = batchHeader(
      { ns, clientId: "raw-writer", seq: i, prev: i - 1, epoch: e, newEpoch: "rawepoch00000", ops: [], keys: [], schemaHash: "",
        log: { maxEntries: limits.entries, maxAgeMs: limits.ageMs, maxOpsBytes: 65_536 }, ttl: 0, readAt: "", ownSubscriptions: -1, acked: i - 1 },
      { stage: "", own: -1 },
    );
    await raw.call("EVAL", [APPLY_EVAL, ...batchCall(batchKeys(ns, [""]), header, ops, [])]);
  }
}

async function logSeqs(ns: string): Promise<number[]> {
  const entries = await rawClient().xrange(`${ns}:log`, "-", "+");
  return entries.map(([, fields]) => (JSON.parse(fields[fields.indexOf(ENTRY_FIELD) + 1]!) as { s: number }).s);
}

describe("ns:log bounds", () => {
  it("keeps at most maxEntries entries: the newest, without holes", async () => {
    const mem = await openMemory(uniqueId("log"));
    await writeBatches(mem.$key, 200, 10, { entries: 50, ageMs: 60_000 });
    const seqs = await logSeqs(mem.$key);
    expect(seqs).toHaveLength(50);
    expect(seqs).toEqual(seqs.map((_, i) => seqs.at(-1)! - 49 + i));
  });

  it("drops entries older than maxAgeMs, and the log key expires that long after the last batch", async () => {
    const mem = await openMemory(uniqueId("log"));
    await writeBatches(mem.$key, 5, 10, { entries: 1_000, ageMs: 50 });
    const pttl = await rawClient().pttl(`${mem.$key}:log`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(50);
    // Well past the age limit: the next batch finds every earlier entry too old.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await rawClient().exists(`${mem.$key}:log`)).toBe(0);
    await writeBatches(mem.$key, 1, 10, { entries: 1_000, ageMs: 60_000 }, 6);
    expect(await logSeqs(mem.$key)).toHaveLength(1);
  });

  it("a live replica that missed trimmed entries reloads and converges", async () => {
    const id = uniqueId("log");
    const live = await openMemory(id, { live: true });
    await writeBatches(live.$key, 300, 2_000, { entries: 20, ageMs: 60_000 });
    await settle([live], rawClient());
    const fresh = await openMemory(id);
    expect(live.$asdict()).toEqual(fresh.$asdict());
    expect(Object.keys(fresh.$asdict())).toHaveLength(10);
  });
});
