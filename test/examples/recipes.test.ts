// The recipes of docs/recipes/, run as their programs in examples/ against the test run's
// redis-server; each test checks what Redis holds afterwards.
import { describe, expect, it } from "vitest";
import { AgentConversation, AgentMemory, Chat, JobBoard, SharedConfig } from "../../generated/index.js";
import { agentLoop } from "../../examples/agent-loop.js";
import { agentWorkers } from "../../examples/agent-workers.js";
import { chatUi } from "../../examples/chat-ui.js";
import { jobRunner } from "../../examples/job-runner.js";
import { sharedConfig } from "../../examples/shared-config.js";
import { rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { held } from "./held.js";

const keyOf = async (open: () => Promise<{ $key: string; $close(): Promise<void> }>): Promise<string> => {
  const store = await open();
  await store.$close();
  return store.$key;
};

describe("recipe: agent conversation memory with several workers", () => {
  it("keeps every worker's messages, turns and topics", async () => {
    const id = uniqueId("agents");
    const result = await agentWorkers(redisUrl(), id, 3, 4);
    expect(result).toEqual({ messages: 24, turns: 12, topics: ["worker-0", "worker-1", "worker-2"], summary: "24 messages over 12 turns" });
    const data = await held(rawClient(), await keyOf(() => AgentMemory.open({ redis: redisUrl(), id, live: false })));
    expect((data["messages"] as unknown[]).length).toBe(24);
    expect(data["turns"]).toBe(12);
    expect(data["facts"]).toEqual({ "worker-0": ["learned 0", "learned 1", "learned 2", "learned 3"], "worker-1": ["learned 0", "learned 1", "learned 2", "learned 3"], "worker-2": ["learned 0", "learned 1", "learned 2", "learned 3"] });
    expect(await rawClient().pttl(`${await keyOf(() => AgentMemory.open({ redis: redisUrl(), id, live: false }))}:root`)).toBeGreaterThan(0);
  });
});

describe("recipe: job runner state", () => {
  it("runs every job exactly once across racing workers", async () => {
    const queue = uniqueId("jobs");
    const { perWorker } = await jobRunner(redisUrl(), queue, 20, 3);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(20);
    const key = await keyOf(() => JobBoard.open({ redis: redisUrl(), id: queue, live: false }));
    const data = await held(rawClient(), key);
    expect(data["done"]).toBe(20);
    expect(data["failed"]).toBe(0);
    expect(data["queue"]).toEqual([]);
    const jobs = data["jobs"] as Record<string, { status: string; attempts: number; progress: number; result: string }>;
    expect(Object.keys(jobs).length).toBe(20);
    for (let n = 0; n < 20; n++) expect(jobs[`job-${n}`]).toMatchObject({ status: "done", attempts: 1, progress: 100, result: String(n * n) });
    expect(await rawClient().pttl(`${key}:root`)).toBeGreaterThan(0);
  });
});

describe("recipe: shared config", () => {
  it("every live reader sees the admin's batch, and Redis holds it", async () => {
    const service = uniqueId("config");
    const seen = await sharedConfig(redisUrl(), service, 3);
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ checkout: true, requestsPerSecond: 50, banner: "maintenance at 22:00 UTC" })));
    const data = await held(rawClient(), await keyOf(() => SharedConfig.open({ redis: redisUrl(), id: service, live: false })));
    expect(data).toMatchObject({ flags: { newCheckout: true }, limits: { requestsPerSecond: 50, maxTokens: 4096 }, banner: "maintenance at 22:00 UTC" });
  });
});

describe("recipe: chat UI messages", () => {
  it("stores each message once, in order, with its parts", async () => {
    const chatId = uniqueId("chat");
    const messages = await chatUi(redisUrl(), chatId);
    expect(messages.map((m) => m.id)).toEqual(["m1", "m2"]);
    const data = await held(rawClient(), await keyOf(() => Chat.open({ redis: redisUrl(), id: chatId, live: false })));
    expect(data["messages"]).toEqual(messages);
    expect((data["messages"] as { parts: { type: string }[] }[])[1]!.parts.map((p) => p.type)).toEqual(["step-start", "reasoning", "text"]);
  });
});

describe("example: a chat agent loop with bounded memory and history", () => {
  it("keeps the newest messages, folds every dropped one into the summary once, and keeps every batch as history", async () => {
    const id = uniqueId("agent-loop");
    const questions = ["q0?", "q1?", "q2?", "q3?", "q4?", "q5?"];
    const result = await agentLoop(redisUrl(), id, questions);
    // 12 messages written, 6 kept: the newest three turns.
    expect(result.messages.map((m) => m.content).filter((_, i) => i % 2 === 0)).toEqual(["q3?", "q4?", "q5?"]);
    expect(result.turns).toBe(6);
    // Each dropped message is in the summary exactly once.
    for (const q of ["q0?", "q1?", "q2?"]) expect(result.summary.split(`Q: ${q}`).length - 1).toBe(1);
    // Every turn's batch carries the trim: only Redis knows how long the list is.
    expect(result.history.filter((line) => /push messages, keep messages 6/.test(line))).toHaveLength(6);
    expect(result.history.some((line) => line.includes("worker-b"))).toBe(true);
    const data = await held(rawClient(), await keyOf(() => AgentConversation.open({ redis: redisUrl(), id, live: false })));
    expect((data["messages"] as unknown[]).length).toBe(6);
    expect(data["summary"]).toBe(result.summary);
  });
});
