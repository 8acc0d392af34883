// Two processes share one generated AgentMemory: this process (the agent worker)
// appends messages to a conversation, counts turns with `$incr` and keeps a summary
// with `$transaction` (a read-modify-write that never loses another writer's update);
// a child process (the API) opens the same conversation and prints each message as
// its change event arrives. The conversation expires 10 minutes after its last write
// (`ttl`), and `await using` closes the stores at the end of their blocks. Uses
// REDIS_URL, or starts a private redis-server when it is unset: `npm run demo`.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AgentMemory } from "../generated/index.js";
import { startRedisServer } from "../scripts/redis-server.js";

const MESSAGES: readonly { role: "user" | "assistant"; content: string }[] = [
  { role: "user", content: "What is redis-memory?" },
  { role: "assistant", content: "Typed stores generated from JSON Schema, persisted to Redis." },
  { role: "user", content: "Can two processes share one?" },
  { role: "assistant", content: "Yes: open the same id and both see every write." },
];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function reader(redis: string, conversationId: string): Promise<void> {
  await using memory = await AgentMemory.open({ redis, id: conversationId, init: { conversationId } });
  let seen = 0;
  const show = (): void => {
    for (const message of memory.messages.slice(seen)) console.log(`[reader pid ${process.pid}] ${message.role}: ${message.content}`);
    seen = Math.max(seen, memory.messages.length);
  };
  show();
  // Nothing is polled: the writer's batches arrive on the store's change feed.
  const done = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    const off = memory.$on("change", (event) => {
      if (event.source !== "remote") return;
      show();
      if (seen >= MESSAGES.length && memory.turns >= MESSAGES.length) {
        clearTimeout(timer);
        off();
        resolve(true);
      }
    });
  });
  process.send?.("ready");
  const complete = await done;
  console.log(`[reader pid ${process.pid}] saw ${seen} messages, ${memory.turns} turns; summary: ${memory.summary}`);
  if (!complete) process.exitCode = 1;
}

async function writer(redis: string): Promise<void> {
  const conversationId = `demo-${Date.now().toString(36)}`;
  await using memory = await AgentMemory.open({ redis, id: conversationId, init: { conversationId }, ttl: 10 * 60_000 });
  memory.title = "redis-memory demo";
  await memory.$flush();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--reader", redis, conversationId], { stdio: ["inherit", "inherit", "inherit", "ipc"] });
  const done = new Promise<number | null>((resolve) => child.once("exit", resolve));
  // The reader says when it is open (or exits early, which fails the demo below).
  await Promise.race([new Promise<void>((resolve) => child.once("message", () => resolve())), done]);
  for (const message of MESSAGES) {
    await sleep(300);
    memory.messages.push({ ...message, at: new Date().toISOString() });
    // An atomic increment in Redis: counts from several writers add up (`turns += 1` would not).
    const turns = await memory.$incr("turns");
    // Read-modify-write: applied only if nobody wrote in between, else run again.
    const summary = await memory.$transaction((m) => (m.summary = `${m.messages.length} messages, last from ${message.role}`));
    console.log(`[writer pid ${process.pid}] appended (turn ${turns}): ${message.content} [${summary}]`);
  }
  const code = await done;
  console.log(`[writer pid ${process.pid}] the conversation expires in ${Math.round(((await memory.$ttl()) ?? 0) / 1000)} s unless written again`);
  await memory.$delete();
  if (code !== 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  const [flag, url, id] = process.argv.slice(2);
  if (flag === "--reader" && url !== undefined && id !== undefined) return reader(url, id);
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const redis = process.env.REDIS_URL ?? server!.url;
  console.log(server ? `started a private redis-server at ${redis}` : `using REDIS_URL=${redis}`);
  try {
    await writer(redis);
  } finally {
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
