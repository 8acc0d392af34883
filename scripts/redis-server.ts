// Starts and stops a throwaway redis-server: used by the test setup, the benchmarks
// and the demo so that each runs on a fresh machine with no Redis configured.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>`, with the password when `requirepass` was given. */
  readonly url: string;
  readonly port: number;
  /** The server's temporary directory (removed by `stop()`). */
  readonly dir: string;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface RedisServerOptions {
  /** Listen on this port (to restart a server in place); default a free one. */
  port?: number;
  binary?: string;
  /** Extra configuration, as `redis-server --name value` pairs (`{ maxmemory: "2mb", "cluster-enabled": "yes" }`). */
  config?: Readonly<Record<string, string | number>>;
  /** Sets `requirepass` (and `masterauth`, so that replicas of a password-protected master can sync). */
  password?: string;
}

/**
 * Starts `redis-server` on a free loopback port, or on `port` (to restart one in place).
 * A port found free can be taken by another process before the server binds it: then
 * the server is started again on other free ports (a few times).
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const taken = error instanceof Error && /Address already in use/.test(error.message);
      if (!taken || attempt >= 5) throw error;
      // Ports the caller chose are kept (a restart in place); a cluster bus port is picked again.
      if (options.port !== undefined && !options.config?.["cluster-port"]) throw error;
      if (options.config?.["cluster-port"] !== undefined) options = { ...options, config: { ...options.config, "cluster-port": await freePort() } };
    }
  }
}

async function startOnce(options: RedisServerOptions): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "redis-memory-"));
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? "redis-server";
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--protected-mode", "yes"];
  if (options.password !== undefined) args.push("--requirepass", options.password, "--masterauth", options.password);
  for (const [name, value] of Object.entries(options.config ?? {})) args.push(`--${name}`, String(value));
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start on port ${port} within 10 s:\n${output}`)), 10_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.on("error", (error) =>
      fail(new Error(`could not run ${binary} (${error.message}); install Debian's redis-server or set REDIS_URL`)),
    );
    child.on("exit", (code) => fail(new Error(`redis-server exited with code ${code}:\n${output}`)));
    child.stdout?.on("data", () => {
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve();
      }
    });
  });
  child.stdout?.removeAllListeners("data");
  child.stderr?.removeAllListeners("data");
  child.stdout?.resume();
  child.stderr?.resume();
  const auth = options.password === undefined ? "" : `:${encodeURIComponent(options.password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
