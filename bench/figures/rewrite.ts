// 1,000 appends to a list of 10k, each append its own write awaited before the
// next, through a store vs the whole-value-rewrite strategy of the Python
// redis-memory.
import { BenchStore, element, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { WholeValueMemory } from "../peers/whole-value.js";
import { row, type Row } from "../report.js";

export async function rewriteFigures(context: BenchContext): Promise<Row[]> {
  const size = 10_000;
  const appends = context.quick ? 200 : 1_000;
  const rounds = context.quick ? 1 : 3;
  const initial = elements(size);
  const storeRedis = context.connect();
  const peerRedis = context.connect();
  const store = await BenchStore.open(storeRedis, context.prefix, context.uniqueId("rewrite"));
  const mem = new WholeValueMemory(peerRedis, `${context.prefix}py:rewrite:`);

  context.log(`whole-value rewrite: ${appends} appends at ${size}, ${rounds} rounds`);
  const times = await interleave(
    [
      {
        name: "ours",
        setup: async () => {
          store.items = initial;
          await store.$flush();
        },
        run: async () => {
          const items = store.items;
          for (let i = 0; i < appends; i++) {
            items.push(element(size + i));
            await store.$flush();
          }
        },
      },
      {
        name: "peer",
        setup: () => mem.set("items", [...initial]),
        run: async () => {
          for (let i = 0; i < appends; i++) await mem.append("items", element(size + i));
        },
      },
    ],
    { rounds },
  );
  if (store.items.length !== size + appends) throw new Error("rewrite: the store lost appends");
  await store.$delete();
  await store.$close();
  await peerRedis.del(mem.key("items"));
  storeRedis.disconnect();
  peerRedis.disconnect();

  const ours = times.get("ours")!.medianMs;
  const peer = times.get("peer")!.medianMs;
  return [
    row({
      id: "appends-vs-whole-value-rewrite",
      figure: `${appends.toLocaleString("en-US")} appends at list size 10k vs whole-value rewrite`,
      oursLabel: `${appends} x (SyncedList.push, await $flush()): one script call per append`,
      peerLabel: `${appends} x (push to a local array, SET the whole list as JSON with a timestamp, await the reply)`,
      ours: { value: ours, unit: "ms" },
      peer: { value: peer, unit: "ms" },
      ratio: peer / ours,
      ratioMeaning: "peer time / our time (how many times faster)",
      target: { kind: "ratio-at-least", bound: 100, text: ">= 100x faster" },
      designTarget: true,
    }),
  ];
}
