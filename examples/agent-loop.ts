// A chat agent loop with bounded memory: two workers answer one conversation's
// questions turn by turn (a fake model, no network). The conversation keeps only its
// newest messages ("x-redis-memory": { "keepLast": 6 } in schemas/agent-conversation.json):
// the worker whose write drops old messages hears them in the `change` event and folds
// them into the summary before they are gone. Every batch is kept as history
// ("x-redis-memory": { "history" }), printed at the end: who wrote what, when.
// Run: `npm run build && node dist/examples/agent-loop.js`.
import { fileURLToPath } from "node:url";
import { AgentConversation, type Turn } from "../generated/index.js";
import { runExample } from "./run.js";

/** The fake model: a deterministic answer to a question. */
function model(question: string): string {
  return `You asked "${question}". ${question.length % 2 === 0 ? "Yes." : "No."}`;
}

/** A one-line summary of messages that leave the conversation (a real agent would ask its model). */
function summarise(dropped: readonly Turn[]): string {
  return dropped.map((m) => `${m.role === "user" ? "Q" : "A"}: ${m.content.slice(0, 24)}`).join(" | ");
}

export interface AgentLoopResult {
  readonly messages: readonly Turn[];
  readonly summary: string;
  readonly turns: number;
  readonly history: readonly string[];
}

export async function agentLoop(redis: string, conversationId: string, questions: readonly string[], log: (line: string) => void = () => {}): Promise<AgentLoopResult> {
  const workers = await Promise.all(["worker-a", "worker-b"].map((writer) => AgentConversation.open({ redis, id: conversationId, writer })));
  // Each worker summarises what its own writes drop (every replica hears every drop;
  // only the writer acts on it, so each dropped message is summarised once).
  const folding: Promise<unknown>[] = [];
  for (const worker of workers) {
    worker.$on("change", (event) => {
      if (event.op !== "keep" || event.source !== "local" || !event.dropped) return;
      const line = summarise(event.dropped as readonly unknown[] as readonly Turn[]);
      // A transaction: the other worker may fold at the same time; neither line is lost.
      folding.push(worker.$transaction((c) => void (c.summary = c.summary === "" ? line : `${c.summary} | ${line}`)));
    });
  }
  for (const [i, question] of questions.entries()) {
    const worker = workers[i % workers.length]!;
    const name = i % 2 === 0 ? "worker-a" : "worker-b";
    // The question and its answer are one batch: they land together or not at all.
    worker.messages.push({ role: "user", content: question }, { role: "assistant", content: model(question), worker: name });
    await worker.$incr("turns");
    await worker.$flush();
  }
  await Promise.all(folding);
  await Promise.all(workers.map((w) => w.$flush()));

  const reader = await AgentConversation.open({ redis, id: conversationId, live: false });
  const history: string[] = [];
  for await (const entry of reader.$history()) {
    const what = entry.complete
      ? entry.changes.map((c) => `${c.op} ${c.path.join(".") || "(root)"}${c.count !== undefined ? ` ${c.count}` : ""}`).join(", ")
      : `wrote ${entry.touched?.map((p) => p.join(".") || "(root)").join(", ")} (values not kept)`;
    history.push(`#${entry.seq} ${entry.writer}: ${what}`);
  }
  for (const line of history) log(line);
  const result = { messages: reader.messages.aslist(), summary: reader.summary, turns: reader.turns, history };
  log(`kept ${result.messages.length} messages; summary: ${result.summary}`);
  await reader.$close();
  await Promise.all(workers.map((w) => w.$close()));
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const questions = ["What is Redis?", "Is it fast?", "Can it keep memory?", "For agents?", "Who wrote this?", "Anything else?"];
  await runExample(async (redis) => {
    await agentLoop(redis, `agent-loop-${process.pid}`, questions, (line) => console.log(line));
  });
}
