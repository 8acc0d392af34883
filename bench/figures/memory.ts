// Heap taken by a loaded store vs the same data as plain values: heapUsed growth
// (after full GCs) in a fresh child process per measurement (bench/memory-probe.ts).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Memory } from "redis-memory";
import { BenchStore, elements, records } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import type { ProbeKind } from "../memory-probe.js";
import { row, type Row } from "../report.js";

const PROBE = fileURLToPath(new URL("../memory-probe.js", import.meta.url));

function probe(context: BenchContext, id: string, kind: ProbeKind, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", PROBE, context.url, context.prefix, id, kind, String(count)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`memory probe ${kind} exited with ${code}: ${err.trim()}`));
      resolve((JSON.parse(out) as { bytes: number }).bytes);
    });
  });
}

// The smallest of a few: a run sometimes still holds the last load reply (a few MB
// of transient garbage that the client drops later), which is not what a store keeps.
async function probeMin(context: BenchContext, id: string, kind: ProbeKind, count: number, repeats: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) samples.push(await probe(context, id, kind, count));
  return Math.min(...samples);
}

export async function memoryFigures(context: BenchContext): Promise<Row[]> {
  const size = context.quick ? 10_000 : 100_000;
  const recordCount = context.quick ? 1_000 : 10_000;
  const repeats = context.quick ? 1 : 3;
  const redis = context.connect();
  const listId = context.uniqueId("memory-list");
  const list = await BenchStore.open(redis, context.prefix, listId);
  list.items = elements(size);
  await list.$flush();
  const recordsId = context.uniqueId("memory-records");
  const nested = await Memory.open({ redis, prefix: context.prefix, id: recordsId, live: false });
  // Memory's index signature types reads (synced values), so a plain write needs a cast.
  (nested as unknown as Record<string, unknown>).records = records(recordCount);
  await nested.$flush();

  context.log(`memory: loaded stores vs plain values, ${repeats} child processes each, smallest kept`);
  const plainList = await probeMin(context, listId, "plain-list", size, repeats);
  const storeList = await probeMin(context, listId, "store-list", size, repeats);
  const plainRecords = await probeMin(context, recordsId, "plain-records", recordCount, repeats);
  const storeRecords = await probeMin(context, recordsId, "store-records", recordCount, repeats);
  for (const store of [list, nested]) {
    await store.$delete();
    await store.$close();
  }
  redis.disconnect();

  const mb = (bytes: number): number => bytes / 1024 / 1024;
  return [
    row({
      id: "memory-list",
      figure: `memory of a loaded store vs plain values (list of ${size / 1000}k strings)`,
      oursLabel: `heapUsed growth from open() of a store holding ${size} strings`,
      peerLabel: "heapUsed growth from JSON.parse of the same array",
      ours: { value: mb(storeList), unit: "MB" },
      peer: { value: mb(plainList), unit: "MB" },
      ratio: storeList / plainList,
      ratioMeaning: "store heap / plain heap",
    }),
    row({
      id: "memory-records",
      figure: `memory of a loaded store vs plain values (${recordCount / 1000}k records, each a dict with a list)`,
      oursLabel: `heapUsed growth from Memory.open() of ${recordCount} records {name, score, tags[3]} (${recordCount * 2} containers)`,
      peerLabel: "heapUsed growth from JSON.parse of the same records",
      ours: { value: mb(storeRecords), unit: "MB" },
      peer: { value: mb(plainRecords), unit: "MB" },
      ratio: storeRecords / plainRecords,
      ratioMeaning: "store heap / plain heap",
      target: { kind: "ratio-at-most", bound: 3, text: "<= 3x" },
      designTarget: true,
    }),
  ];
}
