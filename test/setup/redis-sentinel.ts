// Fixture: a local Sentinel setup for the test run (1 primary, 1 replica, 3 sentinels,
// free loopback ports, no persistence), provided as `redisSentinel`. Its primary is
// killed by test/deploy/failover.sentinel.test.ts: no other test file may use it.
import { startRedisSentinel } from "../../scripts/redis-sentinel.js";
import type { StartedFixture } from "./registry.js";

/** Starts the setup; provides the sentinels and the monitored name. */
export async function start(): Promise<StartedFixture> {
  const setup = await startRedisSentinel({ replicas: 1, sentinels: 3, downAfter: 1000 });
  return {
    provide: (project) => project.provide("redisSentinel", { name: setup.name, primary: setup.primary, replicas: setup.replicas, sentinels: setup.sentinels }),
    stop: () => setup.stop(),
  };
}
