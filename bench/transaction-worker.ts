// A contender of the transaction benchmark (bench/figures/transactions.ts): on "go" it
// runs `count` increments of one counter, as `kind` says, and reports when it is done.
import { Redis } from "ioredis";
import { Memory } from "redis-memory";

const [url = "", id = "", prefix = "", kind = "", count = "0"] = process.argv.slice(2);
const n = Number(count);

async function ours(): Promise<() => Promise<void>> {
  const mem = await Memory.open({ redis: url, id, prefix, live: true });
  return async () => {
    for (let i = 0; i < n; i++) {
      await mem.$transaction((m) => {
        m.counter = (m.counter as number) + 1;
      }, { attempts: 10_000 });
    }
    await mem.$close();
  };
}

async function watchMulti(): Promise<() => Promise<void>> {
  const redis = new Redis(url);
  const key = `${prefix}raw:{txn}:counter`;
  return async () => {
    for (let i = 0; i < n; i++) {
      for (;;) {
        await redis.watch(key);
        const value = Number((await redis.get(key)) ?? 0);
        const done = await redis.multi().set(key, String(value + 1)).exec();
        if (done !== null) break;
      }
    }
    await redis.quit();
  };
}

const run = kind === "ours" ? await ours() : await watchMulti();
await new Promise<void>((resolve) => {
  process.once("message", () => resolve());
  process.send!({ ready: true });
});
await run();
process.send!({ done: true });
process.disconnect();
