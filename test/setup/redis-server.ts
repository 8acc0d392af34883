// Fixture: a private redis-server for the test run (free loopback port, temporary
// directory, no persistence) unless REDIS_URL points at one already.
import { startRedisServer } from "../../scripts/redis-server.js";
import type { StartedFixture } from "./registry.js";

/** Starts the server; provides `redisUrl`. */
export async function start(): Promise<StartedFixture> {
  let url = process.env.REDIS_URL;
  const server = url ? undefined : await startRedisServer();
  if (server) {
    url = server.url;
    process.env.REDIS_URL = url;
  }
  return {
    provide: (project) => project.provide("redisUrl", url!),
    stop: async () => {
      await server?.stop();
    },
  };
}
