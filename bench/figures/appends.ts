// Appends/s and key writes/s through a store (100k mutations in one synchronous
// run, then $flush) vs ioredis pipelining one command per element.
import { BenchStore, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { COALESCE, coalescedRpush, pipelinedHset, pipelinedRpush } from "../peers/raw-ioredis.js";
import { row, type Row } from "../report.js";

export async function appendFigures(context: BenchContext): Promise<Row[]> {
  const count = context.quick ? 10_000 : 100_000;
  const rounds = context.quick ? 2 : 15;
  const values = elements(count);
  const storeRedis = context.connect();
  const store = await BenchStore.open(storeRedis, context.prefix, context.uniqueId("appends"));
  const rawList = `${context.prefix}raw:list`;
  const rawHash = `${context.prefix}raw:hash`;
  const keyed = values.map((value, i): [string, string] => [`key-${String(i).padStart(6, "0")}`, value]);

  context.log(`appends: ${count} pushes per run, ${rounds} rounds`);
  const appends = await interleave(
    [
      {
        name: "ours",
        setup: async () => {
          store.items.clear();
          await store.$flush();
        },
        run: async () => {
          const items = store.items;
          for (let i = 0; i < count; i++) items.push(values[i]!);
          await store.$flush();
        },
      },
      {
        name: "peer",
        setup: async () => {
          await context.redis.del(rawList);
        },
        run: () => pipelinedRpush(context.redis, rawList, values),
      },
      {
        name: "coalesced",
        setup: async () => {
          await context.redis.del(rawList);
        },
        run: () => coalescedRpush(context.redis, rawList, values),
      },
    ],
    { rounds, collect: true },
  );
  if (store.items.length !== count) throw new Error(`appends: the store holds ${store.items.length} items, expected ${count}`);

  context.log(`key writes: ${count} keys per run, ${rounds} rounds`);
  const writes = await interleave(
    [
      {
        name: "ours",
        setup: async () => {
          store.keys.clear();
          await store.$flush();
        },
        run: async () => {
          const keys = store.keys as Record<string, string>;
          for (let i = 0; i < count; i++) keys[keyed[i]![0]] = keyed[i]![1];
          await store.$flush();
        },
      },
      {
        name: "peer",
        setup: async () => {
          await context.redis.del(rawHash);
        },
        run: () => pipelinedHset(context.redis, rawHash, keyed),
      },
    ],
    { rounds, collect: true },
  );

  await store.$close();
  storeRedis.disconnect();
  await context.redis.del(rawList, rawHash);

  const perSecond = (ms: number): number => (count / ms) * 1000;
  const oursAppends = perSecond(appends.get("ours")!.medianMs);
  const peerAppends = perSecond(appends.get("peer")!.medianMs);
  const coalescedAppends = perSecond(appends.get("coalesced")!.medianMs);
  const oursWrites = perSecond(writes.get("ours")!.medianMs);
  const peerWrites = perSecond(writes.get("peer")!.medianMs);
  return [
    row({
      id: "appends-per-second",
      figure: `appends/s through a store (one tick, ${count / 1000}k)`,
      oursLabel: `${count} SyncedList.push calls in one synchronous run, then await $flush() (one batch: a MULTI of the batch script and RPUSHes of the values, see README "Staged pushes")`,
      peerLabel: `ioredis pipeline of ${count} RPUSH commands, one element each, await exec()`,
      ours: { value: oursAppends, unit: "/s" },
      peer: { value: peerAppends, unit: "/s" },
      ratio: oursAppends / peerAppends,
      ratioMeaning: "our appends/s / peer appends/s",
      target: { kind: "ratio-at-least", bound: 1, text: ">= 1.0x" },
      designTarget: true,
    }),
    row({
      id: "appends-vs-coalesced",
      figure: `appends/s of scalars (one tick, ${count / 1000}k) vs raw coalesced RPUSH`,
      oursLabel: `the same ${count} SyncedList.push calls, then await $flush()`,
      peerLabel: `ioredis pipeline of RPUSH commands of ${COALESCE} JSON texts each`,
      ours: { value: oursAppends, unit: "/s" },
      peer: { value: coalescedAppends, unit: "/s" },
      ratio: oursAppends / coalescedAppends,
      ratioMeaning: "our appends/s / peer appends/s",
      target: { kind: "ratio-at-least", bound: 0.8, text: ">= 0.8x" },
      designTarget: true,
    }),
    row({
      id: "key-writes-per-second",
      figure: `dict key writes/s through a store (one tick, ${count / 1000}k)`,
      oursLabel: `${count} SyncedDict property writes in one synchronous run, then await $flush()`,
      peerLabel: `ioredis pipeline of ${count} HSET commands, one field each, await exec()`,
      ours: { value: oursWrites, unit: "/s" },
      peer: { value: peerWrites, unit: "/s" },
      ratio: oursWrites / peerWrites,
      ratioMeaning: "our key writes/s / peer key writes/s",
    }),
  ];
}
