// A dict's key order (JavaScript's: integer-like keys ascending, then the others in
// insertion order; popitem() takes the key inserted last) is the same in the replica
// that wrote it, in a fresh open() and in other processes, also once Redis stores the
// hash as a hashtable (more than 128 fields, or a field or value over 64 bytes), whose
// HGETALL order is not insertion order: the batch script then keeps an order record
// (ns:o:<id>). A small dict has none.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { popitem } from "redis-memory";
import { openMemory, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./dict-order-worker.ts", import.meta.url));
const redis = rawClient();
const long = (s: string): string => s.padEnd(80, "-");

/* eslint-disable @typescript-eslint/no-explicit-any -- the dicts are untyped */
type Any = any;

/** The key of the order record of the dict at `field` of an instance's root. */
async function recordOf(ns: string, field: string): Promise<string> {
  const ref = (await redis.hget(`${ns}:root`, field)) ?? "";
  return `${ns}:o:${ref.slice(3)}`;
}

/** Shuffled keys with integer-like ones among them. */
function keys(n: number, prefix = "k"): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(i % 9 === 4 ? String((i * 37) % 101) : `${prefix}${(i * 7919) % 1009}`);
  return [...new Set(out)];
}

const CASES: readonly [string, (d: Any) => void][] = [
  // More than hash-max-listpack-entries: 128 upstream, 512 in Debian's build.
  ["more than 512 fields", (d) => { for (const k of keys(700)) d[k] = 1; }],
  ["a key over 64 bytes", (d) => { for (const k of keys(20)) d[k] = 1; d[long("x")] = 2; for (const k of keys(20, "y")) d[k] = 3; }],
  ["a value over 64 bytes", (d) => { for (const k of keys(20)) d[k] = 1; d.m = long("v"); for (const k of keys(20, "z")) d[k] = 3; }],
  ["deletes, rewrites and a long value on an existing key", (d) => {
    for (const k of keys(60)) d[k] = 1;
    delete d.k0; delete d["4"]; d.k0 = 2; d["4"] = 2;
    d.k7919 = long("w");
    for (const k of keys(100, "q")) d[k] = 2;
    delete d.q7919; d.q7919 = 3;
  }],
];

describe("SyncedDict key order after a reload", () => {
  for (const [name, fill] of CASES) {
    it(`${name}: a fresh open() has the writer's order and popitem() order; Redis holds an order record`, async () => {
      const id = uniqueId("order");
      const mem = await openMemory(id);
      mem.d = {};
      await mem.$flush();
      fill(mem.d);
      await mem.$flush();
      const fresh = await openMemory(id);
      expect(JSON.stringify(fresh.d)).toBe(JSON.stringify(mem.d));
      expect(Object.keys(fresh.d)).toEqual(Object.keys(mem.d));
      for (let i = 0; i < 5; i++) expect(popitem(fresh.d)).toEqual(popitem(mem.d));
      const record = await recordOf(mem.$key, "d");
      expect(await redis.object("ENCODING", `${mem.$key}:n:${record.split(":o:")[1]}`)).toBe("hashtable");
      expect(await redis.exists(record)).toBe(1);
    });
  }

  it("a small dict has no order record, and its order survives a reload", async () => {
    const id = uniqueId("order");
    const mem = await openMemory(id);
    mem.d = {};
    for (const k of keys(100)) mem.d[k] = "short";
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(Object.keys(fresh.d)).toEqual(Object.keys(mem.d));
    expect(await redis.exists(await recordOf(mem.$key, "d"))).toBe(0);
    expect(await redis.keys(`${mem.$key}:o:*`)).toEqual([]);
  });

  it("the root of Memory keeps its order once it holds a long value", async () => {
    const id = uniqueId("order");
    const mem = await openMemory(id);
    mem.first = long("f");
    for (const k of keys(200, "f")) mem[k] = 1;
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(Object.keys(fresh.$asdict())).toEqual(Object.keys(mem.$asdict()));
    expect(await redis.exists(`${mem.$key}:o:`)).toBe(1);
  });

  it("a record promoted to a dict with a long value gets its order record in the same batch", async () => {
    const id = uniqueId("order");
    const mem = await openMemory(id);
    mem.l = [{ z: 1, b: long("b"), a: 2, "3": 0 }];
    await mem.$flush();
    mem.l[0].c = 3;
    await mem.$flush();
    const fresh = await openMemory(id);
    expect(Object.keys(fresh.l[0])).toEqual(["3", "z", "b", "a", "c"]);
    expect(Object.keys(fresh.l[0])).toEqual(Object.keys(mem.l[0]));
  });

  it("a dict's order record is deleted by clear(), by replacing the dict and by $delete()", async () => {
    const id = uniqueId("order");
    const mem = await openMemory(id);
    mem.d = {};
    mem.e = {};
    await mem.$flush();
    mem.d.v = long("v");
    mem.e.v = long("v");
    await mem.$flush();
    const [d, e] = [await recordOf(mem.$key, "d"), await recordOf(mem.$key, "e")];
    expect(await redis.exists(d, e)).toBe(2);
    mem.d.clear();
    mem.e = {};
    await mem.$flush();
    expect(await redis.exists(d, e)).toBe(0);
    mem.d.x = long("x");
    await mem.$flush();
    expect(await redis.get(d)).toBe('"x",');
    await mem.$delete();
    expect(await redis.keys(`${mem.$key}:*`)).toEqual([]);
  });

  it("expires with the instance (ttl)", async () => {
    const id = uniqueId("order");
    const mem = await openMemory(id, { ttl: 60_000 });
    mem.d = {};
    await mem.$flush();
    mem.d.v = long("v");
    await mem.$flush();
    const ttl = await redis.pttl(await recordOf(mem.$key, "d"));
    expect(ttl).toBeGreaterThan(50_000);
    expect(Math.abs(ttl - (await redis.pttl(`${mem.$key}:root`)))).toBeLessThan(1_000);
  });

  it("stays bounded under deletes and rewrites (rewritten once entries of deleted keys outnumber the keys), with the order kept", async () => {
    const id = uniqueId("order");
    const mem = await openMemory(id);
    mem.d = {};
    const all = keys(300);
    for (const k of all) mem.d[k] = 1;
    await mem.$flush();
    const record = await recordOf(mem.$key, "d");
    const whole = await redis.strlen(record);
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 50; i++) {
        const k = all[(round * 53 + i * 11) % all.length]!;
        delete mem.d[k];
        mem.d[k] = round;
      }
      await mem.$flush();
    }
    // At most as many entries of deleted keys as keys (+ 64), of at most 8 bytes each.
    expect(await redis.strlen(record)).toBeLessThanOrEqual(2 * whole + 64 * 8);
    const fresh = await openMemory(id);
    expect(Object.keys(fresh.d)).toEqual(Object.keys(mem.d));
    for (let i = 0; i < 5; i++) expect(popitem(fresh.d)).toEqual(popitem(mem.d));
  });
});

/** A child process holding a live store (test/runtime/dict-order-worker.ts). */
class Peer {
  private readonly child: ChildProcess;
  private readonly waiting: ((message: Any) => void)[] = [];
  private readonly ready: Promise<unknown>;
  constructor() {
    this.child = spawn(process.execPath, ["--import", "tsx", WORKER, redisUrl()], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.ready = new Promise((resolve) => this.waiting.push(resolve));
    this.child.on("message", (message) => this.waiting.shift()?.(message));
  }
  async ask(message: object): Promise<Any> {
    await this.ready;
    const answer = new Promise((resolve) => this.waiting.push(resolve));
    this.child.send(message);
    return answer;
  }
  exit(): void {
    this.child.send({ exit: true });
  }
}

describe("SyncedDict key order across processes", () => {
  let peers: Peer[] = [];
  beforeAll(() => {
    peers = [new Peer(), new Peer()];
  });
  afterAll(() => peers.forEach((peer) => peer.exit()));

  it("two processes adding keys at once to a hashtable dict: both live replicas and a fresh open() agree on one order", async () => {
    const id = uniqueId("order");
    const mem = await openMemory(id);
    mem.d = {};
    await mem.$flush();
    mem.d.start = long("s");
    await mem.$flush();
    await Promise.all(peers.map((peer) => peer.ask({ open: id })));
    await Promise.all(peers.map((peer, n) => peer.ask({ add: { keys: keys(150, `p${n}-`), value: n % 2 ? long("v") : "x" } })));
    const [a, b] = await Promise.all(peers.map((peer) => peer.ask({ report: true })));
    const fresh = await openMemory(id);
    expect(a.keys).toHaveLength(new Set(["start", ...keys(150, "p0-"), ...keys(150, "p1-")]).size);
    expect(a.keys).toEqual(b.keys);
    expect(Object.keys(fresh.d)).toEqual(a.keys);
  });
});
