// Retention on the test run's Redis Cluster: the trim runs inside the batch script on
// the instance's master, and a live replica there applies it too.
import { describe, expect, it } from "vitest";
import { clusterInfo } from "../helpers/cluster.js";
import { uniqueId } from "../helpers/redis.js";
import { Chat, MAX } from "./chat-store.js";

const masters = () => clusterInfo().nodes.filter((node) => node.role === "master");
const redis = () => ({ cluster: masters().map(({ host, port }) => ({ host, port })), password: clusterInfo().password });
const msg = (i: number): { role: string; content: string } => ({ role: "user", content: `m${i}` });

describe("keepLast on a Redis Cluster", () => {
  it("keeps the newest N in Redis, in the writer and in a live replica", async () => {
    const id = uniqueId("keep-cluster");
    const writer = await Chat.open({ redis: redis(), id });
    const reader = await Chat.open({ redis: redis(), id, live: true });
    try {
      writer.messages.push(msg(0));
      await writer.$flush();
      const heard = new Promise<void>((resolve) => reader.$on("change", (e) => e.op === "keep" && e.source === "remote" && resolve()));
      for (let i = 1; i < 12; i++) writer.messages.push(msg(i));
      await writer.$flush();
      await heard;
      const expected = [7, 8, 9, 10, 11].map(msg);
      expect(writer.messages.aslist()).toEqual(expected);
      expect(reader.messages.aslist()).toEqual(expected);
      const fresh = await Chat.open({ redis: redis(), id });
      expect(fresh.messages.aslist()).toEqual(expected);
      expect(fresh.messages).toHaveLength(MAX);
      await fresh.$close();
    } finally {
      await writer.$close();
      await reader.$close();
    }
  });
});
