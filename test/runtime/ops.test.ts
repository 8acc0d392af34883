// Every operation the runtime can send is one the batch script knows (OP_NAMES is the
// list), and an operation it does not know is refused before anything is written.
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { Backend, LOG_DEFAULTS, type Batch } from "../../runtime/backend.js";
import { OP_NAMES, type Op, type OpName } from "../../runtime/ops.js";
import { dumpInstance, openMemory, rawClient, uniqueId } from "../helpers/redis.js";

/** One operation of each kind, valid on the instance made below (a list `l` of 3, a dict `d`). */
function sample(name: OpName, list: string, dict: string): Op {
  switch (name) {
    case "set": return ["set", dict, "k", "1"];
    case "setnx": return ["setnx", dict, "n", "2"];
    case "del": return ["del", dict, "k"];
    case "clear": return ["clear", dict];
    case "push": return ["push", list, ["4"]];
    case "unshift": return ["unshift", list, ["0"]];
    case "lset": return ["lset", list, 0, "9"];
    case "pop": return ["pop", list, 1];
    case "shift": return ["shift", list, 1];
    case "splice": return ["splice", list, 1, 1, ["7"]];
    case "replace": return ["replace", list, ["5", "6"]];
    case "promote": return ["promote", "", "r", "promotedRecord01", "d", "bf21a9e8fbc5a3846fb05b4fa0859e0917b2202f", []];
    case "incr": return ["incr", dict, "c", 2];
    case "keep": return ["keep", list, 2];
  }
}

async function instance(): Promise<{ ns: string; list: string; dict: string; epoch: string; backend: Backend }> {
  const mem = await openMemory(uniqueId("ops"));
  mem.l = [];
  mem.l.push(1, 2, 3);
  mem.d = {};
  mem.d.k = 0;
  mem.r = {};
  await mem.$flush();
  const raw = rawClient();
  const root = await raw.hgetall(`${mem.$key}:root`);
  return {
    ns: mem.$key,
    list: root.l!.slice(3),
    dict: root.d!.slice(3),
    epoch: (await raw.hget(`${mem.$key}:meta`, "epoch"))!,
    backend: new Backend(raw),
  };
}

function batch(ns: string, epoch: string, ops: Op[], keys: string[]): Batch {
  return { ns, clientId: "ops-test", seq: 1, prev: 0, epoch, newEpoch: "", ops, keys, schemaHash: "", log: LOG_DEFAULTS, ttl: 0, readAt: "", ownSubscriptions: -1, acked: 0 };
}

describe("the batch script's operations", () => {
  for (const name of OP_NAMES) {
    it(`applies ${name}`, async () => {
      const { ns, list, dict, epoch, backend } = await instance();
      const op = sample(name, list, dict);
      const outcome = await backend.apply(batch(ns, epoch, [op], [list, dict, "promotedRecord01"]));
      expect(outcome.kind).toBe("applied");
    });
  }

  it("asks for the root's order record when a batch did not declare it (RMKEYS of the root's id), then applies", async () => {
    const { ns, epoch, backend } = await instance();
    // A value longer than a listpack holds: the root's hash may lose its order, so the script starts the record.
    const value = JSON.stringify("x".repeat(100));
    const outcome = await backend.apply(batch(ns, epoch, [["set", "", "long", value]], []));
    expect(outcome.kind).toBe("applied");
    const raw = rawClient();
    expect(await raw.hget(`${ns}:root`, "long")).toBe(value);
    expect(await raw.get(`${ns}:o:`)).toContain('"long",');
  });

  it("refuses an operation it does not know, writing nothing", async () => {
    const { ns, list, dict, epoch, backend } = await instance();
    const raw = rawClient();
    const before = await dumpInstance(raw, ns);
    const ops = [["push", list, ["8"]], ["frobnicate", dict, "x"]] as unknown as Op[];
    await expect(backend.apply(batch(ns, epoch, ops, [list, dict]))).rejects.toThrow(WriteError);
    expect(await dumpInstance(raw, ns)).toEqual(before);
  });
});
