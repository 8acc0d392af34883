// Retention with writes made offline: a store opened before Redis came keeps appending
// (its replica trimmed as it goes); when Redis comes, the replay appends on top of what
// Redis holds and trims again, so Redis keeps the newest N of everything acknowledged.
import { connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../../scripts/redis-server.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";
import { Chat, MAX } from "./chat-store.js";

const msg = (label: string): { role: string; content: string } => ({ role: "user", content: label });

describe("keepLast: writes made offline", () => {
  it("replays on what Redis holds and keeps the newest of both", async () => {
    const id = uniqueId("keep-offline");
    const online = track(await Chat.open({ redis: redisUrl(), id }));
    for (let i = 0; i < 4; i++) online.messages.push(msg(`r${i}`));
    await online.$flush();

    const port = await freePort();
    const offline = track(await Chat.open({ redis: `redis://127.0.0.1:${port}`, id, offline: true, connectTimeout: 100 }));
    for (let i = 0; i < 7; i++) offline.messages.push(msg(`o${i}`));
    // The replica alone: its own newest 5.
    expect(offline.messages.aslist().map((m) => m.content)).toEqual(["o2", "o3", "o4", "o5", "o6"]);

    const target = new URL(redisUrl());
    const bridge = createServer((socket) => {
      const upstream = connect(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => bridge.listen(port, "127.0.0.1", resolve));
    try {
      const synced = new Promise<void>((resolve) => offline.$on("status", (e) => e.status === "synced" && resolve()));
      await synced;
      await offline.$flush();
      const raw = rawClient();
      const ref = (await raw.hget(`${offline.$key}:root`, "messages"))!;
      const held = ref.startsWith("@l:") ? (await raw.lrange(`${offline.$key}:n:${ref.slice(3)}`, 0, -1)).map((t) => (JSON.parse(t) as { content: string }).content) : (JSON.parse(ref) as { content: string }[]).map((m) => m.content);
      // The replayed appends came after Redis' four: the newest MAX of r0..r3, o0..o6.
      expect(held).toHaveLength(MAX);
      expect(held).toEqual(["o2", "o3", "o4", "o5", "o6"]);
      expect(offline.messages.aslist().map((m) => m.content)).toEqual(held);
    } finally {
      await offline.$close();
      bridge.close();
    }
  });
});
