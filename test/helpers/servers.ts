// Private redis-servers and Clusters for one test file (extra configuration:
// maxmemory, ...; nodes a test may kill) and ACL users limited to one tenant's keys.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { startRedisCluster, type RedisClusterHandle, type RedisClusterOptions } from "../../scripts/redis-cluster.js";
import { startRedisServer, type RedisServerHandle, type RedisServerOptions } from "../../scripts/redis-server.js";
import { afterStores } from "./redis.js";

/** A redis-server of this test file only (free port, temporary dir), stopped after the file's tests (once its stores are closed). */
export async function privateServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const server = await startRedisServer(options);
  afterStores(() => server.stop());
  return server;
}

/**
 * A Redis Cluster of this test file only (3 masters with a replica each unless told
 * otherwise, a random password), stopped after the file's tests once its stores are
 * closed. The helpers of cluster.ts take it as their `cluster` argument.
 */
export async function privateCluster(options: Partial<RedisClusterOptions> = {}): Promise<RedisClusterHandle> {
  const cluster = await startRedisCluster({ password: randomBytes(12).toString("hex"), ...options });
  afterStores(() => cluster.stop());
  return cluster;
}

/** What a tenant user may run: data, scripts, streams, pub/sub and connection commands; nothing administrative, nor what affects other tenants (SCRIPT FLUSH). */
export const TENANT_COMMANDS: readonly string[] = [
  "+@read", "+@write", "+@scripting", "+@connection", "+@transaction", "+@pubsub", "-@dangerous", "-@admin", "+info", "-script|flush", "-script|kill",
];

export interface TenantUser {
  readonly user: string;
  readonly password: string;
  /** The server's URL with this user's credentials. */
  readonly url: string;
}

/**
 * Creates (with ACL SETUSER, as `adminUrl`'s user) a user that may only touch keys and
 * channels starting with one of `prefixes` (e.g. `memory:{Store:tenantA}`) and run
 * `commands`.
 */
export async function tenantUser(adminUrl: string, prefixes: readonly string[], commands: readonly string[] = TENANT_COMMANDS): Promise<TenantUser> {
  const user = `tenant-${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const glob = (prefix: string): string => prefix.replace(/[*?[\]\\]/g, "\\$&") + "*";
  const admin = new Redis(adminUrl);
  try {
    await admin.call(
      "ACL", "SETUSER", user, "reset", "on", `>${password}`,
      ...prefixes.map((prefix) => `~${glob(prefix)}`),
      ...prefixes.map((prefix) => `&${glob(prefix)}`),
      ...commands,
    );
  } finally {
    await admin.quit();
  }
  const url = new URL(adminUrl);
  url.username = user;
  url.password = password;
  return { user, password, url: url.href };
}
