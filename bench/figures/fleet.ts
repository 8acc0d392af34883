// Many stores in one process: the connections 500 live stores hold, open() of
// 1,000 instances at once vs raw HGETALL + LRANGE of each, and one write to each of
// 1,000 instances seen by the live stores of another process (bench/fanout.ts).
import { Memory } from "redis-memory";
import { BenchStore, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { measureFanout, type Fanout } from "../fanout.js";
import { interleave } from "../measure.js";
import { row, type Row } from "../report.js";

async function connections(context: BenchContext): Promise<number> {
  return String(await context.redis.client("LIST")).trim().split("\n").length;
}

async function liveConnections(context: BenchContext, stores: number): Promise<number> {
  const before = await connections(context);
  const opened = await Promise.all(
    Array.from({ length: stores }, (_, i) => Memory.open({ redis: context.url, prefix: context.prefix, id: `fleet-conn-${i}`, live: true })),
  );
  const held = (await connections(context)) - before;
  await Promise.all(opened.map((store) => store.$close()));
  return held;
}

export async function fleetFigures(context: BenchContext): Promise<Row[]> {
  const stores = context.quick ? 100 : 500;
  context.log(`fleet: connections of ${stores} live stores`);
  const held = await liveConnections(context, stores);

  const instances = context.quick ? 200 : 1_000;
  const rounds = context.quick ? 2 : 5;
  context.log(`fleet: open() of ${instances} instances at once, ${rounds} rounds`);
  const client = context.connect();
  const ids = Array.from({ length: instances }, (_, i) => `fleet-open-${i}`);
  // A small conversation each: 20 items and a 3-key dict.
  await Promise.all(
    ids.map(async (id) => {
      const store = await BenchStore.open(client, context.prefix, id);
      store.items = elements(20);
      store.keys = { a: "1", b: "2", c: "3" };
      await store.$close();
    }),
  );
  const keyOf = (id: string, ref: string | undefined): string => `${context.prefix}{Bench:${id}}:n:${ref?.slice(3) ?? ""}`;
  const nodeRefs = await Promise.all(ids.map((id) => client.hgetall(`${context.prefix}{Bench:${id}}:root`)));
  let loaded = 0;
  const times = await interleave(
    [
      {
        name: "ours",
        run: async () => {
          const opened = await Promise.all(ids.map((id) => BenchStore.open(client, context.prefix, id)));
          loaded = opened.filter((store) => store.items.length === 20).length;
          await Promise.all(opened.map((store) => store.$close()));
        },
      },
      {
        name: "peer",
        run: async () => {
          const replies = await Promise.all(
            ids.map(async (id, i) => {
              const [root, items, keys] = await Promise.all([
                client.hgetall(`${context.prefix}{Bench:${id}}:root`),
                client.lrange(keyOf(id, nodeRefs[i]!.items), 0, -1),
                client.hgetall(keyOf(id, nodeRefs[i]!.keys)),
              ]);
              return { root, items: items.map((text) => JSON.parse(text) as unknown), keys };
            }),
          );
          loaded = replies.filter((reply) => reply.items.length === 20).length;
        },
      },
    ],
    { rounds },
  );
  if (loaded !== instances) throw new Error(`fleet: loaded ${loaded} of ${instances} instances`);
  client.disconnect();

  const fanoutStores = context.quick ? 200 : 1_000;
  const fanoutRounds = context.quick ? 2 : 5;
  context.log(`fleet: a write to each of ${fanoutStores} instances seen by ${fanoutStores} live stores in another process, ${fanoutRounds} rounds`);
  let fanout: Fanout | undefined;
  let note: string | undefined;
  try {
    fanout = await measureFanout(context.url, context.prefix, fanoutStores, fanoutRounds);
  } catch (error) {
    note = `not measured: ${error instanceof Error ? error.message : String(error)}`;
    context.log(`fleet: ${note}`);
  }

  const ours = times.get("ours")!.medianMs / instances;
  const peer = times.get("peer")!.medianMs / instances;
  return [
    row({
      id: "connections-live-stores",
      figure: `Redis connections held by one process with ${stores} live stores (one server)`,
      oursLabel: `CLIENT LIST growth while ${stores} live stores opened through one URL are open`,
      ours: { value: held, unit: "connections" },
      target: { kind: "ours-at-most", bound: 4, text: "<= 4" },
      designTarget: true,
    }),
    row({
      id: "open-many-instances",
      figure: `open() of ${instances} instances in one process, per instance`,
      oursLabel: `${instances} BenchStore.open() at once on one client (20 items, a 3-key dict each; the time includes closing them)`,
      peerLabel: "HGETALL root + LRANGE items + HGETALL keys of each instance at once, JSON.parse of the items",
      ours: { value: ours, unit: "ms" },
      peer: { value: peer, unit: "ms" },
      ratio: ours / peer,
      ratioMeaning: "our time / peer time",
    }),
    row({
      id: "fanout-p99",
      figure: `a write seen by every one of ${fanoutStores} live stores (of ${fanoutStores} instances) in another process, p99`,
      oursLabel: `a write to each of ${fanoutStores} instances in turn, until the live store of that instance (one of ${fanoutStores} in a second process) applied it`,
      ...(fanout ? { ours: { value: fanout.single.p99Ms, unit: "ms" } } : {}),
      target: { kind: "ours-at-most", bound: 20, text: "p99 <= 20 ms" },
      designTarget: true,
      ...(note ? { note } : {}),
    }),
    row({
      id: "fanout-burst-p99",
      figure: `${fanoutStores} writes in one tick (one per instance), each until seen by its live store in another process, p99`,
      oursLabel: `${fanoutStores} writer stores write in one tick (${fanoutRounds} rounds); mostly the time Redis takes to run ${fanoutStores} batch scripts`,
      ...(fanout ? { ours: { value: fanout.burst.p99Ms, unit: "ms" } } : {}),
      ...(note ? { note } : {}),
    }),
  ];
}
