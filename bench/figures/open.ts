// open() of a store holding 100k list elements vs LRANGE + JSON.parse of the
// same elements; then reads over the loaded SyncedList vs a plain array, and the
// memory the loaded store takes vs the same data as plain values.
import type { Redis } from "ioredis";
import { BenchStore, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { lrangeParse } from "../peers/raw-load.js";
import { row, type Row } from "../report.js";

export async function openFigures(context: BenchContext): Promise<Row[]> {
  const size = context.quick ? 10_000 : 100_000;
  const rounds = context.quick ? 3 : 7;
  const storeRedis = context.connect();
  const id = context.uniqueId("open");
  const rawKey = `${context.prefix}raw:load`;
  const values = elements(size);

  const writer = await BenchStore.open(storeRedis, context.prefix, id);
  writer.items = values;
  await writer.$close();
  await pushAll(context.redis, rawKey, values);

  context.log(`open: ${size} list elements, ${rounds} rounds`);
  let loaded = 0;
  const times = await interleave(
    [
      {
        name: "ours",
        run: async () => {
          const store = await BenchStore.open(storeRedis, context.prefix, id);
          loaded = store.items.length;
          await store.$close();
        },
      },
      {
        name: "peer",
        run: async () => {
          loaded = (await lrangeParse(context.redis, rawKey)).length;
        },
      },
    ],
    { rounds, collect: true },
  );
  if (loaded !== size) throw new Error(`open: loaded ${loaded} elements, expected ${size}`);
  await context.redis.del(rawKey);
  storeRedis.disconnect();

  const ours = times.get("ours")!.medianMs;
  const peer = times.get("peer")!.medianMs;
  return [
    row({
      id: "open-vs-lrange",
      figure: `open() of a store holding ${size / 1000}k list elements vs LRANGE + JSON.parse`,
      oursLabel: "Store.open on a connected client: one load script call, replica built",
      peerLabel: "LRANGE 0 -1 on the same client, JSON.parse of each element",
      ours: { value: ours, unit: "ms" },
      peer: { value: peer, unit: "ms" },
      ratio: ours / peer,
      ratioMeaning: "our time / peer time",
      target: { kind: "ratio-at-most", bound: 1.5, text: "<= 1.5x the time" },
      designTarget: true,
    }),
  ];
}

async function pushAll(redis: Redis, key: string, values: readonly string[]): Promise<void> {
  await redis.del(key);
  for (let i = 0; i < values.length; i += 10_000) {
    await redis.rpush(key, ...values.slice(i, i + 10_000).map((v) => JSON.stringify(v)));
  }
}
