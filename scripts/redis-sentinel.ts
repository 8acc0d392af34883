// Starts and stops a throwaway Sentinel setup: a primary, its replicas and sentinels
// monitoring it (every port a free loopback one, no persistence), all started at once.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort, startRedisServer, type RedisServerHandle } from "./redis-server.js";

export interface SentinelNodeInfo {
  readonly host: string;
  readonly port: number;
  /** The process id (a test may kill it to force a failover). */
  readonly pid: number;
}

export interface RedisSentinelHandle {
  /** The name the sentinels monitor the primary under. */
  readonly name: string;
  readonly primary: SentinelNodeInfo;
  readonly replicas: readonly SentinelNodeInfo[];
  readonly sentinels: readonly SentinelNodeInfo[];
  stop(): Promise<void>;
}

export interface RedisSentinelOptions {
  replicas?: number;
  sentinels?: number;
  /** `down-after-milliseconds`: how long the primary may be silent before a failover; default 1000. */
  downAfter?: number;
  binary?: string;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Sentinel setup: ${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts one sentinel (`redis-server <conf> --sentinel`); it rewrites its configuration file, so it gets a directory of its own. */
async function startSentinel(name: string, primaryPort: number, quorum: number, downAfter: number, binary: string): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "redis-memory-sentinel-"));
  const conf = join(dir, "sentinel.conf");
  writeFileSync(
    conf,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${primaryPort} ${quorum}`,
      `sentinel down-after-milliseconds ${name} ${downAfter}`,
      `sentinel failover-timeout ${name} ${downAfter * 5}`,
      `sentinel parallel-syncs ${name} 1`,
      "",
    ].join("\n"),
  );
  const child = spawn(binary, [conf, "--sentinel"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`sentinel did not start on port ${port} within 10 s:\n${output}`)), 10_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.on("error", (error) => fail(new Error(`could not run ${binary} --sentinel (${error.message})`)));
    child.on("exit", (code) => fail(new Error(`sentinel exited with code ${code}:\n${output}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("+monitor")) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve();
      }
    });
  });
  child.stdout?.removeAllListeners("data");
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the primary, its replicas and the sentinels, and waits until every sentinel knows every replica and every other sentinel. */
export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelHandle> {
  const name = "redis-memory";
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const downAfter = options.downAfter ?? 1000;
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? "redis-server";
  const servers: RedisServerHandle[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(servers.map((server) => server.stop()));
  };
  try {
    const primaryPort = await freePort();
    // Replicas may start before the primary listens: they keep retrying the sync.
    const started = await Promise.all([
      // Replicas sync at once instead of waiting 5 s for more replicas to join a diskless transfer.
      startRedisServer({ port: primaryPort, binary, config: { "repl-diskless-sync-delay": 0 } }),
      ...Array.from({ length: replicaCount }, () =>
        startRedisServer({ binary, config: { replicaof: `127.0.0.1 ${primaryPort}`, "repl-diskless-sync-delay": 0 } }),
      ),
      ...Array.from({ length: sentinelCount }, () => startSentinel(name, primaryPort, Math.floor(sentinelCount / 2) + 1, downAfter, binary)),
    ]);
    servers.push(...started);
    const [primary, ...rest] = started as [RedisServerHandle, ...RedisServerHandle[]];
    const replicas = rest.slice(0, replicaCount);
    const sentinels = rest.slice(replicaCount);
    const clients = sentinels.map((sentinel) => new Redis({ port: sentinel.port, host: "127.0.0.1", lazyConnect: true }));
    const replicaClients = replicas.map((replica) => new Redis({ port: replica.port, host: "127.0.0.1", lazyConnect: true }));
    try {
      await until("every replica in sync with the primary", 30_000, async () => {
        for (const client of replicaClients) {
          const info = await client.info("replication");
          if (!/^master_link_status:up/m.test(info) || !/^master_sync_in_progress:0/m.test(info)) return false;
        }
        return true;
      });
      await until("every sentinel knowing every replica and every other sentinel", 30_000, async () => {
        for (const client of clients) {
          const known = (await client.call("SENTINEL", "REPLICAS", name)) as string[][];
          const online = known.filter((fields) => !String(fields[fields.indexOf("flags") + 1]).includes("down"));
          if (online.length !== replicaCount) return false;
          const others = (await client.call("SENTINEL", "SENTINELS", name)) as unknown[];
          if (others.length !== sentinelCount - 1) return false;
        }
        return true;
      });
    } finally {
      [...clients, ...replicaClients].forEach((client) => client.disconnect());
    }
    const info = (server: RedisServerHandle): SentinelNodeInfo => ({ host: "127.0.0.1", port: server.port, pid: server.process.pid ?? 0 });
    return { name, primary: info(primary), replicas: replicas.map(info), sentinels: sentinels.map(info), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
