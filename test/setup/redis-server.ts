// Starts a private redis-server for the test run (free loopback port, temporary
// directory, no persistence) unless REDIS_URL points at one already.
import type { TestProject } from "vitest/node";
import { startRedisServer, type RedisServerHandle } from "../../scripts/redis-server.js";

let server: RedisServerHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.REDIS_URL;
  if (!url) {
    server = await startRedisServer();
    url = server.url;
    process.env.REDIS_URL = url;
  }
  project.provide("redisUrl", url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
