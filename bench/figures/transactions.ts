// Optimistic read-modify-write: `$transaction` throughput, uncontended (one store, one
// after another) and with 4 processes contending for one counter, vs WATCH/MULTI
// written by hand with ioredis and vs `$incr` (no read in the client at all).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { Memory } from "redis-memory";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { row, type Row } from "../report.js";

const WORKER = fileURLToPath(new URL("../transaction-worker.js", import.meta.url));

/** Runs `processes` workers of `kind` at once; resolves to the ms from "go" to the last "done". */
async function contended(context: BenchContext, kind: "ours" | "watch", id: string, processes: number, each: number): Promise<number> {
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, [WORKER, context.url, id, context.prefix, kind, String(each)], { stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  const wait = (child: ReturnType<typeof spawn>, key: string): Promise<void> =>
    new Promise((resolve, reject) => {
      child.on("message", (m: Record<string, unknown>) => m[key] && resolve());
      child.once("exit", (code) => code !== 0 && reject(new Error(`transaction worker exited with ${code}`)));
    });
  await Promise.all(children.map((child) => wait(child, "ready")));
  const started = performance.now();
  const done = Promise.all(children.map((child) => wait(child, "done")));
  for (const child of children) child.send({ go: true });
  await done;
  return performance.now() - started;
}

export async function transactionFigures(context: BenchContext): Promise<Row[]> {
  const count = context.quick ? 200 : 1_000;
  const rounds = context.quick ? 2 : 3;
  const redis = context.connect();
  const mem = await Memory.open({ redis, prefix: context.prefix, id: context.uniqueId("txn"), live: false });
  (mem as unknown as Record<string, unknown>).counter = 0;
  await mem.$flush();
  const rawKey = `${context.prefix}raw:{txn}:counter`;

  context.log(`transactions: ${count} sequential read-modify-writes per run, ${rounds} rounds`);
  const runs = await interleave(
    [
      {
        name: "ours",
        run: async () => {
          for (let i = 0; i < count; i++) {
            await mem.$transaction((m) => {
              m.counter = (m.counter as number) + 1;
            });
          }
        },
      },
      {
        name: "watch",
        run: async () => {
          for (let i = 0; i < count; i++) {
            await context.redis.watch(rawKey);
            const value = Number((await context.redis.get(rawKey)) ?? 0);
            await context.redis.multi().set(rawKey, String(value + 1)).exec();
          }
        },
      },
      {
        name: "incr",
        run: async () => {
          for (let i = 0; i < count; i++) await mem.$incr("counter");
        },
      },
    ],
    { rounds },
  );
  await mem.$delete();
  await mem.$close();
  redis.disconnect();

  const processes = 4;
  const each = context.quick ? 50 : 250;
  context.log(`transactions: ${processes} processes x ${each} increments of one counter, ours vs WATCH/MULTI`);
  const setup = await Memory.open({ redis: context.url, prefix: context.prefix, id: "txn-contended", live: false });
  (setup as unknown as Record<string, unknown>).counter = 0;
  await setup.$close();
  const oursContendedMs = await contended(context, "ours", "txn-contended", processes, each);
  const check = await Memory.open({ redis: context.url, prefix: context.prefix, id: "txn-contended", live: false });
  const total = (check as unknown as Record<string, unknown>).counter;
  await check.$delete();
  await check.$close();
  if (total !== processes * each) throw new Error(`transactions: the counter is ${String(total)}, expected ${processes * each}`);
  await context.redis.del(rawKey);
  const watchContendedMs = await contended(context, "watch", "txn-contended", processes, each);

  const perSecond = (n: number, ms: number): number => (n / ms) * 1000;
  const ours = perSecond(count, runs.get("ours")!.medianMs);
  const watch = perSecond(count, runs.get("watch")!.medianMs);
  const incr = perSecond(count, runs.get("incr")!.medianMs);
  const oursContended = perSecond(processes * each, oursContendedMs);
  const watchContended = perSecond(processes * each, watchContendedMs);
  return [
    row({
      id: "transactions-uncontended",
      figure: "$transaction throughput, uncontended (one store, sequential read-modify-writes)",
      oursLabel: `${count} awaited $transaction(m => m.counter += 1)`,
      peerLabel: `${count} awaited WATCH, GET, MULTI/SET/EXEC by hand (ioredis)`,
      ours: { value: ours, unit: "/s" },
      peer: { value: watch, unit: "/s" },
      ratio: ours / watch,
      ratioMeaning: "our transactions/s / WATCH-MULTI/s",
    }),
    row({
      id: "transactions-vs-incr",
      figure: "$transaction vs $incr for a counter (one store, sequential)",
      oursLabel: `${count} awaited $transaction increments`,
      peerLabel: `${count} awaited $incr (one script call each, no read)`,
      ours: { value: ours, unit: "/s" },
      peer: { value: incr, unit: "/s" },
      ratio: ours / incr,
      ratioMeaning: "transactions/s / $incr/s",
    }),
    row({
      id: "transactions-contended",
      figure: `$transaction throughput, ${processes} processes contending for one counter`,
      oursLabel: `${processes} processes x ${each} $transaction increments (live stores; conflicts rerun)`,
      peerLabel: `${processes} processes x ${each} WATCH/GET/MULTI/EXEC increments, retried on abort`,
      ours: { value: oursContended, unit: "/s" },
      peer: { value: watchContended, unit: "/s" },
      ratio: oursContended / watchContended,
      ratioMeaning: "our transactions/s / WATCH-MULTI/s",
    }),
  ];
}
