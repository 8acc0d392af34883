// Bytes sent to Redis per operation at several collection sizes (INFO stats
// deltas): push, dict key write and nested write, each operation its own batch
// (awaited before the next), for the store and its peers.
import { BenchStore, element, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { hsetOne, rpushOne } from "../peers/raw-ioredis.js";
import { WholeValueMemory, type JsonValue } from "../peers/whole-value.js";
import { row, type Row } from "../report.js";

type OpKind = "push" | "key write" | "nested write";

export interface BytesPoint {
  readonly op: OpKind;
  readonly size: number;
  readonly side: "ours" | "raw ioredis" | "whole-value rewrite";
  readonly bytesPerOp: number;
  readonly ops: number;
}

/** Values written over existing keys differ from what the keys hold (same length), so no write is a no-op. */
const OTHER = 500_000;

function keyName(i: number): string {
  return `key-${String(i).padStart(6, "0")}`;
}

function dictOf(size: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < size; i++) out[keyName(i)] = element(i);
  return out;
}

export async function measureBytes(context: BenchContext, sizes: readonly number[]): Promise<BytesPoint[]> {
  const points: BytesPoint[] = [];
  const storeRedis = context.connect();
  const peerRedis = context.connect();
  const meter = context.meter;
  const opsPerSize = context.quick ? 20 : 200;
  for (const size of sizes) {
    context.log(`wire bytes: collections of ${size}`);
    // Ids of one length: a longer key name would show up as bytes that are not the collection's doing.
    const store = await BenchStore.open(storeRedis, context.prefix, `wire-${String(size).padStart(7, "0")}`);
    store.items = elements(size);
    store.keys = dictOf(size);
    store.doc = { log: elements(size), settings: { theme: "light" } };
    await store.$flush();
    // The first script call of a connection may go as EVAL (NOSCRIPT fallback): keep it out.
    store.items.push(element(0));
    await store.$flush();

    const items = store.items;
    const keys = store.keys as unknown as Record<string, string>;
    const settings = store.doc.settings as unknown as { theme: string };
    const ours: [OpKind, (i: number) => void][] = [
      ["push", (i) => items.push(element(i))],
      ["key write", (i) => (keys[keyName(i % size)] = element(OTHER + i))],
      ["nested write", (i) => (settings.theme = element(i))],
    ];
    for (const [op, mutate] of ours) {
      const bytes = await meter.measure(async () => {
        for (let i = 0; i < opsPerSize; i++) {
          mutate(i);
          await store.$flush();
        }
      });
      points.push({ op, size, side: "ours", bytesPerOp: bytes / opsPerSize, ops: opsPerSize });
    }
    await store.$delete();
    await store.$close();

    const rawList = `${context.prefix}raw:wire:list`;
    const rawHash = `${context.prefix}raw:wire:hash`;
    await peerRedis.del(rawList, rawHash);
    const rawOps: [OpKind, (i: number) => Promise<void>][] = [
      ["push", (i) => rpushOne(peerRedis, rawList, element(i))],
      ["key write", (i) => hsetOne(peerRedis, rawHash, keyName(i % size), element(OTHER + i))],
    ];
    for (const [op, send] of rawOps) {
      const bytes = await meter.measure(async () => {
        for (let i = 0; i < opsPerSize; i++) await send(i);
      });
      points.push({ op, size, side: "raw ioredis", bytesPerOp: bytes / opsPerSize, ops: opsPerSize });
    }
    await peerRedis.del(rawList, rawHash);

    // The rewrite peer sends the whole value each time: few operations suffice at large sizes.
    const wholeOps = size >= 100_000 ? 5 : size >= 1_000 ? 50 : opsPerSize;
    const mem = new WholeValueMemory(peerRedis, `${context.prefix}py:${size}:`);
    await mem.set("items", elements(size));
    await mem.set("keys", dictOf(size));
    await mem.set("doc", { log: elements(size), settings: { theme: "light" } });
    const wholeValue: [OpKind, (i: number) => Promise<void>][] = [
      ["push", (i) => mem.append("items", element(i))],
      ["key write", (i) => mem.mutate<Record<string, JsonValue>>("keys", (d) => void (d[keyName(i % size)] = element(OTHER + i)))],
      ["nested write", (i) => mem.mutate<{ settings: { theme: string } }>("doc", (d) => void (d.settings.theme = element(i)))],
    ];
    for (const [op, send] of wholeValue) {
      const bytes = await meter.measure(async () => {
        for (let i = 0; i < wholeOps; i++) await send(i);
      });
      points.push({ op, size, side: "whole-value rewrite", bytesPerOp: bytes / wholeOps, ops: wholeOps });
    }
    await peerRedis.del(mem.key("items"), mem.key("keys"), mem.key("doc"));
  }
  storeRedis.disconnect();
  peerRedis.disconnect();
  return points;
}

function find(points: readonly BytesPoint[], op: OpKind, size: number, side: BytesPoint["side"]): number {
  return points.find((p) => p.op === op && p.size === size && p.side === side)?.bytesPerOp ?? Number.NaN;
}

function sizeLabel(size: number): string {
  return size >= 1000 ? `${size / 1000}k` : String(size);
}

export async function wireFigures(context: BenchContext): Promise<{ rows: Row[]; points: BytesPoint[] }> {
  const sizes = context.quick ? [10, 1_000, 10_000] : [10, 1_000, 100_000];
  const points = await measureBytes(context, sizes);
  const small = sizes[0]!;
  const large = sizes[sizes.length - 1]!;
  const atSmall = find(points, "push", small, "ours");
  const atLarge = find(points, "push", large, "ours");
  const rows: Row[] = [
    row({
      id: "wire-bytes-per-append-growth",
      figure: `wire bytes per append, list of ${sizeLabel(large)} vs of ${sizeLabel(small)}`,
      oursLabel: `bytes per append at ${sizeLabel(large)} (each append its own batch, $flush awaited)`,
      peerLabel: `the same at ${sizeLabel(small)}`,
      ours: { value: atLarge, unit: "B" },
      peer: { value: atSmall, unit: "B" },
      ratio: atLarge / atSmall,
      ratioMeaning: `bytes/append at ${sizeLabel(large)} / bytes/append at ${sizeLabel(small)}`,
      target: { kind: "ratio-at-most", bound: 1.1, text: "<= 1.1x" },
      designTarget: true,
    }),
  ];
  const peers: Record<OpKind, BytesPoint["side"]> = {
    push: "whole-value rewrite",
    "key write": "raw ioredis",
    "nested write": "whole-value rewrite",
  };
  for (const op of ["push", "key write", "nested write"] as const) {
    for (const size of sizes) {
      const ours = find(points, op, size, "ours");
      const peer = find(points, op, size, peers[op]);
      rows.push(
        row({
          id: `bytes-per-op-${op.replace(" ", "-")}-${size}`,
          figure: `bytes sent per ${op}, collection of ${sizeLabel(size)}`,
          oursLabel: `one ${op} per batch, $flush awaited`,
          peerLabel: peers[op] === "raw ioredis" ? "one HSET, awaited" : "whole top-level value as JSON + timestamp, one SET",
          ours: { value: ours, unit: "B" },
          peer: { value: peer, unit: "B" },
          ratio: ours / peer,
          ratioMeaning: "our bytes / peer bytes",
        }),
      );
    }
  }
  return { rows, points };
}
