// The only module that talks to Redis (ioredis): connecting, the batch and load
// scripts, and deleting an instance. Scripts live in lua/ and are called by name
// (EVALSHA, with ioredis falling back to EVAL on NOSCRIPT).
import { readFileSync } from "node:fs";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { ConnectionError, OptionsError, WriteError } from "./errors.js";
import type { Op } from "./ops.js";

export type { Cluster, Redis, RedisOptions };
export type Connection = Redis | Cluster;

const script = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), "utf8");
const SCRIPTS = { rmApply: script("apply"), rmLoad: script("load"), rmDelete: script("delete") };

/** Entries kept in `ns:log` (approximately: MAXLEN ~). */
export const LOG_MAX_ENTRIES = 10_000;
/** A batch whose operations are larger than this is logged as an invalidation of what it touched. */
export const LOG_MAX_OPS_BYTES = 64 * 1024;
/** Bytes of operations kept in `ns:log` (the oldest entries are trimmed past it). */
export const LOG_MAX_BYTES = 16 * 1024 * 1024;

interface ScriptCommands {
  rmApply(...args: (string | number)[]): Promise<unknown>;
  rmLoad(...args: string[]): Promise<unknown>;
  rmDelete(...args: string[]): Promise<unknown>;
}

export interface Batch {
  readonly ns: string;
  readonly clientId: string;
  readonly seq: number;
  readonly ops: readonly Op[];
  readonly schemaHash: string;
}

export interface BatchResult {
  /** The instance's sequence number after this batch (0 when it was a duplicate). */
  readonly seq: number;
  readonly entryId: string | undefined;
  readonly incrs: readonly number[];
  /** `setnx` operations that found their field already set (the replica must reload). */
  readonly skipped: number;
}

/** One container as the load script returns it. */
export type LoadedContainer = [id: string, kind: string, values: string[]];
export type LoadReply = [seq: string, lastId: string, rootValues: string[], ...containers: LoadedContainer[]];

export function keysOf(ns: string): [root: string, meta: string, log: string] {
  return [`${ns}:root`, `${ns}:meta`, `${ns}:log`];
}

export function nodeKey(ns: string, id: string): string {
  return id === "" ? `${ns}:root` : `${ns}:n:${id}`;
}

/**
 * An ioredis client, `Redis` or `Cluster`, of ioredis 5 or 6 and of whichever copy of the
 * package the app loaded: typed and recognised by what it does (two copies' classes are
 * different classes, so neither `instanceof` nor their declared types can be used).
 */
export interface RedisClient {
  readonly status: string;
  readonly isCluster: boolean;
  connect(): Promise<unknown>;
  disconnect(): void;
  quit(): Promise<unknown>;
  duplicate(...args: never[]): unknown;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  sendCommand(...args: never[]): unknown;
}

const CLIENT_METHODS = ["connect", "disconnect", "quit", "duplicate", "defineCommand", "sendCommand"] as const;

function isConnection(value: unknown): value is Connection {
  if (typeof value !== "object" || value === null) return false;
  const client = value as Record<string, unknown>;
  return typeof client.status === "string" && typeof client.isCluster === "boolean" && CLIENT_METHODS.every((name) => typeof client[name] === "function");
}

function isCluster(connection: Connection): connection is Cluster {
  return connection.isCluster;
}

const EXPECTED = "pass a redis:// URL, an ioredis 5 or 6 Redis/Cluster client, or plain ioredis options";

/** What is left once clients are recognised must be a URL or plain ioredis options. */
function assertTarget(value: unknown): asserts value is string | RedisOptions | undefined {
  if (value === undefined || typeof value === "string") return;
  if (typeof value !== "object" || value === null) throw new OptionsError("redis", `got ${value === null ? "null" : typeof value}; ${EXPECTED}`);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) return;
  const fields = value as Record<string, unknown>;
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  const missing = [
    ...["status", "isCluster"].filter((key) => fields[key] === undefined),
    ...CLIENT_METHODS.filter((method) => typeof fields[method] !== "function").map((method) => `${method}()`),
  ];
  const kind = typeof name === "string" && name !== "" ? `a ${name} instance` : "an object with a prototype";
  throw new OptionsError("redis", `got ${kind}, which is not an ioredis client (it lacks ${missing.join(", ")}) nor plain options; ${EXPECTED}`);
}

export type RedisOption = string | RedisClient | RedisOptions;

/** Where `open()` connects when no `redis` option is given. */
export function defaultRedis(): string | RedisOptions {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  return { host: process.env.REDIS_HOST ?? "127.0.0.1", port: Number(process.env.REDIS_PORT ?? 6379) };
}

function describeTarget(option: string | RedisOptions): string {
  if (typeof option === "string") return option.replace(/\/\/[^@/]*@/, "//***@");
  return `${option.host ?? "127.0.0.1"}:${option.port ?? 6379}`;
}

export class Backend {
  private constructor(
    readonly redis: Connection,
    /** Whether `close()` should disconnect (the store made the connection). */
    private readonly owned: boolean,
  ) {
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 3, lua });
    }
  }

  private get commands(): ScriptCommands {
    return this.redis as unknown as ScriptCommands;
  }

  /** Connects (or adopts a given ioredis client); rejects with `ConnectionError` after `connectTimeout`. */
  static async connect(option: RedisOption | undefined, connectTimeout: number): Promise<Backend> {
    if (isConnection(option)) {
      if (option.status === "wait") await option.connect();
      return new Backend(option, false);
    }
    assertTarget(option);
    const target = option ?? defaultRedis();
    const settings: RedisOptions = { lazyConnect: true, connectTimeout, maxRetriesPerRequest: null };
    const redis = typeof target === "string" ? new Redis(target, settings) : new Redis({ ...target, ...settings });
    // Errors surface through the promises of the commands; without a listener ioredis logs them.
    // The last one is kept: connect() itself only rejects with "Connection is closed."
    let socketError: unknown;
    redis.on("error", (error: unknown) => (socketError = error));
    const started = performance.now();
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      const cause = socketError ?? error;
      const elapsed = Math.round(performance.now() - started);
      throw new ConnectionError(
        `could not connect to Redis at ${describeTarget(target)}: ${(cause as Error).message ?? String(cause)} (after ${elapsed} ms; connectTimeout is ${connectTimeout} ms); ` +
          "set the `redis` option of open() or REDIS_URL (or REDIS_HOST/REDIS_PORT)",
        { cause },
      );
    }
    return new Backend(redis, true);
  }

  /**
   * A second connection to the same server (for blocking reads of the change feed),
   * named `name` in CLIENT LIST; its commands wait across reconnects.
   */
  duplicate(name?: string): Connection {
    const override = { maxRetriesPerRequest: null, ...(name === undefined ? {} : { connectionName: name }) };
    const copy = isCluster(this.redis) ? this.redis.duplicate([], { redisOptions: override }) : this.redis.duplicate(override);
    copy.on("error", () => {});
    return copy;
  }

  async apply(batch: Batch): Promise<BatchResult> {
    const [root, meta, log] = keysOf(batch.ns);
    let reply: unknown;
    try {
      reply = await this.commands.rmApply(
        root, meta, log,
        batch.ns, batch.clientId, batch.seq, JSON.stringify(batch.ops), batch.schemaHash, LOG_MAX_ENTRIES, LOG_MAX_OPS_BYTES, LOG_MAX_BYTES,
      );
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      const conflict = /^RMCONFLICT (\S+) (.*)$/s.exec(message);
      if (conflict) throw new WriteError(conflict[1]!, conflict[2]!, { cause: error });
      throw new WriteError(batch.ns, message, { cause: error });
    }
    const parts = reply as (string | number)[];
    if (parts[0] === "dup") return { seq: 0, entryId: undefined, incrs: [], skipped: 0 };
    return { seq: Number(parts[0]), entryId: String(parts[1]), skipped: Number(parts[2]), incrs: parts.slice(3).map(Number) };
  }

  async load(ns: string): Promise<LoadReply> {
    const [root, meta, log] = keysOf(ns);
    return (await this.commands.rmLoad(root, meta, log, ns)) as LoadReply;
  }

  /** Deletes every key of the instance. */
  async deleteInstance(ns: string): Promise<void> {
    const [root, meta, log] = keysOf(ns);
    await this.commands.rmDelete(root, meta, log, ns);
  }

  /** Drops a closed client's marker of its last applied batch (keeps `ns:meta` bounded). */
  async forgetClient(ns: string, clientId: string): Promise<void> {
    // Best effort: a marker left behind costs a few bytes; waiting for a lost server would hang $close().
    if (this.redis.status !== "ready") return;
    await this.redis.hdel(keysOf(ns)[1], `c:${clientId}`);
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    // QUIT would wait in the offline queue until the server is back, maybe forever.
    if (this.redis.status !== "ready") {
      this.redis.disconnect();
      return;
    }
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
