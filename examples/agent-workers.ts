// Agent conversation memory shared by several workers: each worker appends the messages
// of its turns, counts turns with `$incr` and records what it learned under its own topic;
// one of them keeps a rolling summary with `$transaction`. Every worker is a store of its
// own, as it would be in its own process (its own replica of the same instance); none of
// their writes is lost. Run: `npm run build && node dist/examples/agent-workers.js`.
import { fileURLToPath } from "node:url";
import { AgentMemory } from "../generated/index.js";
import { runExample } from "./run.js";

export interface AgentWorkersResult {
  readonly messages: number;
  readonly turns: number;
  readonly topics: readonly string[];
  readonly summary: string | null;
}

export async function agentWorkers(redis: string, conversationId: string, workers = 3, turnsEach = 4): Promise<AgentWorkersResult> {
  const stores = await Promise.all(
    Array.from({ length: workers }, () => AgentMemory.open({ redis, id: conversationId, init: { conversationId }, ttl: 60 * 60_000 })),
  );
  await Promise.all(
    stores.map(async (memory, worker) => {
      for (let turn = 0; turn < turnsEach; turn++) {
        // One tick's writes are one atomic batch: the question and its answer land together.
        memory.messages.push(
          { role: "user", content: `question ${turn} for worker ${worker}`, at: new Date().toISOString() },
          { role: "assistant", content: `answer ${turn} from worker ${worker}`, at: new Date().toISOString() },
        );
        const facts = memory.facts[`worker-${worker}`];
        if (facts === undefined) memory.facts.update({ [`worker-${worker}`]: [`learned ${turn}`] });
        else facts.push(`learned ${turn}`);
        // `memory.turns += 1` would be last-writer-wins across workers; $incr adds up.
        await memory.$incr("turns");
      }
    }),
  );
  // A read-modify-write: Redis applies it only if no worker wrote in between, else it runs again.
  await stores[0]!.$transaction((memory) => {
    memory.summary = `${memory.messages.length} messages over ${memory.turns} turns`;
  });
  await Promise.all(stores.map((memory) => memory.$close()));

  // A fresh store reads what Redis holds.
  await using check = await AgentMemory.open({ redis, id: conversationId, live: false });
  return { messages: check.messages.length, turns: check.turns, topics: Object.keys(check.facts).sort(), summary: check.summary };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runExample(async (redis) => {
    const id = `agents-${process.pid}`;
    console.log(await agentWorkers(redis, id));
    await (await AgentMemory.open({ redis, id, live: false })).$delete();
  });
}
