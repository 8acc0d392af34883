// A `ttl` longer than Node's longest timer (2^31-1 ms, ~24.8 days): the live store's
// expiry watch must not overflow (Node would warn and fire at once).
import { describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { redisUrl, track, uniqueId } from "../helpers/redis.js";

describe("ttl longer than a Node timer", () => {
  it("opens, writes and keeps a 40-day expiry without a TimeoutOverflowWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const ttl = 40 * 24 * 60 * 60 * 1000;
      const mem = track(await Memory.open({ redis: redisUrl(), id: uniqueId("long-ttl"), ttl })) as Memory & Record<string, unknown>;
      const statuses: string[] = [];
      mem.$on("status", (event) => statuses.push(event.status));
      mem.n = 1;
      await mem.$flush();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(warnings).not.toContain("TimeoutOverflowWarning");
      expect(statuses).not.toContain("expired");
      expect(await mem.$ttl()).toBeGreaterThan(ttl - 60_000);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
