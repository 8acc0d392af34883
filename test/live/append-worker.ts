// A child process of the multi-process test. Protocol over IPC: it says "ready",
// waits for "go", appends its items, writes its keys and increments the counter
// (interleaved, one batch per round), says "done"; on "report" (sent when every
// worker is done) it waits until its replica has caught up with Redis, sends the
// replica and exits by itself.
import { Redis } from "ioredis";
import { Memory, type SyncedDict, type SyncedList } from "../../runtime/index.js";
import { settle } from "./settle.js";

const [url = "", id = "", worker = "0"] = process.argv.slice(2);
const ROUNDS = 100;
const ITEMS_PER_ROUND = 10;
const INCRS = 250;

function request(message: string): Promise<void> {
  return new Promise((resolve) => {
    process.once("message", () => resolve());
    process.send!({ [message]: true });
  });
}

const mem = await Memory.open({ redis: url, id, live: true });
const raw = new Redis(url);
const items = mem.items as SyncedList<string>;
const keys = mem.keys as SyncedDict<Record<string, number>>;

await request("ready");
const increments: Promise<number>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (let j = 0; j < ITEMS_PER_ROUND; j++) items.push(`w${worker}:${round * ITEMS_PER_ROUND + j}`);
  keys[`w${worker}-k${round}`] = round;
  const due = Math.floor(((round + 1) * INCRS) / ROUNDS) - increments.length;
  for (let k = 0; k < due; k++) increments.push(mem.$incr("counter"));
  // Let this round's batch leave and other processes' entries arrive.
  await new Promise((resolve) => setImmediate(resolve));
}
await Promise.all(increments);
await mem.$flush();
await request("done");
await settle([mem], raw, 30_000);
process.send!({ replica: mem.$asdict() });
await mem.$close();
await raw.quit();
process.disconnect();
