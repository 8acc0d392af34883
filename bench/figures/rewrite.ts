// 1,000 appends to a list of 10k, each append its own write awaited before the
// next, through a store vs the whole-value-rewrite strategy of the Python
// redis-memory.
import { BenchStore, element, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { rpushOne } from "../peers/raw-ioredis.js";
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
  const floorKey = `${context.prefix}raw:floor`;

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
        // The same appends as user code writes them in a loop without awaiting each: one batch.
        name: "ours-loop",
        setup: async () => {
          store.items = initial;
          await store.$flush();
        },
        run: async () => {
          const items = store.items;
          for (let i = 0; i < appends; i++) items.push(element(size + i));
          await store.$flush();
        },
      },
      {
        // Not a peer: the floor of any design that waits for one reply per append.
        name: "floor",
        setup: async () => {
          await peerRedis.del(floorKey);
        },
        run: async () => {
          for (let i = 0; i < appends; i++) await rpushOne(peerRedis, floorKey, element(size + i));
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
    { rounds, warmup: 0 },
  );
  if (store.items.length !== size + appends) throw new Error("rewrite: the store lost appends");
  await peerRedis.del(mem.key("items"), floorKey);

  const big = await largeElements(context, store, mem);
  await store.$delete();
  await store.$close();
  await peerRedis.del(mem.key("items"));
  storeRedis.disconnect();
  peerRedis.disconnect();

  const ours = times.get("ours")!.medianMs;
  const peer = times.get("peer")!.medianMs;
  const floor = times.get("floor")!.medianMs;
  const loop = times.get("ours-loop")!.medianMs;
  return [
    row({
      id: "appends-vs-whole-value-rewrite",
      figure: `${appends.toLocaleString("en-US")} appends at list size 10k vs whole-value rewrite`,
      oursLabel: `${appends} x (SyncedList.push, await $flush()): one script call per append`,
      peerLabel: `${appends} x (push to a local array, SET the whole list as JSON with a timestamp, await the reply)`,
      ours: { value: ours, unit: "ms" },
      peer: { value: peer, unit: "ms" },
      ratio: peer / ours,
      ratioMeaning: "peer time / our time (how many times faster); bounded by the round-trip floor below",
      note: `the rewritten list is ~${Math.round(JSON.stringify(initial).length / 1024)} KB of JSON`,
    }),
    row({
      id: "appends-awaited-rpush-floor",
      figure: `${appends.toLocaleString("en-US")} awaited single RPUSH (floor of one round trip per append) vs whole-value rewrite`,
      oursLabel: `${appends} x await redis.rpush(key, value): the least any one-reply-per-append design can cost`,
      peerLabel: "the whole-value rewrite above",
      ours: { value: floor, unit: "ms" },
      peer: { value: peer, unit: "ms" },
      ratio: peer / floor,
      ratioMeaning: "peer time / floor time: the best ratio reachable with these elements",
    }),
    row({
      id: "appends-loop-vs-whole-value-rewrite",
      figure: `${appends.toLocaleString("en-US")} appends in a loop (no await between) at list size 10k vs whole-value rewrite`,
      oursLabel: `${appends} x SyncedList.push in one synchronous run, then one await $flush(): one batch`,
      peerLabel: "the whole-value rewrite above (its append always writes before returning)",
      ours: { value: loop, unit: "ms" },
      peer: { value: peer, unit: "ms" },
      ratio: peer / loop,
      ratioMeaning: "peer time / our time",
      // The same user code on both sides (a loop of appends, as redis-memory users write
      // it), each persisting as its strategy does: this is the comparison the target names.
      target: { kind: "ratio-at-least", bound: 100, text: ">= 100x faster" },
      designTarget: true,
    }),
    big,
  ];
}

/** The same comparison with chat-message-sized elements (100 characters), fewer appends. */
async function largeElements(context: BenchContext, store: BenchStore, mem: WholeValueMemory): Promise<Row> {
  const size = 10_000;
  const appends = context.quick ? 20 : 100;
  const rounds = context.quick ? 1 : 3;
  const message = (i: number): string => `${element(i)} ${"lorem ipsum dolor sit amet ".repeat(4)}`.slice(0, 100);
  const initial = Array.from({ length: size }, (_, i) => message(i));
  context.log(`whole-value rewrite: ${appends} appends at ${size} with 100-character elements, ${rounds} rounds`);
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
            items.push(message(size + i));
            await store.$flush();
          }
        },
      },
      {
        name: "peer",
        setup: () => mem.set("items", [...initial]),
        run: async () => {
          for (let i = 0; i < appends; i++) await mem.append("items", message(size + i));
        },
      },
    ],
    { rounds, warmup: 0 },
  );
  const ours = times.get("ours")!.medianMs;
  const peer = times.get("peer")!.medianMs;
  return row({
    id: "appends-vs-whole-value-rewrite-100-char-elements",
    figure: `${appends} appends at list size 10k of 100-character elements vs whole-value rewrite`,
    oursLabel: `${appends} x (SyncedList.push, await $flush())`,
    peerLabel: `${appends} x (push, SET the whole list as JSON with a timestamp, await)`,
    ours: { value: ours, unit: "ms" },
    peer: { value: peer, unit: "ms" },
    ratio: peer / ours,
    ratioMeaning: "peer time / our time",
    note: `the rewritten list is ~${Math.round(JSON.stringify(initial).length / 1024)} KB of JSON`,
  });
}
