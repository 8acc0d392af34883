// Runs an example's main function against REDIS_URL, or against a private redis-server
// started for the run (stopped afterwards), and sets the exit code from its outcome.
import { startRedisServer } from "../scripts/redis-server.js";

export async function runExample(main: (redis: string) => Promise<void>): Promise<void> {
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const redis = process.env.REDIS_URL ?? server!.url;
  try {
    await main(redis);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await server?.stop();
  }
}
