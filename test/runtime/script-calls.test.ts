// The batch script's work is proportional to what the batch does: a one-append batch
// makes at most 6 Redis calls inside the script with nobody listening, at most 9 with a
// live listener (the log kept, trimmed by age), and no expiry work without `ttl`.
// Counted with MONITOR, which marks the commands a script runs ("lua"), on a server of
// this file only.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { track, uniqueId } from "../helpers/redis.js";
import { privateServer } from "../helpers/servers.js";

type Mem = Memory & Record<string, any>;

/** The commands scripts run on `url` while `fn` runs (MONITOR's "lua" source), in order. */
async function scriptCommands(url: string, fn: () => Promise<void>): Promise<string[]> {
  const base = new Redis(url);
  const monitor = await base.monitor();
  const seen: string[] = [];
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    if (source === "lua") seen.push(String(args[0]).toUpperCase());
  });
  // MONITOR is live once it echoes a command sent after it.
  const probe = new Redis(url);
  const marker = uniqueId("probe");
  const ready = new Promise<void>((resolve) => monitor.on("monitor", (_t: string, args: string[]) => { if (args[1] === marker) resolve(); }));
  await probe.get(marker);
  await ready;
  await fn();
  const end = new Promise<void>((resolve) => monitor.on("monitor", (_t: string, args: string[]) => { if (args[1] === `${marker}-end`) resolve(); }));
  await probe.get(`${marker}-end`);
  await end;
  await probe.quit();
  monitor.disconnect();
  base.disconnect();
  return seen;
}

describe("Redis calls inside the batch script for a one-append batch", () => {
  it("at most 6 with nobody listening, none of them expiry work", async () => {
    const { url } = await privateServer();
    const mem = track(await Memory.open({ redis: url, id: uniqueId("calls"), live: false })) as Mem;
    mem.messages = [];
    mem.messages.push({ role: "user", content: "hi" });
    await mem.$flush();
    const calls = await scriptCommands(url, async () => {
      mem.messages.push({ role: "assistant", content: "hello" });
      await mem.$flush();
    });
    console.log(`Redis calls inside the script for a one-append batch, nobody listening: ${calls.length} (${calls.join(" ")})`);
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(calls.filter((name) => /EXPIRE|PTTL|TIME/.test(name))).toEqual([]);
    expect(calls).toContain("RPUSH");
  });

  it("at most 9 with a live listener, and the listener receives the append", async () => {
    const { url } = await privateServer();
    const id = uniqueId("calls-live");
    const mem = track(await Memory.open({ redis: url, id, live: true })) as Mem;
    mem.messages = [];
    mem.messages.push({ role: "user", content: "hi" });
    await mem.$flush();
    const listener = track(await Memory.open({ redis: url, id, live: true })) as Mem;
    const calls = await scriptCommands(url, async () => {
      mem.messages.push({ role: "assistant", content: "hello" });
      await mem.$flush();
    });
    console.log(`Redis calls inside the script for a one-append batch, one live listener: ${calls.length} (${calls.join(" ")})`);
    expect(calls.length).toBeLessThanOrEqual(9);
    expect(calls).toContain("XADD");
    await expect.poll(() => listener.messages.length, { timeout: 10_000 }).toBe(2);
    expect(listener.$asdict()).toEqual(mem.$asdict());
  });
});
