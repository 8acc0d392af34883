import { describe, expect, it } from "vitest";
import { measureLiveLatency } from "../../bench/live-latency.js";
import { redisUrl } from "../helpers/redis.js";

describe("measureLiveLatency", () => {
  // Only that figures come out: timing assertions would depend on the machine.
  it("reports p50 and p99 of changes seen by a second process", async () => {
    const { p50Ms, p99Ms } = await measureLiveLatency(redisUrl(), 50);
    expect(Number.isFinite(p50Ms)).toBe(true);
    expect(Number.isFinite(p99Ms)).toBe(true);
    expect(p99Ms).toBeGreaterThanOrEqual(p50Ms);
  });
});
