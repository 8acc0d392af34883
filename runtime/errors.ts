// Every error the runtime throws. Each carries the data a caller needs (path, key,
// pointer, cause) and a sentence naming what to look at.

export type DataPath = readonly (string | number)[];

export function formatPath(path: DataPath): string {
  if (path.length === 0) return "(root)";
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

export class RedisMemoryError extends Error {
  override name = "RedisMemoryError";
}

/** A value that is not JSON data (undefined in an array, NaN, a Date, a cycle...). */
export class NotJsonError extends RedisMemoryError {
  override name = "NotJsonError";
  constructor(
    readonly path: DataPath,
    readonly reason: string,
  ) {
    super(`${formatPath(path)}: ${reason}; redis-memory stores JSON values only`);
  }
}

/** One mismatch between a value and its schema. */
export interface ValidationProblem {
  readonly path: DataPath;
  readonly schemaPointer: string;
  readonly message: string;
}

/** A write (or data loaded from Redis) that does not match the schema. Nothing was changed. */
export class ValidationError extends RedisMemoryError {
  override name = "ValidationError";
  /** Path of the first problem, from the store root. */
  readonly path: DataPath;
  readonly schemaPointer: string;
  constructor(readonly problems: readonly ValidationProblem[]) {
    // A union place that matched no option is the summary; its options' complaints follow.
    const first = problems.find((p) => /\/(oneOf|anyOf)$/.test(p.schemaPointer)) ?? problems[0] ?? { path: [], schemaPointer: "", message: "invalid" };
    super([first, ...problems.filter((p) => p !== first)].map((p) => `${formatPath(p.path)}: ${p.message}${p.schemaPointer ? ` (schema ${p.schemaPointer})` : ""}`).join("\n"));
    this.path = first.path;
    this.schemaPointer = first.schemaPointer;
  }
}

/** A write through a collection that was replaced or removed (or whose store was closed). */
export class DetachedError extends RedisMemoryError {
  override name = "DetachedError";
  /** Where the collection was when it left the data, from the store root. */
  constructor(readonly path: DataPath) {
    super(
      `this collection (last at ${formatPath(path)}) was replaced or removed from its store, ` +
        "so writing through it would be lost; read the field again from the store to get the current collection",
    );
  }
}

/** An operation on a list or dict that cannot be done (index out of range, missing key...). */
export class OperationError extends RedisMemoryError {
  override name = "OperationError";
  constructor(
    readonly path: DataPath,
    message: string,
  ) {
    super(`${formatPath(path)}: ${message}`);
  }
}

/**
 * A write that would overwrite, move or drop data `onInvalid: "load-valid"` left out of
 * the replica (Redis still holds it): writing it would lose it without anyone having
 * written that place. `path` is the container written to; `leftOut` the places in it
 * that Redis holds and the replica does not show. Nothing was changed. Replacing the
 * container whole (assigning it, `clear()`), or repairing the data in Redis and
 * calling `$refresh()`, is what works.
 */
export class LeftOutError extends RedisMemoryError {
  override name = "LeftOutError";
  constructor(
    readonly path: DataPath,
    readonly leftOut: readonly DataPath[],
    what: string,
  ) {
    super(
      `${formatPath(path)}: ${what} would overwrite or drop what Redis holds at ${leftOut.map(formatPath).join(", ") || "a place inside it"}, ` +
        "which this store left out as invalid when it loaded (onInvalid: \"load-valid\"); replace the container whole, or repair the data in Redis and call $refresh()",
    );
  }
}

/** One place `onInvalid: "load-valid"` left out of the replica (Redis keeps it). */
export interface LeftOutPlace {
  /** Where, from the store root, as Redis holds it (a list index is its position in Redis). */
  readonly path: DataPath;
  /** The raw value Redis holds there (undefined: Redis holds none, for a required field shown as its default). */
  readonly value: unknown;
  /** Why: the schema's problems with that value, paths from the store root. */
  readonly problems: readonly ValidationProblem[];
  /** What the replica shows there instead: the schema default of a required field (absent: nothing). */
  readonly fallback?: unknown;
}

/**
 * Redis could not be reached, refused the connection's credentials (`command` AUTH), or
 * what answered is not a Redis server; or the connection was lost.
 */
export class ConnectionError extends RedisMemoryError {
  override name = "ConnectionError";
  /** Milliseconds spent trying, when known. */
  readonly elapsed: number | undefined;
  /** The command the server refused (AUTH, HELLO, ...), when it refused one. */
  readonly command: string | undefined;
  constructor(message: string, options?: ErrorOptions & { elapsed?: number | undefined; command?: string | undefined }) {
    super(message, options);
    this.elapsed = options?.elapsed;
    this.command = options?.command;
  }
}

/**
 * An error as the library keeps it for `cause`: a client library's error may carry the
 * command's arguments (an AUTH password, a script's source) or the bytes it read; only
 * its name, message and errno code are kept.
 */
export function bareCause(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof RedisMemoryError) return error;
  const bare: Error & { code?: string } = new Error(error.message);
  bare.name = error.name;
  // A socket's errno name (ECONNREFUSED, ...) says what happened and holds no secret.
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") bare.code = code;
  return bare;
}

/** `$flush()` with the open option `waitReplicas`: fewer replicas than asked acknowledged the writes in time. */
export class ReplicaWaitError extends RedisMemoryError {
  override name = "ReplicaWaitError";
  constructor(
    readonly wanted: number,
    readonly acknowledged: number,
    readonly timeout: number,
  ) {
    super(
      `${acknowledged} of the ${wanted} replicas asked for (\`waitReplicas\`) acknowledged the writes within ${timeout} ms; ` +
        "the primary holds them, a failover before the replicas catch up may lose them",
    );
  }
}

/**
 * Why a batch was refused: `conflict` (another writer changed what it wrote into),
 * `epoch` (the instance was deleted, expired or recreated since the replica loaded it),
 * `evicted` (Redis evicted some of its keys), `corrupt` (its keys hold what this
 * library did not write), `format` (written by another version), `order` (an earlier
 * batch of the store was refused), `redis` (Redis refused the call: ACL, OOM, ...),
 * `stale` (a transaction's reads were changed by another writer: it runs again),
 * `bound` (a transaction writes more than one atomic batch holds: docs/guides/batches.md).
 */
export type WriteErrorCode = "conflict" | "epoch" | "evicted" | "corrupt" | "format" | "order" | "redis" | "stale" | "version" | "bound";

/** Redis refused a batch of writes; nothing of the batch was applied. */
export class WriteError extends RedisMemoryError {
  override name = "WriteError";
  readonly code: WriteErrorCode;
  constructor(
    readonly key: string,
    message: string,
    options?: ErrorOptions & { code?: WriteErrorCode },
  ) {
    const code = options?.code ?? "conflict";
    super(`writing to ${key} failed: ${code === "epoch" ? epochReason(message) : message}`, options);
    this.code = code;
  }
}

/**
 * The batch script's epoch refusal ("instance epoch is <"epoch" or missing ...>, the batch
 * was made for <epoch>") in words: the instance this replica loaded is gone.
 */
function epochReason(reason: string): string {
  const found = /^instance epoch is (missing|false|nil|\S+)/.exec(reason);
  if (!found) return reason;
  const what = found[1] === "missing" || found[1] === "false" || found[1] === "nil"
    ? "the instance no longer exists in Redis (deleted, expired, evicted, or lost in a restart without persistence)"
    : "the instance was deleted and created again since this store loaded it";
  return `${what}, so these writes, made to the instance that was, were not applied; the store reloads and holds the instance Redis has now (write again if they still apply)`;
}

/** Redis answered one of the library's commands other than a batch with an error (ACL, OOM, MOVED, ...). */
export class RedisCommandError extends RedisMemoryError {
  override name = "RedisCommandError";
  constructor(
    readonly key: string,
    readonly command: string,
    cause: Error,
  ) {
    super(`${command} of ${key} failed: ${cause.message}`, { cause });
  }
}

/** Data in Redis that this store cannot read (wrong key type, invalid JSON, ...). */
export class CorruptDataError extends RedisMemoryError {
  override name = "CorruptDataError";
  constructor(
    readonly key: string,
    readonly field: string | number | undefined,
    reason: string,
  ) {
    super(`${key}${field === undefined ? "" : ` [${String(field)}]`}: ${reason}`);
  }
}

/** Bad options to `open()` (id, prefix, redis). */
export class OptionsError extends RedisMemoryError {
  override name = "OptionsError";
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`option \`${option}\`: ${message}`);
  }
}

/** `$flush({ timeout })` (or the open option `flushTimeout`) ran out; the writes stay queued and are still sent, once. */
export class FlushTimeoutError extends RedisMemoryError {
  override name = "FlushTimeoutError";
  constructor(
    readonly key: string,
    readonly timeout: number,
  ) {
    super(`writes to ${key} were not acknowledged by Redis within ${timeout} ms; they stay queued and are sent exactly once when Redis answers (raise \`timeout\` of $flush() or the open option \`flushTimeout\`)`);
  }
}

/** `$transaction(fn)` found what it read changed by another writer on every attempt. */
export class ConflictError extends RedisMemoryError {
  override name = "ConflictError";
  constructor(
    readonly key: string,
    readonly attempts: number,
  ) {
    super(`the transaction on ${key} conflicted with other writers ${attempts} times in a row; nothing of it was applied (retry later, or use $incr for counters)`);
  }
}

/** The store was closed; open it again to use it. */
export class ClosedError extends RedisMemoryError {
  override name = "ClosedError";
  constructor() {
    super("this store was closed with $close(); open it again to read or write");
  }
}

/** A runtime function was given something it does not take (not a synced dict, not a store, ...). */
export class UsageError extends RedisMemoryError {
  override name = "UsageError";
}

/** A generated store's schema bundle lacks a place its shape names, or ajv cannot compile it: the generated code is stale. */
export class GeneratedCodeError extends RedisMemoryError {
  override name = "GeneratedCodeError";
  constructor(
    readonly schemaPointer: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`the generated store's schema at #${schemaPointer}: ${reason}; regenerate the store with redis-memory-gen`, options);
  }
}

/** A `change`, `error` or `status` listener threw; the write path went on. The listener's error is `cause`. */
export class ListenerError extends RedisMemoryError {
  override name = "ListenerError";
  constructor(
    readonly event: string,
    cause: unknown,
  ) {
    super(`a \`${event}\` listener (registered with $on) threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Work the store does in the background to stay equal to Redis (reloading, catching up
 * with the change log, syncing writes made offline, watching the expiry) failed with
 * an error that is not one of the library's (it is `cause`); the store retries.
 */
export class SyncError extends RedisMemoryError {
  override name = "SyncError";
  constructor(
    readonly key: string,
    readonly task: string,
    cause: unknown,
  ) {
    super(`${task} of ${key} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause: bareCause(cause) });
  }
}

/** `error` as the runtime reports it: itself when it is one of the library's errors, else a SyncError of `task` with `error` as the cause. */
export function asSyncFailure(key: string, task: string, error: unknown): RedisMemoryError {
  return error instanceof RedisMemoryError ? error : new SyncError(key, task, error);
}

/** The end of an exhaustive switch: reaching it is a bug of the runtime. */
export function unreachable(value: never): never {
  throw new RedisMemoryError(`internal error: unexpected ${JSON.stringify(value)} (a bug of redis-memory; please report it)`);
}

/**
 * The instance's schema version does not let this process write it: its lowest
 * writable version (`ns:meta` vmin) is above this store's version (a newer deploy
 * migrated it: an old pod never writes over a newer shape).
 */
export class SchemaVersionError extends RedisMemoryError {
  override name = "SchemaVersionError";
  constructor(
    readonly key: string,
    /** This process's schema version (the store class's). */
    readonly storeVersion: number,
    /** The instance's lowest writable version. */
    readonly instanceMinVersion: number,
    /** The highest schema version that wrote the instance. */
    readonly instanceVersion: number,
  ) {
    super(
      `${key} is at schema version ${instanceVersion} and may only be written by version ${instanceMinVersion} or later; ` +
        `this store has schema version ${storeVersion}: deploy the newer code (or roll back the migration, docs/guides/schema-evolution.md)`,
    );
  }
}

/** A migration step threw, returned something that is not a JSON object, or its result fails the schema. Nothing was written. */
export class MigrationError extends RedisMemoryError {
  override name = "MigrationError";
  constructor(
    readonly key: string,
    /** The step: from this version ... */
    readonly from: number,
    /** ... to this one. */
    readonly to: number,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`migrating ${key} from schema version ${from} to ${to} failed: ${reason}; nothing was written`, options);
  }
}
