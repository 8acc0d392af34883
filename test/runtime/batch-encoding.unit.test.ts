// The batch script's arguments as the client encodes them: the header a replica
// builds from its memo (fixed fields made once) says what batchHeader says, for
// every batch of the replica, across epoch changes.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LOG_DEFAULTS, batchHeader, batchKeys, decodeReply, encodeOps, headerArgs, headerTexts, type Batch, type BatchMemo } from "../../runtime/protocol/batch.js";
import { keysOf, nodeKey, orderKey } from "../../runtime/protocol/keys.js";
import type { Op } from "../../runtime/ops.js";
import { property } from "../helpers/property.js";

const varying = fc.record({
  seq: fc.nat(),
  prev: fc.nat(),
  acked: fc.nat(),
  epoch: fc.constantFrom("", "e1", "e2"),
  newEpoch: fc.constantFrom("n1", "n2"),
  readAt: fc.constantFrom("", "0", "17"),
  stage: fc.constantFrom("", 'p:{S:"x"}:s:c:1'),
  own: fc.integer({ min: -1, max: 1 }),
  history: fc.option(fc.record({ writer: fc.constantFrom("w1", 'w"2'), paths: fc.constantFrom("", '[["a",1]]', "[null]"), maxEntries: fc.constantFrom(10, 20) }), { nil: undefined }),
});

describe("headerTexts", () => {
  it("are the texts of headerArgs(batchHeader(...)), for every batch of one replica; together they say what batchHeader says", () => {
    const memo: BatchMemo = {};
    fc.assert(
      fc.property(fc.array(varying, { minLength: 1, maxLength: 20 }), (batches) => {
        for (const v of batches) {
          const batch: Batch = {
            ns: 'p:{Store:"id"}', clientId: "client", seq: v.seq, prev: v.prev, epoch: v.epoch, newEpoch: v.newEpoch, ops: [], keys: [],
            schemaHash: "hash", log: LOG_DEFAULTS, ttl: 5, readAt: v.readAt, ownSubscriptions: v.own, acked: v.acked, memo,
            history: v.history && { limits: { maxEntries: v.history.maxEntries, maxAgeMs: 0 }, writer: v.history.writer, paths: v.history.paths },
          };
          const options = { stage: v.stage, own: v.own };
          const header = batchHeader(batch, options);
          const [fixed, varying] = headerTexts(batch, options);
          expect([fixed, varying]).toEqual(headerArgs(header));
          expect({ ...JSON.parse(fixed), ...JSON.parse(varying) }).toEqual(JSON.parse(JSON.stringify(header)));
        }
      }),
      property(100),
    );
  });
});

describe("batchKeys", () => {
  it("lists the instance's keys, then each container's once with its order record (the root's: its order record alone)", () => {
    const memo: BatchMemo = {};
    for (let i = 0; i < 2; i++) {
      expect(batchKeys("ns", new Set(["", "a", "b"]), ["stage"], memo)).toEqual([
        ...keysOf("ns"), orderKey("ns", ""), nodeKey("ns", "a"), orderKey("ns", "a"), nodeKey("ns", "b"), orderKey("ns", "b"), "stage",
      ]);
    }
    expect(batchKeys("ns", new Set(["a"]))).toEqual([...keysOf("ns"), nodeKey("ns", "a"), orderKey("ns", "a")]);
  });

  it("declares a container only lists write without an order record (a list has none)", () => {
    expect(batchKeys("ns", new Set(["a", "b"]), [], {}, ["b"])).toEqual([...keysOf("ns"), nodeKey("ns", "a"), orderKey("ns", "a"), nodeKey("ns", "b")]);
  });

  it("gives a batch of one container the keys of the last such batch, made again when the container or its kind changes", () => {
    const memo: BatchMemo = {};
    const list = batchKeys("ns", ["l"], [], memo, ["l"]);
    expect(list).toEqual([...keysOf("ns"), nodeKey("ns", "l")]);
    expect(batchKeys("ns", ["l"], [], memo, ["l"])).toBe(list);
    expect(batchKeys("ns", ["l"], [], memo)).toEqual([...keysOf("ns"), nodeKey("ns", "l"), orderKey("ns", "l")]);
    expect(batchKeys("ns", ["d"], [], memo)).toEqual([...keysOf("ns"), nodeKey("ns", "d"), orderKey("ns", "d")]);
    expect(batchKeys("ns", [""], [], memo)).toEqual([...keysOf("ns"), orderKey("ns", "")]);
  });
});

describe("encodeOps", () => {
  it("sends small batches as one JSON text and large pushes' values apart", () => {
    const small: Op[] = [["set", "", "k", '"v"']];
    expect(encodeOps(small, 2048, false)).toEqual([JSON.stringify(small), []]);
    const push: Op[] = [["push", "l", ['"a"', '"b"']]];
    expect(encodeOps(push, 2048, false)).toEqual([JSON.stringify(push), []]);
    expect(encodeOps(push, 1, false)).toEqual([JSON.stringify([["push", "l", 2]]), ['"a"', '"b"']]);
    expect(encodeOps(push, 2048, true)).toEqual([JSON.stringify([["push", "l", 2]]), []]);
  });

  it("writes an inline batch as JSON.stringify writes it, whatever its values hold", () => {
    const enc = fc.jsonValue().map((value) => JSON.stringify(value) ?? "null");
    const id = fc.constantFrom("", "l", 'q"1', "\\u2028");
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.tuple(fc.constantFrom("push" as const, "unshift" as const), id, fc.array(enc, { maxLength: 5 })),
      fc.tuple(fc.constant("set" as const), id, fc.string(), enc),
      fc.tuple(fc.constant("pop" as const), id, fc.nat()),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 6 }), (ops) => {
        expect(encodeOps(ops, Number.MAX_SAFE_INTEGER, false)).toEqual([JSON.stringify(ops), []]);
      }),
      property(200),
    );
  });
});

describe("decodeReply", () => {
  it("reads cjson's empty lists ({}) as empty lists, and pairs aliases", () => {
    const applied = decodeReply('{"status":"applied","seq":"3","entry":"1-0","epoch":"e","expireAt":"-1","skipped":0,"incrs":{},"aliases":["a","b"],"garbage":{}}');
    expect(applied).toEqual({ kind: "applied", seq: 3, entryId: "1-0", epoch: "e", expireAt: -1, skipped: 0, incrs: [], aliases: [["a", "b"]], garbage: [], dropped: [] });
    const dup = decodeReply('{"status":"dup","seq":"0","entry":"","epoch":"e","expireAt":"5","skipped":1,"incrs":["7"],"aliases":{},"garbage":{}}');
    expect(dup).toEqual({ kind: "dup", epoch: "e", expireAt: 5, skipped: 1, incrs: ["7"], aliases: [] });
  });

  it("reads a reply without lists (matched, not parsed) as it reads the same reply parsed", () => {
    const reply = fc.record({
      status: fc.constantFrom("applied", "dup"),
      seq: fc.nat().map(String),
      entry: fc.constantFrom("", "0-0", "1733600000000-12"),
      epoch: fc.string(),
      expireAt: fc.integer({ min: -1 }).map(String),
      skipped: fc.nat(),
    });
    fc.assert(
      fc.property(reply, (r) => {
        // As apply.lua writes it (this field order); the same fields in another order take JSON.parse.
        const written = `{"status":"${r.status}","seq":"${r.seq}","entry":${JSON.stringify(r.entry)},"epoch":${JSON.stringify(r.epoch)},"expireAt":"${r.expireAt}","skipped":${r.skipped}}`;
        const { skipped, ...rest } = r;
        expect(decodeReply(written)).toEqual(decodeReply(JSON.stringify({ skipped, ...rest })));
      }),
      property(200),
    );
  });
});
