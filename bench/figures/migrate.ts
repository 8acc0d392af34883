// Bulk migration (docs/guides/schema-evolution.md): 100k v1 instances of a board brought
// to v2 (a breaking change: a field renamed, a list become a dict, a record's new
// required key) by `migrateAll()` vs the loop a user writes without it: `ids()`, then
// open each instance with the v2 class (open() migrates it) and close it, one at a
// time. Both run the same registered step and write the same result; each round starts
// from fresh v1 instances (made untimed).
import { migrateAll } from "redis-memory";
import type { BenchContext } from "../context.js";
import { dropPrefix, migratedCount, v1Instances } from "../evolution/instances.js";
import { V2 } from "../evolution/migrations.js";
import { interleave } from "../measure.js";
import { row, type Row } from "../report.js";

const CONCURRENCY = 16;

export async function migrateFigures(context: BenchContext): Promise<Row[]> {
  const count = context.quick ? 5_000 : 100_000;
  // One round of 100k is minutes on each side (a long run averages itself); a small
  // untimed round first warms both up.
  const rounds = 1;
  let size = 0;
  let prefix = "";
  const fresh = async (): Promise<void> => {
    prefix = `${context.prefix}${context.uniqueId("migrate")}:`;
    await v1Instances(context.redis, context.url, prefix, size);
  };
  const check = async (name: string): Promise<void> => {
    const migrated = await migratedCount(context.redis, prefix, size);
    if (migrated !== size) throw new Error(`migrate (${name}): ${migrated} of ${size} instances at version 2`);
    await dropPrefix(context.redis, prefix);
  };
  const contenders = [
    {
      name: "ours",
      setup: fresh,
      run: async () => {
        const report = await migrateAll(V2, { redis: context.url, prefix, concurrency: CONCURRENCY });
        if (report.migrated !== size || report.failed !== 0) throw new Error(`migrateAll: ${JSON.stringify({ ...report, migratedIds: undefined })}`);
      },
      teardown: () => check("migrateAll"),
    },
    {
      name: "peer",
      setup: fresh,
      run: async () => {
        for await (const id of V2.ids({ redis: context.url, prefix })) {
          const board = await V2.open({ redis: context.url, prefix, id, live: false });
          await board.$close();
        }
      },
      teardown: () => check("ids() + open loop"),
    },
  ];

  size = 1_000;
  await interleave(contenders, { rounds: 1, warmup: 0 });
  size = count;
  context.log(`migrate: ${count} v1 instances -> v2, ${rounds} round`);
  const times = await interleave(contenders, { rounds, warmup: 0, collect: true });
  const ours = count / (times.get("ours")!.medianMs / 1000);
  const peer = count / (times.get("peer")!.medianMs / 1000);
  return [
    row({
      id: "migrate-all",
      figure: `bulk migration of ${count / 1000}k instances (v1 -> v2, breaking), instances/s`,
      oursLabel: `migrateAll(Board, { concurrency: ${CONCURRENCY} }) (what \`redis-memory migrate\` runs)`,
      peerLabel: "for await (id of Board.ids()) { await (await Board.open({ id, live: false })).$close() }: open() migrates, one at a time",
      ours: { value: ours, unit: "inst/s" },
      peer: { value: peer, unit: "inst/s" },
      ratio: ours / peer,
      ratioMeaning: "our throughput / peer throughput",
    }),
  ];
}
