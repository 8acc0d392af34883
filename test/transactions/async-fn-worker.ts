// A child process of test/transactions/async-fn.test.ts: a live store runs a transaction
// whose async fn writes, then waits (timers) until its change feed has seen another
// writer's batch to the same container; reports the result and what Redis holds.
import { Redis } from "ioredis";
import { Memory } from "../../runtime/index.js";
import { storeInternals } from "../../runtime/store.js";

const [url = "", id = ""] = process.argv.slice(2);
const live = await Memory.open({ redis: url, id, live: true });
const other = await Memory.open({ redis: url, id, live: false });
(live as unknown as Record<string, unknown>).counter = 0;
await live.$flush();
const feed = storeInternals(live).feed!;
let runs = 0;
const result = await live.$transaction(async (m) => {
  const data = m as unknown as Record<string, number | string>;
  runs++;
  data.title = `run ${runs}`;
  if (runs === 1) {
    (other as unknown as Record<string, unknown>).other = "concurrent";
    await other.$flush();
    // The feed reads the other batch: it writes to the root, as this transaction's queued write does.
    while (!feed.stale) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  data.counter = (data.counter as number) + 1;
  return "done";
});
const raw = new Redis(url);
const root = await raw.hgetall(`${live.$key}:root`);
await raw.quit();
process.send!({ result, runs, root });
await live.$close();
await other.$close();
process.disconnect();
