// The module that runs the library's commands on a connection (ioredis): the batch
// and load scripts, deleting an instance, the feed's catch-up reads, WAIT. Turning
// the `redis` option into connections is runtime/connect.ts. Scripts live in lua/ and are called by name
// (EVALSHA, with ioredis falling back to EVAL on NOSCRIPT); the batch script goes as a
// Redis Function where it can (runtime/batch-script.ts).
import { readFileSync } from "node:fs";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { APPLY_EVAL, APPLY_FUNCTION, APPLY_SHA, BatchScript } from "./batch-script.js";
import { ConnectionError, CorruptDataError, OptionsError, RedisCommandError, RedisMemoryError, WriteError } from "./errors.js";
import type { Enc, NodeId, Op } from "./ops.js";
import { batchCall, batchHeader, batchKeys, decodeReply, headerTexts, encodeOps, lastApplied, needsKeys, parseRefusal, refusalCode, type Batch, type BatchOutcome } from "./protocol/batch.js";
import { keysOf, nodeKey, orderKey, stageKey } from "./protocol/keys.js";
import { loadHint, rememberLoad } from "./load-hints.js";
import { inInsertionOrder } from "./protocol/order.js";
import { parseFlags, registryField } from "./protocol/registry.js";

export type { Cluster, Redis, RedisOptions };
export type Connection = Redis | Cluster;
export { LOG_DEFAULTS, type Batch, type BatchMemo, type BatchOutcome, type LogLimits } from "./protocol/batch.js";
export { keysOf, nodeKey } from "./protocol/keys.js";

const script = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), "utf8");
const SCRIPTS = { rmApply: APPLY_EVAL, rmDelete: script("delete"), rmGc: script("gc"), rmFence: script("fence") };
/** Ends a batch whose last push was staged (runtime/lua/staged.lua); sent with EVAL (its source, comments left out) inside the batch's MULTI. */
const STAGED = script("staged").replace(/^--.*\n/gm, "");

/**
 * A batch that ends with a push of at least this many values sends them as plain RPUSH
 * commands (to a staging key, in one MULTI with the batch script) instead of as script
 * arguments: Redis turns every script argument into a Lua string, which costs about as
 * much as the push itself.
 */
export const STAGE_AT = 1_024;
/** Values per RPUSH of a staged push. */
const STAGE_CHUNK = 10_000;

/** Rounds of "declare these keys too" before a call gives up (each round adds what another writer added). */
const KEY_ROUNDS = 16;

/** The scripts as ioredis commands: one array holds numkeys, KEYS and ARGV (ioredis flattens it; nothing is spread). */
interface ScriptCommands {
  rmApply(args: readonly (string | number)[]): Promise<unknown>;
  rmDelete(args: readonly (string | number)[]): Promise<unknown>;
  rmGc(args: readonly (string | number)[]): Promise<unknown>;
  rmFence(args: readonly (string | number)[]): Promise<unknown>;
}

/** One container as the load script returns it. */
export type LoadedContainer = [id: string, kind: string, values: string[]];
export interface LoadReply {
  readonly seq: number;
  readonly epoch: string;
  readonly lastId: string;
  readonly format: string;
  /** The highest schema version that wrote the instance, and the lowest that may still write it (1 when unrecorded). */
  readonly version: number;
  readonly vmin: number;
  /** When the instance expires (ms since the epoch), -1 when it does not. */
  readonly expireAt: number;
  /** Container id -> flags (runtime/protocol/registry.ts). */
  readonly registry: ReadonlyMap<string, string>;
  readonly root: string[];
  readonly containers: readonly LoadedContainer[];
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
  private readonly script: BatchScript;

  /** `redis` is shared by every store of the process on that target (runtime/pool.ts owns it). */
  constructor(readonly redis: Connection) {
    // The number of keys is the call's first argument: a batch declares every key it touches.
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { lua });
    }
    this.script = new BatchScript(redis, (args) => this.commands.rmApply(args));
  }

  private get commands(): ScriptCommands {
    return this.redis as unknown as ScriptCommands;
  }

  /**
   * Sends one batch until its outcome is known: a lost reply or a timeout is learnt by
   * sending the same batch again (the script answers a duplicate with its results).
   * Rejects with WriteError (nothing of the batch was applied) when Redis refused it.
   */
  async apply(batch: Batch, isClosed: () => boolean = () => false, failed?: { readonly error: unknown }): Promise<BatchOutcome> {
    // The containers declared: the batch's, and those an RMKEYS refusal names (a set made only then).
    let ids: ReadonlySet<NodeId> | readonly NodeId[] = batch.keys;
    let lists = batch.lists;
    let staged = this.stageable(batch.ops);
    let [ops, values] = encodeOps(batch.ops, batch.log.maxOpsBytes, staged !== undefined);
    // A Cluster's subscribers may listen on any node: PUBSUB NUMSUB on this one cannot count them.
    const own = isCluster(this.redis) ? -1 : batch.ownSubscriptions;
    for (let attempt = 0; ; attempt++) {
      let reply: unknown;
      try {
        if (staged) {
          const stage = stageKey(batch.ns, batch.clientId, batch.seq);
          const keys = batchKeys(batch.ns, ids, [stage], undefined, lists);
          reply = await this.applyStaged(batch, keys, batchCall(keys, batchHeader(batch, { stage, own }), ops, values), staged, stage);
        } else {
          const keys = batchKeys(batch.ns, ids, [], batch.memo, lists);
          const call = batchCall(keys, headerTexts(batch, { stage: "", own }), ops, values);
          const direct = failed === undefined ? this.script.direct(call) : undefined;
          if (failed !== undefined) {
            // The first attempt was `direct`'s: go on from its error as `run` would have.
            const { error } = failed;
            failed = undefined;
            reply = await this.script.recoverDirect(error, call);
          } else if (direct === undefined) reply = await this.script.run(call);
          else {
            try {
              reply = await direct;
            } catch (error) {
              reply = await this.script.recoverDirect(error, call);
            }
          }
        }
      } catch (error) {
        if (error instanceof CorruptDataError) throw error;
        const message = errorMessage(error);
        if (staged && /^NOSCRIPT|^ERR Function not found/i.test(message)) {
          // The MULTI applied nothing; the plain path loads the script (or the library) as it goes.
          staged = undefined;
          [ops, values] = encodeOps(batch.ops, batch.log.maxOpsBytes, false);
          continue;
        }
        const refusal = parseRefusal(message);
        if (refusal) {
          if (refusal.kind === "UNSTAGE") {
            // The list is another writer's container, or RENAME is not allowed: the plain path.
            staged = undefined;
            [ops, values] = encodeOps(batch.ops, batch.log.maxOpsBytes, false);
            continue;
          }
          if (refusal.kind === "KEYS") {
            const more: Set<NodeId> = new Set<NodeId>(ids);
            const asked = needsKeys(refusal);
            for (const id of asked) more.add(id);
            ids = more;
            // A container asked for again is declared whole (with its order record) from now on.
            if (lists !== undefined) lists = lists.filter((id) => !asked.includes(id));
            if (attempt < KEY_ROUNDS) continue;
          }
          if (refusal.kind === "WAIT") return { kind: "wait", applied: lastApplied(refusal) };
          throw new WriteError(refusal.key, refusal.reason, { cause: serverError(message), code: refusalCode(refusal.kind) });
        }
        if (isTransient(error)) {
          if (isClosed()) {
            throw new ConnectionError(`the store was closed while a batch to ${batch.ns} had an unknown outcome (${message})`, { cause: serverError(message) });
          }
          await delay(Math.min(50 * 2 ** Math.min(attempt, 5), 1_000));
          continue;
        }
        const cause = serverError(message);
        throw new WriteError(batch.ns, `Redis refused the batch script (runtime/lua/apply.lua): ${cause.message}`, {
          cause,
          code: "redis",
        });
      }
      return decodeReply(reply);
    }
  }

  /**
   * The first sending of a batch of the usual kind (not staged, the function library
   * checked): the FCALL's own promise, which the caller awaits (no async frame of ours in
   * between: an awaited write resumes its caller sooner), else undefined (call `apply`).
   * Its reply goes to `outcome`; its rejection to `apply(batch, isClosed, { error })`,
   * which goes on from it as from its own first attempt (recovery, refusals, resends).
   */
  direct(batch: Batch): Promise<unknown> | undefined {
    if (!this.script.checked || this.stageable(batch.ops) !== undefined) return undefined;
    const [ops, values] = encodeOps(batch.ops, batch.log.maxOpsBytes, false);
    const own = isCluster(this.redis) ? -1 : batch.ownSubscriptions;
    const keys = batchKeys(batch.ns, batch.keys, [], batch.memo, batch.lists);
    return this.script.direct(batchCall(keys, headerTexts(batch, { stage: "", own }), ops, values));
  }

  /** The outcome of a batch from the reply to `direct` (as `apply` answers it). */
  outcome(reply: unknown): Exclude<BatchOutcome, { kind: "wait" }> {
    return decodeReply(reply);
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
   * dropped by staged.lua, so the MULTI applies the batch whole or not at all (apply.lua
   * cleared every command the MULTI runs after it). apply.lua goes by FCALL where the
   * library is checked, else by EVALSHA (a NOSCRIPT or a missing function applied
   * nothing: the batch goes again by the plain path, which loads the script);
   * staged.lua by EVAL (its own NOSCRIPT would leave the list renamed). Resolves to
   * apply.lua's reply.
   */
  private async applyStaged(batch: Batch, keys: readonly string[], call: readonly (string | number)[], staged: readonly Enc[], stage: string): Promise<unknown> {
    const listKey = nodeKey(batch.ns, batch.ops.at(-1)![1]);
    const viaFunction = await this.script.usesFunction();
    const multi = (this.redis as Redis).multi();
    // ioredis flattens array arguments: nothing is spread into a call.
    const send = multi as unknown as {
      evalsha(sha: string, args: readonly (string | number)[]): unknown;
      call(command: string, name: string, args: readonly (string | number)[]): unknown;
      rpush(key: string, values: readonly string[]): unknown;
    };
    if (viaFunction) send.call("fcall", APPLY_FUNCTION, call);
    else send.evalsha(APPLY_SHA, call);
    for (let i = 0; i < staged.length; i += STAGE_CHUNK) send.rpush(stage, staged.slice(i, i + STAGE_CHUNK));
    multi.eval(STAGED, 3, keys[1]!, stage, listKey, batch.clientId, batch.seq);
    const replies = await multi.exec();
    if (!replies) throw new Error("the batch's MULTI was aborted");
    const [error, reply] = replies[0]!;
    if (error) throw error;
    // apply.lua checked that the user may run the rest: an applied batch has its values in the list.
    if (decodeReply(reply).kind === "applied") {
      const failed = replies.slice(1).find(([failure]) => failure);
      const moved = replies.at(-1)?.[1];
      if (failed || moved !== 1) {
        throw new CorruptDataError(stage, undefined, `batch ${batch.seq} was applied but its staged values did not reach ${listKey} (${failed ? errorMessage(failed[0]) : `staged.lua answered ${String(moved)}`})`);
      }
    }
    return reply;
  }

  /**
   * Reads the whole instance as one snapshot: a MULTI of plain reads (the root, the meta
   * hash with its container registry, every registered container, the log position),
   * so that large lists come back at the speed of LRANGE. A container registered
   * meanwhile by another writer is read by one more MULTI. `known`: the containers (id,
   * "l" or "d") the caller expects, read in the first round (by default, those the
   * instance held when this connection last loaded it: runtime/load-hints.ts).
   */
  async load(ns: string, known?: ReadonlyMap<NodeId, string>): Promise<LoadReply> {
    const [root, meta, log] = keysOf(ns);
    const kinds = new Map(known ?? loadHint(this.redis, ns));
    for (let round = 0; ; round++) {
      const ids = [...kinds.keys()];
      const replies = await this.call("MULTI (load)", ns, () => {
        const multi = this.redis.multi();
        multi.call("HGETALL", meta);
        multi.type(root);
        multi.call("HGETALL", root);
        multi.call("XINFO", "STREAM", log);
        multi.call("PEXPIRETIME", meta);
        multi.call("GET", orderKey(ns, ""));
        // Per container: its type, its contents, and a dict's order record.
        for (const id of ids) {
          const key = nodeKey(ns, id);
          multi.type(key);
          if (kinds.get(id) === "l") multi.lrange(key, 0, -1);
          else {
            multi.call("HGETALL", key);
            multi.call("GET", orderKey(ns, id));
          }
        }
        return multi.exec();
      });
      const value = (i: number): unknown => {
        const [error, result] = replies?.[i] ?? [new Error("the transaction was aborted"), undefined];
        if (error && TOO_LONG.test(errorMessage(error))) throw tooLong(i === 2 ? root : ns);
        if (error) throw new RedisCommandError(ns, "MULTI (load)", serverError(errorMessage(error)));
        return result;
      };
      const metaError = replies?.[0]?.[0];
      if (metaError && /^WRONGTYPE/.test(errorMessage(metaError))) throw new CorruptDataError(meta, undefined, "is not a hash (this library did not write it): $delete() the instance or restore it");
      const metaFields = value(0) as string[];
      let seq = "0", epoch = "", format = "", version = "1", vmin = "1";
      const registry = new Map<string, string>();
      for (let i = 0; i + 1 < metaFields.length; i += 2) {
        const field = metaFields[i]!;
        const text = metaFields[i + 1]!;
        if (field === "seq") seq = text;
        else if (field === "epoch") epoch = text;
        else if (field === "format") format = text;
        else if (field === "v") version = text;
        else if (field === "vmin") vmin = text;
        else if (field.startsWith("n:")) registry.set(field.slice(2), text);
      }
      for (const [field, text] of [["v", version], ["vmin", vmin]] as const) {
        if (!/^[1-9]\d{0,8}$/.test(text)) throw new CorruptDataError(meta, field, `holds ${JSON.stringify(text.slice(0, 40))}, not a schema version (this library did not write it)`);
      }
      if (!/^(0|[1-9]\d{0,14})$/.test(seq)) throw new CorruptDataError(meta, "seq", `holds ${JSON.stringify(seq.slice(0, 40))}, not a batch counter (this library did not write it)`);
      const unread = [...registry].filter(([id, flags]) => id !== "" && kinds.get(id) !== parseFlags(flags)?.kind);
      if (unread.length > 0 && round < KEY_ROUNDS) {
        for (const [id, flags] of unread) {
          const kind = parseFlags(flags)?.kind;
          if (kind === undefined) throw new CorruptDataError(meta, registryField(id), `holds ${JSON.stringify(flags.slice(0, 40))}, not container flags`);
          kinds.set(id, kind);
        }
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
      // A dict whose order record is unreadable (another type: this library did not write it) keeps Redis' order.
      const record = (i: number): string | undefined => {
        const [error, text] = replies?.[i] ?? [];
        return error || typeof text !== "string" ? undefined : text;
      };
      let at = 6;
      for (const id of ids) {
        const kind = kinds.get(id)!;
        const type = value(at) as string;
        const [error, values] = replies?.[at + 1] ?? [];
        const order = kind === "l" ? undefined : record(at + 2);
        at += kind === "l" ? 2 : 3;
        if (!registry.has(id)) continue;
        if (type === "none") containers.push([id, "none", []]);
        else if ((kind === "l" && type === "list") || (kind === "d" && type === "hash")) {
          if (error && TOO_LONG.test(errorMessage(error))) throw tooLong(nodeKey(ns, id));
          if (error) throw new RedisCommandError(ns, "MULTI (load)", serverError(errorMessage(error)));
          containers.push([id, kind, kind === "d" ? inInsertionOrder(values as string[], order) : (values as string[])]);
        } else containers.push([id, `x:${type}`, []]);
      }
      const rootOrdered = rootType === "hash" ? inInsertionOrder(rootValues, record(5)) : rootValues;
      const registered = new Map<NodeId, string>();
      for (const [id, flags] of registry) {
        const kind = parseFlags(flags)?.kind;
        if (id !== "" && kind !== undefined) registered.set(id, kind);
      }
      rememberLoad(this.redis, ns, registered);
      return { seq: Number(seq), epoch, lastId, format, version: Number(version), vmin: Number(vmin), expireAt: Number(value(4)), registry, root: rootOrdered, containers };
    }
  }

  /** Deletes every key of the instance. */
  async deleteInstance(ns: string, known: Iterable<NodeId> = []): Promise<void> {
    const [root, meta, log] = keysOf(ns);
    // Every container with its order record (runtime/protocol/keys.ts), the root's too.
    const keys = new Set([orderKey(ns, ""), ...[...known].flatMap((id) => [nodeKey(ns, id), orderKey(ns, id)])]);
    for (let round = 0; round < KEY_ROUNDS; round++) {
      const reply = (await this.call("EVALSHA delete.lua", ns, () => this.commands.rmDelete([3 + keys.size, root, meta, log, ...keys, ns]))) as unknown[];
      if (reply[0] !== "keys") return;
      for (const id of reply.slice(1) as string[]) keys.add(nodeKey(ns, id)).add(orderKey(ns, id));
    }
    throw new RedisCommandError(ns, "EVALSHA delete.lua", new Error(`other writers added containers on each of ${KEY_ROUNDS} tries; the instance was not deleted`));
  }

  /** Collects containers a batch unlinked without declaring them (and what hangs below them). */
  async collect(ns: string, garbage: readonly NodeId[]): Promise<void> {
    let ids = [...garbage];
    for (let round = 0; ids.length > 0 && round < KEY_ROUNDS * 4; round++) {
      const keys = ids.flatMap((id) => [nodeKey(ns, id), orderKey(ns, id)]);
      ids = (await this.call("EVALSHA gc.lua", ns, () => this.commands.rmGc([1 + keys.length, keysOf(ns)[1], ...keys, ns]))) as string[];
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

  /** The instance's schema versions from `ns:meta` (`v`, `vmin`; 1 when unrecorded) and whether it exists: what a bulk migration skips on. */
  async schemaVersions(ns: string): Promise<{ exists: boolean; version: number; vmin: number }> {
    const [v, vmin, epoch] = await this.call("HMGET", ns, () => this.redis.hmget(keysOf(ns)[1], "v", "vmin", "epoch"));
    return { exists: epoch !== null, version: Number(v ?? 1) || 1, vmin: Number(vmin ?? 1) || 1 };
  }

  /** Raises the instance's lowest writable version to `vmin` if it is still at `epoch` and `version` (lua/fence.lua). */
  async fence(ns: string, epoch: string, version: number, vmin: number): Promise<boolean> {
    return (await this.call("EVALSHA fence.lua", ns, () => this.commands.rmFence([1, keysOf(ns)[1], epoch, String(version), String(vmin)]))) === 1;
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
  const reply = message.replace(/ script: [0-9a-f]{40}.*$/s, "").replace(/ script: \S+, on @user_function:\d+\.?$/s, "");
  // Inside a script an ACL refusal reads as a plain ERR: name it as Redis does elsewhere.
  return new Error(/can't run this command|no permissions to/i.test(reply) && !reply.startsWith("NOPERM") ? `NOPERM (ACL) ${reply}` : reply);
}

/** ioredis' error for a reply JavaScript cannot hold (a value longer than V8's longest string, ~512 MB). */
const TOO_LONG = /Cannot create a string longer than|Invalid string length/;

function tooLong(key: string): CorruptDataError {
  return new CorruptDataError(key, undefined, "holds a value longer than JavaScript's longest string (about 512 MB), which no store can read; $delete() the instance or restore it");
}

/** Errors after which the batch's outcome is unknown or it was not run: send it again. */
export function isTransient(error: unknown): boolean {
  const message = errorMessage(error);
  return /^(Command timed out|Command aborted due to connection close|Connection is closed|Stream isn't writeable|Reached the max retries per request limit|LOADING|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available|connect ETIMEDOUT)/.test(message)
    || /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT/.test(message);
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
