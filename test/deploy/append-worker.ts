// A child process of the Cluster and Sentinel tests. Argv: the `redis` option as JSON,
// the instance id, the worker number, how many items to append. Protocol over IPC:
// sends {ready}, waits for "go", appends its items (one batch per tick), sends {done},
// waits for "report", waits until its replica caught up, sends {replica} and exits.
import { Memory, type RedisOption, type SyncedList } from "../../runtime/index.js";
import { Cluster, Redis } from "ioredis";
import { settle } from "../live/settle.js";

const [redisJson = "", id = "", worker = "0", count = "0"] = process.argv.slice(2);
const option = JSON.parse(redisJson) as RedisOption;

const next = (): Promise<unknown> => new Promise((resolve) => process.once("message", resolve));
const mem = await Memory.open({ redis: option, id, live: true });
const items = mem.items as SyncedList<string>;
process.send!({ ready: true });
await next();
for (let i = 0; i < Number(count); i++) {
  items.push(`w${worker}:${i}`);
  await new Promise((resolve) => setImmediate(resolve));
}
await mem.$flush();
process.send!({ done: true });
await next();
const reader = typeof option === "object" && option !== null && "cluster" in option
  ? new Cluster((option as { cluster: string[] }).cluster.map((url) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) })), { redisOptions: { password: decodeURIComponent(new URL((option as { cluster: string[] }).cluster[0]!).password) } })
  : new Redis(option as never);
await settle([mem], reader as unknown as Redis, 30_000);
process.send!({ replica: mem.$asdict() });
await mem.$close();
await reader.quit();
process.disconnect();
