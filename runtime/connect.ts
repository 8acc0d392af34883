// Turning the `redis` option of open() into a command connection: a URL, ioredis
// options, `{ cluster: [nodes], ...options }`, `{ sentinels, name, ...options }`, or a
// client the user made (used as it is, never closed here). A URL or options that
// reach a Cluster node become a Cluster client. Connecting is bounded by
// `connectTimeout`, whatever the kind.
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from "ioredis";
import { assertTarget, defaultRedis, isCluster, isConnection, type Connection, type RedisClient } from "./backend.js";
import { ConnectionError, OptionsError, RedisMemoryError, bareCause } from "./errors.js";

/** `{ cluster: [nodes], ...options }`: the options are ioredis Cluster options and the options of every node connection. */
export type ClusterDescription = { readonly cluster: readonly (string | number | ClusterNode)[] } & RedisOptions & ClusterOnlyOptions;
type ClusterOnlyOptions = Omit<ClusterOptions, "redisOptions" | "scripts"> & { redisOptions?: ClusterOptions["redisOptions"] };

/** What `redis` may be (a Sentinel setup is ioredis options with `sentinels` and `name`). */
export type RedisOption = string | RedisClient | RedisOptions | ClusterDescription;

/**
 * Settings of a Cluster client the library makes, so that writes ride out a
 * failover (a master killed: 3-4 s with `cluster-node-timeout` 2000) instead of
 * failing with "Too many Cluster redirections": up to 40 redirections 250 ms apart
 * (~10 s), the same pause on CLUSTERDOWN and TRYAGAIN. Options the user gives win.
 */
export const CLUSTER_RETRY: Readonly<ClusterOptions> = {
  maxRedirections: 40,
  retryDelayOnFailover: 250,
  retryDelayOnClusterDown: 250,
  retryDelayOnTryAgain: 250,
  slotsRefreshTimeout: 2_000,
};

/** The ClusterOptions keys; every other key of a ClusterDescription is an option of each node connection. */
const CLUSTER_KEYS = new Set<string>([
  "clusterRetryStrategy", "enableOfflineQueue", "enableReadyCheck", "scaleReads", "maxRedirections", "retryDelayOnFailover",
  "retryDelayOnClusterDown", "retryDelayOnTryAgain", "retryDelayOnMoved", "slotsRefreshTimeout", "slotsRefreshInterval",
  "shardedSubscribers", "clusterNodeRetryStrategy", "redisOptions", "lazyConnect", "useSRVRecords", "resolveSrv", "dnsLookup",
  "natMap", "enableAutoPipelining", "autoPipeliningIgnoredCommands", "scripts", "keyPrefix",
]);

/** A place to connect to, with the key the connection pool shares it under. */
export interface Target {
  /** Equal for two options that reach the same Redis the same way. */
  readonly key: string;
  /** For error messages: never holds a password. */
  readonly where: string;
  /** The user's own client (used as it is, never closed by the library). */
  readonly client: Connection | undefined;
  /** Makes the library's own client (not yet connected). */
  make(connectTimeout: number): Connection;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;
function identity(value: object): number {
  let found = identities.get(value);
  if (found === undefined) identities.set(value, (found = ++nextIdentity));
  return found;
}

/** Options as a pool key: functions and objects like TLS contexts count by identity. */
function keyOf(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "function") return `#fn${identity(item)}`;
    if (item !== null && typeof item === "object" && !Array.isArray(item)) {
      const proto = Object.getPrototypeOf(item) as unknown;
      if (proto !== Object.prototype && proto !== null) return `#obj${identity(item)}`;
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
      return sorted;
    }
    return item;
  });
}

function hidePassword(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

function describeNode(node: string | number | ClusterNode): string {
  if (typeof node === "string") return hidePassword(node);
  if (typeof node === "number") return `127.0.0.1:${node}`;
  return `${node.host ?? "127.0.0.1"}:${node.port ?? 6379}`;
}

function isClusterDescription(option: object): option is ClusterDescription {
  return "cluster" in option;
}

/** Splits `{ cluster, ...rest }` into Cluster options and the options of each node connection. */
export function clusterOptions(description: Readonly<Record<string, unknown>>, connectTimeout: number): ClusterOptions {
  const own: Record<string, unknown> = {};
  const perNode: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(description)) (CLUSTER_KEYS.has(key) ? own : perNode)[key] = value;
  const redisOptions = { connectTimeout, ...perNode, ...(own.redisOptions as object | undefined) };
  return { ...CLUSTER_RETRY, ...own, redisOptions, lazyConnect: true };
}

/** Credentials and TLS in a node URL apply to every node the Cluster discovers. */
function credentialsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {};
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === "rediss:") options.tls = {};
  return options;
}

function nodeOf(url: string): ClusterNode {
  const parsed = new URL(url);
  return { host: parsed.hostname || "127.0.0.1", port: Number(parsed.port || 6379) };
}

/** Where `open()` connects for this `redis` option; a bad option is an OptionsError. */
export function targetOf(option: RedisOption | undefined): Target {
  if (option !== undefined && isConnection(option)) {
    return { key: `client#${identity(option)}`, where: "the given client", client: option, make: () => option };
  }
  const chosen = option === undefined ? defaultRedis() : option;
  if (typeof chosen === "string") {
    // ioredis also takes "host:port" without a scheme.
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(chosen)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== "redis" && scheme !== "rediss") {
      throw new OptionsError("redis", `${JSON.stringify(hidePassword(chosen))} is not a Redis URL; expected redis://[user:password@]host:port[/db] or rediss://...`);
    }
    return {
      key: `url:${chosen}`,
      where: hidePassword(chosen),
      client: undefined,
      make: (connectTimeout) => new Redis(chosen, librarySettings(connectTimeout)),
    };
  }
  assertTarget(chosen);
  if (typeof chosen !== "object") throw new OptionsError("redis", "expected a redis:// URL, an ioredis client, ioredis options, { cluster: [nodes], ... } or { sentinels, name, ... }");
  if (isClusterDescription(chosen)) {
    const { cluster: nodes, ...rest } = chosen;
    if (!Array.isArray(nodes) || nodes.length === 0) throw new OptionsError("redis", "`cluster` must be a non-empty list of node URLs or { host, port }");
    return {
      key: `cluster:${keyOf(chosen)}`,
      where: `the Cluster at ${nodes.map(describeNode).join(", ")}`,
      client: undefined,
      make: (connectTimeout) => {
        const firstUrl = nodes.find((node): node is string => typeof node === "string");
        const credentials = firstUrl === undefined ? {} : credentialsOf(firstUrl);
        const startup = nodes.map((node) => (typeof node === "string" ? nodeOf(node) : node));
        return new Cluster(startup, clusterOptions({ ...credentials, ...rest }, connectTimeout));
      },
    };
  }
  if ("sentinels" in chosen && chosen.sentinels !== undefined && !chosen.name) {
    throw new OptionsError("redis", "a Sentinel setup needs `name`, the name of the primary the sentinels monitor");
  }
  const where = chosen.sentinels
    ? `the primary "${chosen.name}" of the sentinels at ${chosen.sentinels.map((s) => `${s.host ?? "127.0.0.1"}:${s.port ?? 26379}`).join(", ")}`
    : `${chosen.host ?? "127.0.0.1"}:${chosen.port ?? 6379}`;
  return {
    key: `options:${keyOf(chosen)}`,
    where,
    client: undefined,
    make: (connectTimeout) => new Redis({ ...chosen, ...librarySettings(connectTimeout) }),
  };
}

/** Settings of every single-server (or Sentinel) client the library makes. */
function librarySettings(connectTimeout: number): RedisOptions {
  // Commands wait across reconnects (the batch ids make a resend safe).
  return { lazyConnect: true, connectTimeout, maxRetriesPerRequest: null };
}

/** A server's error reply (WRONGPASS, NOPERM, ...) as ioredis reports it; the command, when ioredis says which. */
export function serverReply(error: unknown): { message: string; command: string | undefined } | undefined {
  if (!(error instanceof Error) || error.name !== "ReplyError") return undefined;
  const command = (error as { command?: { name?: unknown } }).command?.name;
  return { message: error.message, command: typeof command === "string" ? command.toUpperCase() : undefined };
}

/** Whether what answered spoke something other than RESP (an HTTP server, TLS on a plain port...). */
function notRedis(error: unknown): boolean {
  return error instanceof Error && (error.name === "ParserError" || /^Protocol error|Unknown RESP type/.test(error.message));
}

/**
 * `promise`, or a ConnectionError naming `what`, `where`, the time taken and the last
 * error seen. A refusal by the server (a wrong password, a disabled user) or an answer
 * that is not Redis' rejects at once, with the reason in words.
 */
export async function within<T>(promise: Promise<T>, started: number, timeout: number, what: string, where: string, lastError: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(undefined), Math.max(0, started + timeout - Date.now()));
  });
  try {
    return await Promise.race([promise, expired]);
  } catch (error) {
    // The library's own errors (a refused load, corrupt data) say what happened already.
    if (error instanceof RedisMemoryError) throw error;
    // The socket's own error says more than "Connection is closed.".
    const seen = lastError() ?? error;
    const elapsed = Date.now() - started;
    // Only the name and message: ioredis' errors carry the command's arguments (an AUTH password).
    const cause = bareCause(seen);
    if (notRedis(seen)) {
      throw new ConnectionError(
        `could not ${what} ${where}: what answered there is not a Redis server (it does not speak the Redis protocol: ${(seen as Error).message.replace(/ Please report this\.?$/, "")}); ` +
          "check the host and port in the `redis` option of open() or REDIS_URL (or REDIS_HOST/REDIS_PORT), and `rediss://` for a TLS port",
        { cause, elapsed },
      );
    }
    const reply = serverReply(seen);
    if (reply) {
      const command = reply.command ?? "the connection's set-up";
      const hint = /^(WRONGPASS|NOAUTH)/.test(reply.message)
        ? "check the user and password in the `redis` option of open() or REDIS_URL, and that the user is enabled (ACL SETUSER <user> on)"
        : "check the user's ACL rules (see the ACL section of the documentation)";
      throw new ConnectionError(`could not ${what} ${where}: Redis refused ${command}: ${reply.message} (${hint})`, { cause, elapsed, command });
    }
    const reason = seen instanceof Error ? seen.message : "no answer";
    throw new ConnectionError(
      `could not ${what} ${where}: ${reason} (after ${elapsed} ms; connectTimeout is ${timeout} ms); ` +
        "set the `redis` option of open() or REDIS_URL (or REDIS_HOST/REDIS_PORT), or raise `connectTimeout`",
      { cause, elapsed },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a connected single-node client talks to a Cluster node. */
async function isClusterNode(redis: Redis): Promise<boolean> {
  try {
    const info = await redis.info("cluster");
    return /^cluster_enabled:1/m.test(info);
  } catch {
    // A user without the right to INFO: assume a single server.
    return false;
  }
}

/**
 * Connects the target's client: the user's is connected when it has not been yet;
 * the library's own is made, connected and, when it reached a Cluster node,
 * replaced by a Cluster client with the same options. Rejects with ConnectionError
 * once `connectTimeout` has passed.
 */
export async function connectTarget(target: Target, connectTimeout: number): Promise<Connection> {
  const started = Date.now();
  let lastError: unknown;
  const remember = (error: unknown): void => {
    lastError = error;
  };
  if (target.client) {
    const client = target.client;
    if (client.status === "wait") {
      client.on("error", remember);
      try {
        await within(client.connect(), started, connectTimeout, "connect to Redis at", target.where, () => lastError);
      } finally {
        client.off("error", remember);
      }
    }
    return client;
  }
  let client = target.make(connectTimeout);
  // Errors surface through the commands' promises; without a listener ioredis logs them.
  client.on("error", remember);
  try {
    await within(client.connect(), started, connectTimeout, "connect to Redis at", target.where, () => lastError);
    if (!client.isCluster && !(client as Redis).options.sentinels && (await isClusterNode(client as Redis))) {
      const single = client as Redis;
      const node = { host: single.options.host, port: single.options.port };
      // What a node connection of the Cluster client may not take from the single-server client.
      const { host: _host, port: _port, path: _path, db: _db, retryStrategy: _retry, sentinels: _sentinels, readOnly: _readOnly, ...rest } = single.options;
      client.disconnect();
      client = new Cluster([node], clusterOptions(rest as Record<string, unknown>, connectTimeout));
      client.on("error", remember);
      await within(client.connect(), started, connectTimeout, "connect to Redis at", `the Cluster at ${node.host}:${node.port}`, () => lastError);
    }
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return client;
}

/** Reconnect attempts of a feed connection to one Cluster node before the subscriber moves to another node. */
const NODE_ATTEMPTS = 3;

/**
 * The change feed's connection (it only subscribes), unconnected, with the command
 * client's options (credentials, TLS, Sentinel); on a Cluster, to the node `turn`
 * picks among the client's nodes (the subscriber moves on to the next turn when one
 * stays away).
 */
export function feedConnection(commands: Connection, name: string, turn: number): Redis {
  const own: RedisOptions = {
    lazyConnect: true,
    autoResubscribe: false,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    keyPrefix: "",
    connectionName: name,
  };
  if (!isCluster(commands)) return new Redis({ ...commands.options, ...own });
  // A node connection of the Cluster client holds its host and port merged with the
  // client's `redisOptions` (credentials, TLS).
  const nodes = commands.nodes("all");
  const node = nodes[turn % Math.max(1, nodes.length)];
  return new Redis({
    ...commands.options.redisOptions,
    ...node?.options,
    ...own,
    readOnly: false,
    retryStrategy: (times) => (times > NODE_ATTEMPTS ? null : 100 * times),
  });
}

/** Closes a client the library made (never one the user passed). */
export async function closeClient(client: Connection): Promise<void> {
  // QUIT would wait in the offline queue until the server is back, maybe forever.
  if (client.status !== "ready") {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
