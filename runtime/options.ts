// Open options: defaults from the environment and checks of `id` and `prefix`
// (they become part of the hash-tagged namespace, so braces would break it).
import { LOG_DEFAULTS, type LogLimits } from "./backend.js";
import type { HistoryLimits } from "./protocol/batch.js";
import type { RedisOption } from "./connect.js";
import { OptionsError, type LeftOutPlace, type ValidationError } from "./errors.js";
import type { Input } from "./types.js";

export interface OpenOptions<TData extends object = Record<string, unknown>> {
  /** URL, ioredis `Redis`/`Cluster` instance or ioredis options; default `REDIS_URL`, else `REDIS_HOST`/`REDIS_PORT`, else 127.0.0.1:6379. */
  redis?: RedisOption;
  /** Instance id (conversation, tenant...); default `"default"`. */
  id?: string;
  /** Key prefix; default `REDIS_PREFIX`, else `"memory:"`. */
  prefix?: string;
  /** Apply other processes' writes as they happen; default `true`. */
  live?: boolean;
  /** Values for required fields without a `default` when the instance is new. */
  init?: Partial<Input<TData>>;
  /**
   * When Redis cannot be reached within `connectTimeout`: start from the local state
   * (defaults and `init`) and keep taking writes; when Redis comes, load what it holds
   * and replay the writes on top, in order, exactly once (status events "offline",
   * "connected", "synced"). Default `false`: open() rejects with ConnectionError.
   */
  offline?: boolean;
  /** Milliseconds to wait for Redis before `open()` fails; default 5000. */
  connectTimeout?: number;
  /**
   * `$flush()` also waits (Redis WAIT) until `replicas` replicas of the instance's
   * primary acknowledged the writes, at most `timeout` ms, and rejects with
   * ReplicaWaitError when fewer did. It narrows, not closes, the window in which a
   * failover loses acknowledged writes (README, "Deployment").
   */
  waitReplicas?: { replicas: number; timeout: number };
  /**
   * Data in Redis that does not match the schema, at open() and at every reload
   * (`$refresh()`, after a gap in the change feed): `"fail"` (default: open() rejects
   * with a ValidationError listing every mismatch; a reload emits it as an `error`
   * event and the replica still equals Redis), `"load-valid"` (the replica leaves out
   * the smallest invalid places, a list element or a dict key, and Redis keeps them; a
   * left-out key with a schema default reads as that default; a required one without
   * default fails the open naming it; a reload emits the ValidationError as an `error`
   * event), or a function: as "load-valid", and called with the ValidationError and the
   * places left out, each with the raw value Redis holds (docs/guides/validation.md).
   */
  onInvalid?: "fail" | "load-valid" | ((error: ValidationError, leftOut: readonly LeftOutPlace[]) => void);
  /**
   * How much of the change log the instance keeps for live replicas catching up after
   * a reconnect (not history): `maxEntries` (default 1,000), `maxAgeMs` (default
   * 10,000; the log key expires this long after the last batch), `maxOpsBytes`
   * (default 65,536: a larger batch is logged as the ids of the containers it touched, and live replicas reload them).
   */
  log?: Partial<LogLimits>;
  /** Milliseconds `$flush()` waits before rejecting with FlushTimeoutError (default: no limit). */
  flushTimeout?: number;
  /**
   * Milliseconds after its last write at which the instance expires, as a whole (every
   * key carries the same expiry; each batch of this store slides it). Default: never.
   */
  ttl?: number;
  /**
   * Keep every batch in the instance's log, within these bounds, whether or not anyone
   * listens, for `$history()`: `{ maxEntries?, maxAgeMs? }` (defaults: 1,000 entries, no
   * age bound), `true` for the defaults, `false` to turn off what the schema's
   * `"x-redis-memory": { "history" }` turns on. Default: the schema's setting, else off.
   */
  history?: boolean | { maxEntries?: number; maxAgeMs?: number };
  /** The name this process's batches carry in `$history()` (e.g. "worker-3"); default: the store's client id. */
  writer?: string;
}

export interface ResolvedOptions {
  readonly redis: RedisOption | undefined;
  readonly id: string;
  readonly prefix: string;
  readonly live: boolean;
  readonly init: Readonly<Record<string, unknown>>;
  readonly offline: boolean;
  readonly connectTimeout: number;
  readonly waitReplicas: { readonly replicas: number; readonly timeout: number } | undefined;
  readonly onInvalid: "fail" | "load-valid" | ((error: ValidationError, leftOut: readonly LeftOutPlace[]) => void);
  readonly log: LogLimits;
  readonly flushTimeout: number | undefined;
  readonly ttl: number | undefined;
  /** The `history` option as given (the schema's setting applies when it is undefined). */
  readonly history: HistoryLimits | false | undefined;
  readonly writer: string | undefined;
}

/** Every option `open()` takes: anything else is an OptionsError (a typo would be silently ignored). */
const OPTION_NAMES: readonly string[] = [
  "redis", "id", "prefix", "live", "init", "offline", "connectTimeout", "waitReplicas", "onInvalid", "log", "flushTimeout", "ttl", "history", "writer",
];

function checkNames(options: object): void {
  for (const name of Object.keys(options)) {
    if (OPTION_NAMES.includes(name)) continue;
    const near = OPTION_NAMES.find((known) => known.toLowerCase().startsWith(name.toLowerCase().slice(0, 3)));
    throw new OptionsError(name, `is not an option of open()${near ? ` (did you mean \`${near}\`?)` : ""}; the options are ${OPTION_NAMES.join(", ")}`);
  }
}

// Braces would move the hash tag; control characters make keys unreadable in tools.
const FORBIDDEN = /[{}\u0000-\u001f\u007f]/u;

function checkPart(option: string, value: unknown, allowEmpty: boolean): string {
  if (typeof value !== "string") throw new OptionsError(option, `expected a string, got ${typeof value}`);
  if (!allowEmpty && value.length === 0) throw new OptionsError(option, "must not be empty");
  if (value.length > 512) throw new OptionsError(option, `is ${value.length} characters long; at most 512`);
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    const shown = JSON.stringify(bad[0]);
    throw new OptionsError(option, `contains ${shown} at ${bad.index}: braces and control characters would break the instance's hash-tagged key namespace`);
  }
  if (!value.isWellFormed()) throw new OptionsError(option, "contains a lone UTF-16 surrogate");
  return value;
}

function checkOffline(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new OptionsError("offline", `must be true or false, got ${typeof value}`);
  return value;
}

function checkPositive(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new OptionsError(option, "must be a positive number of milliseconds");
  return value;
}

function checkLog(value: Partial<LogLimits> | undefined): LogLimits {
  if (value === undefined) return LOG_DEFAULTS;
  if (typeof value !== "object" || value === null) throw new OptionsError("log", "must be an object { maxEntries, maxAgeMs, maxOpsBytes }");
  const limits = { ...LOG_DEFAULTS, ...value };
  for (const [name, limit] of Object.entries(limits)) {
    if (!(name in LOG_DEFAULTS)) throw new OptionsError(`log.${name}`, `is not a log setting; the settings are ${Object.keys(LOG_DEFAULTS).join(", ")}`);
    if (!Number.isInteger(limit) || limit < 1) throw new OptionsError(`log.${name}`, `must be a positive integer, got ${String(limit)}`);
  }
  return limits;
}

/** History kept when the option or the schema turns it on without bounds. */
export const HISTORY_DEFAULTS: HistoryLimits = { maxEntries: 1_000, maxAgeMs: 0 };

/** `history` from the options or the schema's annotation, as bounds (false: off). */
export function checkHistory(value: unknown, option = "history"): HistoryLimits | false | undefined {
  if (value === undefined) return undefined;
  if (value === false) return false;
  if (value === true) return HISTORY_DEFAULTS;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new OptionsError(option, "must be true, false or { maxEntries?, maxAgeMs? }");
  const limits = { ...HISTORY_DEFAULTS };
  for (const [name, limit] of Object.entries(value)) {
    if (name !== "maxEntries" && name !== "maxAgeMs") throw new OptionsError(`${option}.${name}`, "is not a history setting; the settings are maxEntries, maxAgeMs");
    if (!Number.isSafeInteger(limit) || (limit as number) < 1) throw new OptionsError(`${option}.${name}`, `must be a positive integer, got ${String(limit)}`);
    limits[name] = limit as number;
  }
  return limits;
}

function checkWriter(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0 || value.length > 200) throw new OptionsError("writer", "must be a non-empty string of at most 200 characters");
  return value;
}

function checkWait(value: unknown): ResolvedOptions["waitReplicas"] {
  if (value === undefined) return undefined;
  const wait = value as { replicas?: unknown; timeout?: unknown };
  if (typeof value !== "object" || value === null || !Number.isInteger(wait.replicas) || (wait.replicas as number) < 1) {
    throw new OptionsError("waitReplicas", "expected { replicas, timeout } with replicas a positive integer");
  }
  if (typeof wait.timeout !== "number" || !Number.isInteger(wait.timeout) || wait.timeout < 1) {
    throw new OptionsError("waitReplicas", "`timeout` must be a positive integer of milliseconds (WAIT 0 would block forever)");
  }
  return { replicas: wait.replicas as number, timeout: wait.timeout };
}

export function resolveOptions(options: OpenOptions<object> = {}): ResolvedOptions {
  if (typeof options !== "object" || options === null) throw new OptionsError("options", `open() takes an options object, got ${options === null ? "null" : typeof options}`);
  checkNames(options);
  const timeout = options.connectTimeout ?? 5_000;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new OptionsError("connectTimeout", "must be a positive number of milliseconds");
  const onInvalid = options.onInvalid ?? "fail";
  if (onInvalid !== "fail" && onInvalid !== "load-valid" && typeof onInvalid !== "function") {
    throw new OptionsError("onInvalid", `must be "fail", "load-valid" or a function`);
  }
  const init = options.init ?? {};
  if (typeof init !== "object" || init === null || Array.isArray(init)) throw new OptionsError("init", "must be an object of field values");
  return {
    redis: options.redis,
    waitReplicas: checkWait(options.waitReplicas),
    id: checkPart("id", options.id ?? "default", false),
    prefix: checkPart("prefix", options.prefix ?? process.env.REDIS_PREFIX ?? "memory:", true),
    live: options.live ?? true,
    init: init as Record<string, unknown>,
    offline: checkOffline(options.offline),
    connectTimeout: timeout,
    onInvalid,
    log: checkLog(options.log),
    flushTimeout: checkPositive("flushTimeout", options.flushTimeout),
    ttl: checkPositive("ttl", options.ttl),
    history: checkHistory(options.history),
    writer: checkWriter(options.writer),
  };
}

/** `<prefix>{<Store>:<id>}`: the braces are a hash tag, so the whole instance shares one cluster slot. */
export function namespaceOf(prefix: string, storeName: string, id: string): string {
  return `${prefix}{${storeName}:${id}}`;
}
