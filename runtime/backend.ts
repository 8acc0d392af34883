// The module that runs the library's commands on a connection (ioredis): the batch
// and load scripts, deleting an instance, the feed's catch-up reads, WAIT. Turning
// the `redis` option into connections is runtime/connect.ts. Scripts live in lua/ and are called by name
// (EVALSHA, with ioredis falling back to EVAL on NOSCRIPT).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { ConnectionError, CorruptDataError, OptionsError, RedisCommandError, RedisMemoryError, WriteError, type WriteErrorCode } from "./errors.js";
import type { Enc, NodeId, Op } from "./ops.js";

export type { Cluster, Redis, RedisOptions };
export type Connection = Redis | Cluster;

const script = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), "utf8");
const SCRIPTS = { rmApply: script("apply"), rmDelete: script("delete"), rmGc: script("gc") };
const APPLY_SHA = createHash("sha1").update(SCRIPTS.rmApply).digest("hex");
/** Ends a batch whose last push was staged (runtime/lua/staged.lua); sent with EVAL (its source, comments left out) inside the batch's MULTI. */
const STAGED = script("staged").replace(/^--.*\n/gm, "");

/**
 * A batch that ends with a push of at least this many values sends them as plain RPUSH
 * commands (to a staging key, in one MULTI with the batch script) instead of as script
 * arguments: Redis turns every script argument into a Lua string, which costs about as
 * much as the push itself.
 */
export const STAGE_AT = 1_024;
/** Where apply.lua's arguments name the staging key ("" when the batch is not staged). */
const STAGE_ARG = 13;
/** Values per RPUSH of a staged push. */
const STAGE_CHUNK = 10_000;

/** Log settings: how much of the change log an instance keeps for replicas catching up. */
export interface LogLimits {
  /** Entries kept (default 1,000). */
  readonly maxEntries: number;
  /** Milliseconds an entry is kept; the log key itself expires this long after the last batch (default 10,000). */
  readonly maxAgeMs: number;
  /** A batch whose operations are larger is logged as the ids of the containers it touched (default 2,048 bytes). */
  readonly maxOpsBytes: number;
}
export const LOG_DEFAULTS: LogLimits = { maxEntries: 1_000, maxAgeMs: 10_000, maxOpsBytes: 2_048 };

/** Rounds of "declare these keys too" before a call gives up (each round adds what another writer added). */
const KEY_ROUNDS = 16;

interface ScriptCommands {
  rmApply(numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  rmDelete(numKeys: number, ...args: string[]): Promise<unknown>;
  rmGc(numKeys: number, ...args: string[]): Promise<unknown>;
}

export interface Batch {
  readonly ns: string;
  readonly clientId: string;
  readonly seq: number;
  /** The seq of the batch this one follows (the script applies it only right after that one). */
  readonly prev: number;
  /** The epoch the replica loaded; "" when it loaded no instance (the batch creates it as `newEpoch`). */
  readonly epoch: string;
  readonly newEpoch: string;
  readonly ops: readonly Op[];
  /** Ids of the containers the batch may touch (declared as KEYS). */
  readonly keys: readonly NodeId[];
  readonly schemaHash: string;
  readonly log: LogLimits;
  /** The store's `ttl` (ms; 0: none): the batch slides the instance's expiry. */
  readonly ttl: number;
  /** A transaction's batch: the instance seq its reads saw ("" for other batches). */
  readonly readAt: string;
  /**
   * How many of the subscriptions to the instance's channel are the writer's own (its
   * feed's, 0 or 1). The log is for other replicas catching up: a batch that no other
   * subscription hears is not logged (a replica that listens later loads after it).
   */
  readonly ownSubscriptions: number;
  /** Every batch of this client up to this seq has been answered (none is sent again): the script forgets their results. */
  readonly acked: number;
}

export type BatchOutcome =
  | {
      readonly kind: "applied";
      readonly seq: number;
      readonly entryId: string;
      readonly epoch: string;
      /** `setnx` operations that found their field already set (the replica must reload). */
      readonly skipped: number;
      readonly incrs: readonly string[];
      readonly aliases: readonly [from: NodeId, to: NodeId][];
      readonly garbage: readonly NodeId[];
      /** When the instance expires (ms since the epoch), -1 when it does not. */
      readonly expireAt: number;
    }
  | {
      readonly kind: "dup";
      readonly incrs: readonly string[];
      readonly aliases: readonly [from: NodeId, to: NodeId][];
      readonly epoch: string;
      /** `setnx` operations the batch skipped when it was applied. */
      readonly skipped: number;
      /** When the instance expires now (ms since the epoch), -1 when it does not. */
      readonly expireAt: number;
    }
  /** The batch must follow one that is not applied yet (NOSCRIPT retried out of order, or refused). */
  | {
      readonly kind: "wait";
      /** The last batch of this client that Redis holds as applied. */
      readonly applied: number;
    };

/** One container as the load script returns it. */
export type LoadedContainer = [id: string, kind: string, values: string[]];
export interface LoadReply {
  readonly seq: number;
  readonly epoch: string;
  readonly lastId: string;
  readonly format: string;
  /** When the instance expires (ms since the epoch), -1 when it does not. */
  readonly expireAt: number;
  /** Container id -> flags ("l"/"d", "1" when its key should exist, "r" when it may hold references, ":<sha1 start>" of a promoted record). */
  readonly registry: ReadonlyMap<string, string>;
  readonly root: string[];
  readonly containers: readonly LoadedContainer[];
}

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

export function isConnection(value: unknown): value is Connection {
  if (typeof value !== "object" || value === null) return false;
  const client = value as Record<string, unknown>;
  return typeof client.status === "string" && typeof client.isCluster === "boolean" && CLIENT_METHODS.every((name) => typeof client[name] === "function");
}

export function isCluster(connection: Connection): connection is Cluster {
  return connection.isCluster;
}

const EXPECTED = "pass a redis:// URL, an ioredis 5 or 6 Redis/Cluster client, or plain ioredis options";

/** What is left once clients are recognised must be a URL or plain ioredis options. */
export function assertTarget(value: unknown): asserts value is string | RedisOptions | undefined {
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

/** Where `open()` connects when no `redis` option is given. */
export function defaultRedis(): string | RedisOptions {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  return { host: process.env.REDIS_HOST ?? "127.0.0.1", port: Number(process.env.REDIS_PORT ?? 6379) };
}

export class Backend {
  /** `redis` is shared by every store of the process on that target (runtime/pool.ts owns it). */
  constructor(readonly redis: Connection) {
    // The number of keys is the call's first argument: a batch declares every key it touches.
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { lua });
    }
  }

  private get commands(): ScriptCommands {
    return this.redis as unknown as ScriptCommands;
  }

  /**
   * Sends one batch until its outcome is known: a lost reply or a timeout is learnt by
   * sending the same batch again (the script answers a duplicate with its results).
   * Rejects with WriteError (nothing of the batch was applied) when Redis refused it.
   */
  async apply(batch: Batch, isClosed: () => boolean = () => false): Promise<BatchOutcome> {
    const [root, meta, log] = keysOf(batch.ns);
    const keys = new Set(batch.keys.map((id) => nodeKey(batch.ns, id)));
    let staged = this.stageable(batch.ops);
    let [ops, values] = encodeOps(batch.ops, batch.log.maxOpsBytes, staged !== undefined);
    for (let attempt = 0; ; attempt++) {
      let reply: unknown;
      try {
        const args = [
          batch.ns, batch.clientId, batch.seq, batch.prev, batch.epoch, batch.newEpoch, ops, batch.schemaHash,
          batch.log.maxEntries, batch.log.maxAgeMs, batch.log.maxOpsBytes, batch.ttl, batch.readAt, "",
          // A Cluster's subscribers may listen on any node: PUBSUB NUMSUB on this one cannot count them.
          isCluster(this.redis) ? -1 : batch.ownSubscriptions,
          batch.acked,
        ];
        reply = staged
          ? await this.applyStaged(batch, [root, meta, log, ...keys], args, values, staged)
          : await this.commands.rmApply(3 + keys.size, root, meta, log, ...keys, ...args, ...values);
      } catch (error) {
        if (error instanceof CorruptDataError) throw error;
        const message = errorMessage(error);
        if (staged && /^NOSCRIPT/.test(message)) {
          // The MULTI applied nothing; the plain path loads the script (EVAL) as it goes.
          staged = undefined;
          [ops, values] = encodeOps(batch.ops, batch.log.maxOpsBytes, false);
          continue;
        }
        const refusal = /^RM([A-Z]+) (\S*) ?(.*)$/s.exec(message);
        if (refusal) {
          const [, kind, key, reason] = refusal as unknown as [string, string, string, string];
          if (kind === "UNSTAGE") {
            // The list is another writer's container, or RENAME is not allowed: the plain path.
            staged = undefined;
            [ops, values] = encodeOps(batch.ops, batch.log.maxOpsBytes, false);
            continue;
          }
          if (kind === "KEYS") {
            for (const id of `${key} ${reason}`.trim().split(" ")) keys.add(nodeKey(batch.ns, id));
            if (attempt < KEY_ROUNDS) continue;
          }
          if (kind === "WAIT") return { kind: "wait", applied: Number(/last applied (\d+)/.exec(reason)?.[1] ?? 0) };
          throw new WriteError(key, reason, { cause: serverError(message), code: refusalCode(kind) });
        }
        if (isTransient(error)) {
          if (isClosed()) {
            throw new ConnectionError(`the store was closed while a batch to ${batch.ns} had an unknown outcome (${message})`, { cause: serverError(message) });
          }
          await delay(Math.min(50 * 2 ** Math.min(attempt, 5), 1_000));
          continue;
        }
        const cause = serverError(message);
        throw new WriteError(batch.ns, `Redis refused EVALSHA apply.lua: ${cause.message}`, {
          cause,
          code: "redis",
        });
      }
      return parseOutcome(reply);
    }
  }

  /**
   * The values of the batch's last op when it is a push large enough to stage (on a single
   * server: a Cluster client sends the batch as one script call, see `applyStaged`).
   */
  private stageable(ops: readonly Op[]): Enc[] | undefined {
    const last = ops.at(-1);
    // A push's values are JSON texts, never references (buildElement holds records inline),
    // so the script need not see them to keep the list's registry flags.
    if (isCluster(this.redis) || last?.[0] !== "push" || last[2].length < STAGE_AT) return undefined;
    return last[2];
  }

  /**
   * One batch as a MULTI: apply.lua applies every op but the last push and renames the
   * list to a staging key; RPUSHes append the push's values there; staged.lua renames it
   * back. Values that apply.lua did not take (a duplicate, a refusal, a NOSCRIPT) are
   * dropped by staged.lua, so the MULTI applies the batch whole or not at all. apply.lua
   * goes by EVALSHA (a NOSCRIPT applied nothing: the batch goes again by the plain path,
   * which loads the script); staged.lua by EVAL (its own NOSCRIPT would leave the list
   * renamed). Resolves to apply.lua's reply.
   */
  private async applyStaged(batch: Batch, keys: string[], args: (string | number)[], values: readonly Enc[], staged: readonly Enc[]): Promise<unknown> {
    const stageKey = `${batch.ns}:s:${batch.clientId}:${batch.seq}`;
    const listKey = nodeKey(batch.ns, batch.ops.at(-1)![1]);
    const multi = (this.redis as Redis).multi();
    multi.evalsha(APPLY_SHA, keys.length + 1, ...keys, stageKey, ...args.with(STAGE_ARG, stageKey), ...values);
    // ioredis flattens array arguments: each chunk goes as it is, not spread into the call.
    const rpush = multi.rpush as unknown as (key: string, values: readonly string[]) => unknown;
    for (let i = 0; i < staged.length; i += STAGE_CHUNK) rpush.call(multi, stageKey, staged.slice(i, i + STAGE_CHUNK));
    multi.eval(STAGED, 3, keys[1]!, stageKey, listKey, batch.clientId, batch.seq);
    const replies = await multi.exec();
    if (!replies) throw new Error("the batch's MULTI was aborted");
    const [error, reply] = replies[0]!;
    if (error) throw error;
    // apply.lua checked that the user may run the rest: an applied batch has its values in the list.
    if (Array.isArray(reply) && reply[0] !== "dup") {
      const failed = replies.slice(1).find(([failure]) => failure);
      const moved = replies.at(-1)?.[1];
      if (failed || moved !== 1) {
        throw new CorruptDataError(stageKey, undefined, `batch ${batch.seq} was applied but its staged values did not reach ${listKey} (${failed ? errorMessage(failed[0]) : `staged.lua answered ${String(moved)}`})`);
      }
    }
    return reply;
  }

  /**
   * Reads the whole instance as one snapshot: a MULTI of plain reads (the root, the meta
   * hash with its container registry, every registered container, the log position),
   * so that large lists come back at the speed of LRANGE. A container registered
   * meanwhile by another writer is read by one more MULTI. `known`: the containers (id,
   * "l" or "d") the caller expects, read in the first round.
   */
  async load(ns: string, known: ReadonlyMap<NodeId, string> = new Map()): Promise<LoadReply> {
    const [root, meta, log] = keysOf(ns);
    const kinds = new Map(known);
    for (let round = 0; ; round++) {
      const ids = [...kinds.keys()];
      const replies = await this.call("MULTI (load)", ns, () => {
        const multi = this.redis.multi();
        multi.call("HGETALL", meta);
        multi.type(root);
        multi.call("HGETALL", root);
        multi.call("XINFO", "STREAM", log);
        multi.call("PEXPIRETIME", meta);
        for (const id of ids) {
          const key = nodeKey(ns, id);
          multi.type(key);
          if (kinds.get(id) === "l") multi.lrange(key, 0, -1);
          else multi.call("HGETALL", key);
        }
        return multi.exec();
      });
      const value = (i: number): unknown => {
        const [error, result] = replies?.[i] ?? [new Error("the transaction was aborted"), undefined];
        if (error) throw new RedisCommandError(ns, "MULTI (load)", serverError(errorMessage(error)));
        return result;
      };
      const metaFields = value(0) as string[];
      let seq = "0", epoch = "", format = "";
      const registry = new Map<string, string>();
      for (let i = 0; i + 1 < metaFields.length; i += 2) {
        const field = metaFields[i]!;
        const text = metaFields[i + 1]!;
        if (field === "seq") seq = text;
        else if (field === "epoch") epoch = text;
        else if (field === "format") format = text;
        else if (field.startsWith("n:")) registry.set(field.slice(2), text);
      }
      const unread = [...registry].filter(([id, flags]) => id !== "" && kinds.get(id) !== flags[0]);
      if (unread.length > 0 && round < KEY_ROUNDS) {
        for (const [id, flags] of unread) kinds.set(id, flags[0] === "l" ? "l" : "d");
        continue;
      }
      const rootType = value(1) as string;
      const rootValues = rootType === "hash" ? (value(2) as string[]) : rootType === "none" ? [] : [`x:${rootType}`];
      let lastId = "0-0";
      const [, info] = replies?.[3] ?? [];
      if (Array.isArray(info)) {
        const at = info.indexOf("last-generated-id");
        if (at >= 0) lastId = String(info[at + 1]);
      }
      const containers: LoadedContainer[] = [];
      ids.forEach((id, n) => {
        if (!registry.has(id)) return;
        const type = value(5 + 2 * n) as string;
        const kind = kinds.get(id)!;
        const [error, values] = replies?.[6 + 2 * n] ?? [];
        if (type === "none") containers.push([id, "none", []]);
        else if ((kind === "l" && type === "list") || (kind === "d" && type === "hash")) {
          if (error) throw new RedisCommandError(ns, "MULTI (load)", serverError(errorMessage(error)));
          containers.push([id, kind, values as string[]]);
        } else containers.push([id, `x:${type}`, []]);
      });
      return { seq: Number(seq), epoch, lastId, format, expireAt: Number(value(4)), registry, root: rootValues, containers };
    }
  }

  /** Deletes every key of the instance. */
  async deleteInstance(ns: string, known: Iterable<NodeId> = []): Promise<void> {
    const [root, meta, log] = keysOf(ns);
    const keys = new Set([...known].map((id) => nodeKey(ns, id)));
    for (let round = 0; round < KEY_ROUNDS; round++) {
      const reply = (await this.call("EVALSHA delete.lua", ns, () => this.commands.rmDelete(3 + keys.size, root, meta, log, ...keys, ns))) as unknown[];
      if (reply[0] !== "keys") return;
      for (const id of reply.slice(1) as string[]) keys.add(nodeKey(ns, id));
    }
    throw new RedisCommandError(ns, "EVALSHA delete.lua", new Error(`other writers added containers on each of ${KEY_ROUNDS} tries; the instance was not deleted`));
  }

  /** Collects containers a batch unlinked without declaring them (and what hangs below them). */
  async collect(ns: string, garbage: readonly NodeId[]): Promise<void> {
    let ids = [...garbage];
    for (let round = 0; ids.length > 0 && round < KEY_ROUNDS * 4; round++) {
      const keys = ids.map((id) => nodeKey(ns, id));
      ids = (await this.call("EVALSHA gc.lua", ns, () => this.commands.rmGc(1 + keys.length, keysOf(ns)[1], ...keys, ns))) as string[];
    }
  }

  /** Runs one of the library's commands, wrapping what Redis answers with into a RedisMemoryError. */
  private async call<T>(command: string, ns: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof RedisMemoryError) throw error;
      throw new RedisCommandError(ns, command, serverError(errorMessage(error)));
    }
  }

  /** Milliseconds until the instance expires, or undefined when it has no expiry (or is gone). */
  async ttl(ns: string): Promise<number | undefined> {
    const left = await this.call("PTTL", ns, () => this.redis.pttl(keysOf(ns)[1]));
    return left >= 0 ? left : undefined;
  }

  /** The instance's batch sequence number (what a transaction compares). */
  async seq(ns: string): Promise<number> {
    return Number((await this.call("HGET", ns, () => this.redis.hget(keysOf(ns)[1], "seq"))) ?? 0);
  }

  /** Whether the instance `ns` exists (its meta hash holds an epoch). */
  async exists(ns: string): Promise<boolean> {
    return (await this.call("HEXISTS", ns, () => this.redis.hexists(keysOf(ns)[1], "epoch"))) === 1;
  }

  /** The namespaces whose meta key matches `<prefix>{<store>:*}:meta`, by SCAN (on every master of a Cluster). */
  async *instances(prefix: string, store: string): AsyncGenerator<string> {
    const glob = (text: string): string => text.replace(/[*?[\]\\]/g, "\\$&");
    const pattern = `${glob(prefix)}{${glob(store)}:*}:meta`;
    const nodes: Redis[] = isCluster(this.redis) ? this.redis.nodes("master") : [this.redis];
    for (const node of nodes) {
      let cursor = "0";
      do {
        const [next, keys] = await this.call("SCAN", `${prefix}{${store}:*}`, () => node.scan(cursor, "MATCH", pattern, "COUNT", 1000));
        cursor = next;
        for (const key of keys) yield key.slice(0, -":meta".length);
      } while (cursor !== "0");
    }
  }

  /** The server's `maxmemory-policy`, or undefined when CONFIG is not allowed (managed Redis, ACL). */
  async evictionPolicy(): Promise<string | undefined> {
    try {
      const nodes: Redis[] = isCluster(this.redis) ? this.redis.nodes("master") : [this.redis];
      const reply = (await nodes[0]?.config("GET", "maxmemory-policy")) as string[] | undefined;
      return reply?.[1];
    } catch {
      return undefined;
    }
  }

  /** Drops a closed client's marker of its last applied batch and its remembered results (keeps `ns:meta` bounded). */
  async forgetClient(ns: string, clientId: string): Promise<void> {
    // Best effort: a marker left behind costs a few bytes; waiting for a lost server would hang $close().
    if (this.redis.status !== "ready") return;
    await this.call("HDEL", ns, () => this.redis.hdel(keysOf(ns)[1], `c:${clientId}`, `r:${clientId}`));
  }

  /**
   * The instance's sequence number and the log entries after `afterId` (at most
   * `count`), read together (one MULTI on the instance's slot).
   */
  /**
   * The instance's seq and epoch, and the log entries after `afterId` (a RedisCommandError
   * instead when the log cannot be read: the caller first checks the epoch, since the log of
   * another incarnation says nothing about its replica).
   */
  async readLog(ns: string, afterId: string, count: number): Promise<{ seq: number; epoch: string; entries: [id: string, fields: string[]][] | RedisCommandError }> {
    const [, meta, log] = keysOf(ns);
    const replies = await this.call("MULTI HMGET XRANGE", ns, () => this.redis.multi().hmget(meta, "seq", "epoch").xrange(log, `(${afterId}`, "+", "COUNT", count).exec());
    if (!replies) throw new RedisCommandError(ns, "MULTI HMGET XRANGE", new Error("the transaction was aborted"));
    const [[metaError, counters], [rangeError, entries]] = replies as [[Error | null, (string | null)[] | null], [Error | null, [string, string[]][]]];
    if (metaError) throw new RedisCommandError(ns, "MULTI HMGET XRANGE", metaError);
    const [seq, epoch] = counters ?? [];
    return { seq: Number(seq ?? 0), epoch: epoch ?? "", entries: rangeError ? new RedisCommandError(ns, "XRANGE", rangeError) : entries };
  }

  /**
   * Waits until `replicas` replicas of the instance's primary acknowledged every
   * write this connection made (WAIT), at most `timeoutMs`; resolves to how many did.
   */
  async waitReplicas(ns: string, replicas: number, timeoutMs: number): Promise<number> {
    const redis = this.redis;
    if (!isCluster(redis)) return Number(await this.call("WAIT", ns, () => redis.call("WAIT", replicas, timeoutMs)));
    // WAIT has no key: send it on the connection that carried the instance's writes.
    const master = await this.call("CLUSTER KEYSLOT", ns, () => primaryOf(redis, keysOf(ns)[1]));
    return Number(await this.call("WAIT", ns, () => master.call("WAIT", replicas, timeoutMs)));
  }
}

/** The connection of a Cluster client to the master that holds `key`'s slot. */
async function primaryOf(cluster: Cluster, key: string): Promise<Redis> {
  const slot = Number(await cluster.cluster("KEYSLOT", key));
  const owner = cluster.slots[slot]?.[0];
  const master = cluster.nodes("master").find((node) => `${node.options.host}:${node.options.port}` === owner);
  if (!master) throw new ConnectionError(`no known master holds slot ${slot} of ${key}; the Cluster is changing, try again`);
  return master;
}

/**
 * The operations as the batch script reads them. A batch larger than `inlineBytes`
 * sends its pushed values as arguments of their own (a push op then holds their count):
 * JSON-escaping 100k JSON texts inside one JSON text costs more than sending them. A
 * staged last push holds its count and its values go apart (`applyStaged`).
 */
function encodeOps(ops: readonly Op[], inlineBytes: number, stagedLast: boolean): [text: string, values: string[]] {
  const counted = (op: Op): Op => [op[0], op[1], (op[2] as Enc[]).length] as unknown as Op;
  const rest = stagedLast ? ops.slice(0, -1) : ops;
  const last = stagedLast ? [counted(ops.at(-1)!)] : [];
  let size = 0;
  for (const op of rest) {
    if (op[0] !== "push" && op[0] !== "unshift") continue;
    for (const value of op[2]) size += value.length;
    if (size > inlineBytes) break;
  }
  if (size <= inlineBytes) return [JSON.stringify([...rest, ...last]), []];
  const values: string[] = [];
  const text = JSON.stringify([
    ...rest.map((op) => {
      if (op[0] !== "push" && op[0] !== "unshift") return op;
      for (const value of op[2]) values.push(value);
      return counted(op);
    }),
    ...last,
  ]);
  return [text, values];
}

function errorMessage(error: unknown): string {
  // A transaction Redis refused to queue: its first command's error says why (NOPERM, ...).
  const previous = (error as { previousErrors?: unknown[] } | undefined)?.previousErrors?.[0];
  if (previous instanceof Error) return previous.message;
  const message = error instanceof Error ? error.message : String(error);
  // A transaction refused at EXEC (READONLY, MASTERDOWN, OOM): the reason is what matters.
  return message.replace(/^EXECABORT Transaction discarded because of: /, "");
}

/** The server's reply alone: ioredis' errors carry the command's arguments (the script source). */
function serverError(message: string): Error {
  const reply = message.replace(/ script: [0-9a-f]{40}.*$/s, "");
  // Inside a script an ACL refusal reads as a plain ERR: name it as Redis does elsewhere.
  return new Error(/can't run this command|no permissions to/i.test(reply) && !reply.startsWith("NOPERM") ? `NOPERM (ACL) ${reply}` : reply);
}

function refusalCode(kind: string): WriteErrorCode {
  switch (kind) {
    case "EPOCH": return "epoch";
    case "EVICTED": return "evicted";
    case "CORRUPT": return "corrupt";
    case "FORMAT": return "format";
    case "STALE": return "stale";
    case "KEYS": return "conflict";
    default: return "conflict";
  }
}

/** Errors after which the batch's outcome is unknown or it was not run: send it again. */
function isTransient(error: unknown): boolean {
  const message = errorMessage(error);
  return /^(Command timed out|Command aborted due to connection close|Connection is closed|Stream isn't writeable|Reached the max retries per request limit|LOADING|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available|connect ETIMEDOUT)/.test(message)
    || /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT/.test(message);
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function parseOutcome(reply: unknown): BatchOutcome {
  const parts = reply as unknown[];
  const pairs = (flat: unknown): [NodeId, NodeId][] => {
    const list = (flat as string[] | undefined) ?? [];
    const out: [NodeId, NodeId][] = [];
    for (let i = 0; i + 1 < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
    return out;
  };
  if (parts[0] === "dup") return { kind: "dup", incrs: ((parts[1] as unknown[]) ?? []).map(String), aliases: pairs(parts[2]), epoch: String(parts[3] ?? ""), skipped: Number(parts[4] ?? 0), expireAt: Number(parts[5] ?? -1) };
  return {
    kind: "applied",
    seq: Number(parts[0]),
    entryId: String(parts[1]),
    skipped: Number(parts[2]),
    incrs: ((parts[3] as unknown[]) ?? []).map(String),
    aliases: pairs(parts[4]),
    garbage: ((parts[5] as unknown[]) ?? []).map(String),
    epoch: String(parts[6]),
    expireAt: Number(parts[7] ?? -1),
  };
}
