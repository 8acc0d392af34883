// Fixture: a local Sentinel setup for the test run (1 primary, 1 replica, 3 sentinels,
// free loopback ports, no persistence), provided as `redisSentinel`. Its primary is
// killed by test/deploy/sentinel.test.ts: no other test file may use it.
import type { TestProject } from "vitest/node";
import { startRedisSentinel } from "../../scripts/redis-sentinel.js";

/** Starts the setup, provides the sentinels and the monitored name; resolves to its teardown. */
export async function start(project: TestProject): Promise<() => Promise<void>> {
  const setup = await startRedisSentinel({ replicas: 1, sentinels: 3, downAfter: 1000 });
  project.provide("redisSentinel", { name: setup.name, primary: setup.primary, replicas: setup.replicas, sentinels: setup.sentinels });
  return () => setup.stop();
}
