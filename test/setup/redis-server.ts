// Fixture: a private redis-server for the test run (free loopback port, temporary
// directory, no persistence) unless REDIS_URL points at one already.
import type { TestProject } from "vitest/node";
import { startRedisServer } from "../../scripts/redis-server.js";

/** Starts the server, provides `redisUrl`; resolves to its teardown. */
export async function start(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.REDIS_URL;
  const server = url ? undefined : await startRedisServer();
  if (server) {
    url = server.url;
    process.env.REDIS_URL = url;
  }
  project.provide("redisUrl", url!);
  return async () => {
    await server?.stop();
  };
}
