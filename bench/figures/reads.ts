// Reads over a loaded SyncedList vs a plain array holding the same elements:
// for...of, map and reduce (a target), and an indexed loop (for the record).
import { BenchStore, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { row, type Row } from "../report.js";

let sink = 0;

type Read = (list: readonly string[]) => number;

// Each side gets its own compiled copy of a read, so that V8's type feedback for
// one (a proxy) does not slow the other (a plain array) or the other way round.
const READS: { id: string; name: string; body: string; target: boolean }[] = [
  { id: "for-of", name: "for...of", target: true, body: "let t = 0; for (const item of list) t += item.length; return t;" },
  { id: "map", name: "map", target: true, body: "return list.map((item) => item.length).length;" },
  { id: "reduce", name: "reduce", target: true, body: "return list.reduce((t, item) => t + item.length, 0);" },
  {
    id: "for-of-values",
    name: "for...of list.values()",
    target: false,
    body: "let t = 0; for (const item of list.values()) t += item.length; return t;",
  },
  {
    id: "indexed",
    name: "indexed loop (list[i])",
    target: false,
    body: "let t = 0; for (let i = 0; i < list.length; i++) t += list[i].length; return t;",
  },
];

function compile(body: string): Read {
  return new Function("list", body) as Read;
}

export async function readFigures(context: BenchContext): Promise<Row[]> {
  const size = context.quick ? 10_000 : 100_000;
  const repeats = context.quick ? 5 : 20;
  const rounds = context.quick ? 3 : 9;
  const storeRedis = context.connect();
  const id = context.uniqueId("reads");
  const writer = await BenchStore.open(storeRedis, context.prefix, id);
  writer.items = elements(size);
  await writer.$close();
  const store = await BenchStore.open(storeRedis, context.prefix, id);
  const synced: readonly string[] = store.items;
  const plain: readonly string[] = store.items.aslist() as string[];

  const rows: Row[] = [];
  for (const { id: readId, name, body, target } of READS) {
    const readSynced = compile(body);
    const readPlain = compile(body);
    context.log(`reads: ${name}, ${repeats} x ${size} elements, ${rounds} rounds`);
    const times = await interleave(
      [
        { name: "ours", run: () => void repeat(readSynced, synced, repeats) },
        { name: "peer", run: () => void repeat(readPlain, plain, repeats) },
      ],
      { rounds, warmup: 2 },
    );
    const ours = times.get("ours")!.medianMs;
    const peer = times.get("peer")!.medianMs;
    rows.push(
      row({
        id: `read-${readId}`,
        figure: `${name} over a SyncedList vs a plain array (${size / 1000}k)`,
        oursLabel: `${name} over a loaded SyncedList of ${size} strings, ${repeats} times`,
        peerLabel: `the same over a plain array of the same strings`,
        ours: { value: ours, unit: "ms" },
        peer: { value: peer, unit: "ms" },
        ratio: ours / peer,
        ratioMeaning: "our time / plain array time",
        ...(target ? { target: { kind: "ratio-at-most", bound: 3, text: "<= 3x the time" } as const, designTarget: true } : {}),
      }),
    );
  }
  await store.$delete();
  await store.$close();
  storeRedis.disconnect();
  if (sink === -1) context.log("unreachable");
  return rows;
}

function repeat(read: Read, list: readonly string[], times: number): void {
  for (let i = 0; i < times; i++) sink += read(list);
}
