// Heap taken by a loaded store vs the same data as plain values (heapUsed after
// a full GC, before and after; node must run with --expose-gc).
import { Memory } from "redis-memory";
import { BenchStore, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { gc, median } from "../measure.js";
import { row, type Row } from "../report.js";

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Median over `repeats` of the heap held by what `make` returns (released before the next repeat). */
async function medianRetained<T>(repeats: number, make: () => Promise<T>, release: (value: T) => Promise<void>): Promise<{ bytes: number }> {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const before = heapUsed();
    const value = await make();
    const after = heapUsed();
    samples.push(after - before);
    await release(value);
  }
  return { bytes: median(samples) };
}

interface Record_ {
  name: string;
  score: number;
  tags: string[];
}

function records(count: number): Record_[] {
  const out: Record_[] = [];
  for (let i = 0; i < count; i++) out.push({ name: `user-${i}`, score: i, tags: ["a", "b", `t${i % 10}`] });
  return out;
}

export async function memoryFigures(context: BenchContext): Promise<Row[]> {
  if (!gc()) {
    context.log("memory: skipped (run node with --expose-gc)");
    return [
      row({ id: "memory-list", figure: "memory of a loaded store vs plain values", oursLabel: "not measured: node ran without --expose-gc" }),
    ];
  }
  const size = context.quick ? 10_000 : 100_000;
  const recordCount = context.quick ? 1_000 : 10_000;
  const redis = context.connect();
  const listId = context.uniqueId("memory-list");
  const writer = await BenchStore.open(redis, context.prefix, listId);
  writer.items = elements(size);
  await writer.$close();
  const nestedId = context.uniqueId("memory-nested");
  const nestedWriter = await Memory.open({ redis, prefix: context.prefix, id: nestedId, live: false });
  // Memory's index signature types reads (synced values), so a plain write needs a cast.
  (nestedWriter as unknown as Record<string, unknown>).records = records(recordCount);
  await nestedWriter.$close();
  const listText = JSON.stringify(elements(size));
  const nestedText = JSON.stringify(records(recordCount));

  context.log("memory: loaded stores vs plain values");
  const repeats = context.quick ? 1 : 3;
  const plainList = await medianRetained(repeats, async () => JSON.parse(listText) as unknown, async () => {});
  const storeList = await medianRetained(repeats, () => BenchStore.open(redis, context.prefix, listId), (s) => s.$close());
  const plainNested = await medianRetained(repeats, async () => JSON.parse(nestedText) as unknown, async () => {});
  const storeNested = await medianRetained(
    repeats,
    () => Memory.open({ redis, prefix: context.prefix, id: nestedId, live: false }),
    (s) => s.$close(),
  );
  const cleaner = await BenchStore.open(redis, context.prefix, listId);
  await closeAndDelete(cleaner);
  await closeAndDelete(await Memory.open({ redis, prefix: context.prefix, id: nestedId, live: false }));
  redis.disconnect();

  const mb = (bytes: number): number => bytes / 1024 / 1024;
  return [
    row({
      id: "memory-list",
      figure: `memory of a loaded store vs plain values (list of ${size / 1000}k strings)`,
      oursLabel: `heapUsed growth after open() of a store holding ${size} strings (after GC)`,
      peerLabel: "heapUsed growth after JSON.parse of the same array (after GC)",
      ours: { value: mb(storeList.bytes), unit: "MB" },
      peer: { value: mb(plainList.bytes), unit: "MB" },
      ratio: storeList.bytes / plainList.bytes,
      ratioMeaning: "store heap / plain heap",
    }),
    row({
      id: "memory-nested",
      figure: `memory of a loaded store vs plain values (${recordCount / 1000}k records, each a dict with a list)`,
      oursLabel: `heapUsed growth after Memory.open() of ${recordCount} records {name, score, tags[3]} (${recordCount * 2} containers)`,
      peerLabel: "heapUsed growth after JSON.parse of the same records",
      ours: { value: mb(storeNested.bytes), unit: "MB" },
      peer: { value: mb(plainNested.bytes), unit: "MB" },
      ratio: storeNested.bytes / plainNested.bytes,
      ratioMeaning: "store heap / plain heap",
    }),
  ];
}

async function closeAndDelete(store: { $delete(): Promise<void>; $close(): Promise<void> }): Promise<void> {
  await store.$delete();
  await store.$close();
}

