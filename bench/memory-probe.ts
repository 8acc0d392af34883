// Child process of the memory figure: measures one thing in a fresh heap, so that
// nothing of an earlier measurement (replies, stores) can linger in the baseline.
//   node --expose-gc dist/bench/memory-probe.js <redisUrl> <prefix> <id> <kind> <count>
// Prints the heapUsed growth in bytes (after full GCs) as JSON on stdout.
import { Redis } from "ioredis";
import { Memory } from "redis-memory";
import { BenchStore, elements, records } from "./bench-store.js";
import { gc } from "./measure.js";

export type ProbeKind = "plain-list" | "store-list" | "plain-records" | "store-records";

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

const held: { value: unknown } = { value: undefined };

// Kept out of main(), whose registers could otherwise keep what open() made on
// the way (the load reply) alive and count it.
async function make(kind: ProbeKind, redis: Redis, prefix: string, id: string, text: string): Promise<void> {
  switch (kind) {
    case "plain-list":
    case "plain-records":
      held.value = JSON.parse(text) as unknown;
      return;
    case "store-list":
      held.value = await BenchStore.open(redis, prefix, id);
      return;
    case "store-records":
      held.value = await Memory.open({ redis, prefix, id, live: false });
      return;
    default:
      throw new Error(`unknown kind ${String(kind)}`);
  }
}

async function main(): Promise<void> {
  const [url, prefix, id, kind, countText] = process.argv.slice(2);
  if (!url || !prefix || !id || !kind || !countText) throw new Error("usage: memory-probe <url> <prefix> <id> <kind> <count>");
  const count = Number(countText);
  if (!gc()) throw new Error("run with --expose-gc");
  const redis = new Redis(url);
  // Compile the code paths once on a small instance, so that the measurement holds data, not code.
  const warm = await BenchStore.open(redis, prefix, `${id}-warmup`);
  await warm.$delete();
  await warm.$close();
  const warmMemory = await Memory.open({ redis, prefix, id: `${id}-warmup`, live: false });
  await warmMemory.$close();
  const text = kind.endsWith("list") ? JSON.stringify(elements(count)) : JSON.stringify(records(count));
  JSON.parse("[\"warm\", {\"up\": [1]}]");

  const before = heapUsed();
  await make(kind as ProbeKind, redis, prefix, id, text);
  // Let the client drop its last reply (it can hold it until the next command).
  await redis.ping();
  await new Promise((resolve) => setImmediate(resolve));
  const after = heapUsed();
  process.stdout.write(JSON.stringify({ kind, bytes: after - before }) + "\n");
  redis.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
