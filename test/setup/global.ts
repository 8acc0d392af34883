// vitest globalSetup: starts every fixture of the test run at once (one module per
// fixture beside this file, each providing what tests `inject`) and stops them after.
import type { TestProject } from "vitest/node";
import * as redisCluster from "./redis-cluster.js";
import * as redisSentinel from "./redis-sentinel.js";
import * as redisServer from "./redis-server.js";

const fixtures = [redisServer, redisCluster, redisSentinel];
let teardowns: (() => Promise<void>)[] = [];

export async function setup(project: TestProject): Promise<void> {
  const started = await Promise.allSettled(fixtures.map((fixture) => fixture.start(project)));
  teardowns = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) {
    await teardown();
    throw failed.reason;
  }
}

export async function teardown(): Promise<void> {
  await Promise.allSettled(teardowns.map((stop) => stop()));
  teardowns = [];
}
