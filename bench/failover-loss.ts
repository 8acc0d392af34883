// Acknowledged writes lost when a Sentinel-managed primary is killed (kill -9), with
// and without the open option `waitReplicas`. Each run starts its own Sentinel setup
// (1 primary, 1 replica, 3 sentinels; scripts/redis-sentinel.ts): 20 stores append
// one item per batch, each awaiting its $flush(), the primary is killed after
// `before` acknowledged items, the stores write on until the sentinels promoted the
// replica and for 2 s more; then the items whose $flush() resolved are looked up in
// what the new primary holds. A second series stops the replica (SIGSTOP) 300 ms
// before the kill, so that it lags behind as a replica on a slow link would.
//
//   npx tsx bench/failover-loss.ts [runs]
import { Memory, ReplicaWaitError, WriteError, type SyncedList } from "redis-memory";
import { startRedisSentinel } from "../scripts/redis-sentinel.js";

interface Outcome {
  readonly acknowledged: number;
  readonly lost: number;
  readonly rejected: number;
  readonly failoverMs: number;
}

async function run(wait: boolean, lag: boolean): Promise<Outcome> {
  const setup = await startRedisSentinel({ replicas: 1, sentinels: 3, downAfter: 1000 });
  const redis = { sentinels: setup.sentinels.map(({ host, port }) => ({ host, port })), name: setup.name };
  try {
    const stores = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        Memory.open({ redis, id: `loss-${i}`, live: false, ...(wait ? { waitReplicas: { replicas: 1, timeout: 1_000 } } : {}) }),
      ),
    );
    for (const store of stores) store.items = [];
    await Promise.all(stores.map((store) => store.$flush()));
    const acknowledged = new Map<number, string[]>();
    let rejected = 0;
    let killedAt = 0;
    let stopAt = Infinity;
    let total = 0;
    /** Writes sent well after the kill that a primary answered (acknowledged, or refused for want of a replica). */
    let answered = 0;
    const answer = (sentAt: number): void => {
      if (killedAt > 0 && sentAt > killedAt + 100) answered++;
    };
    const writer = async (i: number): Promise<void> => {
      const store = stores[i]!;
      const mine: string[] = [];
      acknowledged.set(i, mine);
      for (let n = 0; Date.now() < stopAt; n++) {
        const item = `s${i}-${n}`;
        const sentAt = Date.now();
        (store.items as SyncedList<string>).push(item);
        try {
          await store.$flush();
          mine.push(item);
          total++;
          answer(sentAt);
        } catch (error) {
          // Fewer replicas than asked acknowledged it, or Redis refused it (the failover lost what it builds on).
          if (!(error instanceof ReplicaWaitError) && !(error instanceof WriteError)) throw error;
          rejected++;
          answer(sentAt);
        }
        if (killedAt === 0 && total >= 2_000) {
          killedAt = Date.now();
          void kill();
        }
      }
    };
    const kill = async (): Promise<void> => {
      const replica = setup.replicas[0]!.pid;
      if (lag) {
        process.kill(replica, "SIGSTOP");
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      process.kill(setup.primary.pid, "SIGKILL");
      if (lag) process.kill(replica, "SIGCONT");
    };
    const writing = Promise.all(stores.map((_, i) => writer(i)));
    // Stop 2 s after the first answer to a write sent after the kill (by the new primary).
    while (killedAt === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    while (answered === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const failoverMs = Date.now() - killedAt;
    stopAt = Date.now() + 2_000;
    await writing;
    let lost = 0;
    for (const [i, items] of acknowledged) {
      const fresh = await Memory.open({ redis, id: `loss-${i}`, live: false });
      const held = new Set(fresh.items as string[]);
      lost += items.filter((item) => !held.has(item)).length;
      await fresh.$close();
    }
    await Promise.all(stores.map((store) => store.$close()));
    return { acknowledged: total, lost, rejected, failoverMs };
  } finally {
    await setup.stop();
  }
}

const runs = Number(process.argv[2] ?? 3);
for (const lag of [false, true]) {
  for (const wait of [false, true]) {
    for (let r = 0; r < runs; r++) {
      const outcome = await run(wait, lag);
      process.stdout.write(`${lag ? "replica stopped 300 ms before the kill, " : ""}${wait ? "waitReplicas { replicas: 1, timeout: 1000 }" : "no waitReplicas"}: ${JSON.stringify(outcome)}\n`);
    }
  }
}
