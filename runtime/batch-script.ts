// How a batch reaches the batch script (runtime/lua/apply.lua). By default as a Redis
// Function: a library loaded once per server, whose helpers and operation rows are
// defined when it loads, so that each FCALL runs only the batch's own work (an EVAL
// script runs its whole body, ~1,400 lines of definitions, on every call). Else as an
// EVAL script (EVALSHA, ioredis loading it on NOSCRIPT): a server without functions
// (Redis 6), or a user who may not run FCALL or FUNCTION LOAD (docs/guides/acl.md).
// Both forms are the same file, so they apply, refuse and answer alike; a batch resent
// by the other form after an unknown outcome is a duplicate the script recognises.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";

type Connection = Redis | Cluster;
type Args = readonly (string | number)[];
/** ioredis flattens an array argument into the command's arguments (its Command does). */
interface Calls {
  call(command: string, name: string, args: Args): Promise<unknown>;
}

const sha1 = (text: string): string => createHash("sha1").update(text).digest("hex");
const BODY = readFileSync(new URL("./lua/apply.lua", import.meta.url), "utf8");
/** Names the library by its text: processes of two versions (a rolling deploy) each call their own. */
const VERSION = sha1(BODY).slice(0, 16);

/** The EVAL form: `main` called with the script's KEYS and ARGV (the prefix shares line 1, so line numbers hold). */
export const APPLY_EVAL = `local CALL_KEYS, CALL_ARGV = KEYS, ARGV ${BODY}\nreturn main(CALL_KEYS, CALL_ARGV)\n`;
export const APPLY_SHA = sha1(APPLY_EVAL);
/** The library's name and its one function's (FUNCTION LIST, FCALL). */
export const APPLY_LIBRARY_NAME = `redis_memory_${VERSION}`;
export const APPLY_FUNCTION = `redis_memory_apply_${VERSION}`;
export const APPLY_LIBRARY = `#!lua name=${APPLY_LIBRARY_NAME}\n${BODY}\nredis.register_function('${APPLY_FUNCTION}', main)\n`;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
/** The server has no such function (never loaded, FUNCTION FLUSH, a restart without persistence, a new Cluster node). */
const NOT_FOUND = /^ERR Function not found/i;
/** Functions cannot be used here: an older server, or a user who may not run FCALL, FUNCTION LOAD or FUNCTION LIST. */
const UNAVAILABLE = /^ERR unknown (command|subcommand)|^NOPERM|no permissions to run/i;

/**
 * Calls the batch script. A library is only called once its code, read back from the
 * server, is this file's: a function is found by name, and a user who may run FUNCTION
 * LOAD could have loaded other code under it (docs/guides/acl.md says who should load).
 */
export class BatchScript {
  /** "eval" once the server, the user or the library found showed functions cannot be used. */
  private mode: "unchecked" | "function" | "eval" = "unchecked";
  private checking: Promise<void> | undefined;

  constructor(
    private readonly redis: Connection,
    /** The EVAL form, as the backend sends it (EVALSHA, EVAL on NOSCRIPT). */
    private readonly evalApply: (args: Args) => Promise<unknown>,
  ) {}

  /** Whether batches go by FCALL of the checked library (`direct` sends them). */
  get checked(): boolean {
    return this.mode === "function";
  }

  /** Runs one batch call (numkeys, KEYS, ARGV as one array: ioredis flattens it, nothing is spread). */
  run(args: Args): Promise<unknown> {
    if (this.mode === "function") return this.fcall(args).catch((error: unknown) => this.recover(error, args, false));
    return this.checkAndRun(args);
  }

  /**
   * The usual case of `run`, split so that the caller awaits ioredis' own promise (no
   * derived promise, no extra microtask per batch): the FCALL once the library is
   * checked, else undefined (call `run`). A rejection of it goes to `recover`.
   */
  direct(args: Args): Promise<unknown> | undefined {
    return this.mode === "function" ? this.fcall(args) : undefined;
  }

  /** What `run` does when the FCALL `direct` sent failed: the library loaded again, EVAL, or the error rethrown. */
  recoverDirect(error: unknown, args: Args): Promise<unknown> {
    return this.recover(error, args, false);
  }

  /** Whether batches go by FCALL here (checking the library first if it was not yet). */
  async usesFunction(): Promise<boolean> {
    if (this.mode === "unchecked") await this.check();
    return this.mode === "function";
  }

  private fcall(args: Args): Promise<unknown> {
    // In lower case: ioredis lower-cases a command's name for each of its flag lookups
    // (several per command), a new string each time unless it already is.
    return (this.redis as unknown as Calls).call("fcall", APPLY_FUNCTION, args);
  }

  /**
   * After an FCALL failed: the library gone (load it, check it and call it again, once;
   * then this call goes by EVAL), or functions refused (EVAL).
   */
  private recover(error: unknown, args: Args, retried: boolean): Promise<unknown> {
    const text = message(error);
    if (NOT_FOUND.test(text)) {
      this.mode = "unchecked";
      return retried ? this.evalApply(args) : this.checkAndRun(args, true);
    }
    if (!UNAVAILABLE.test(text)) throw error;
    // The user may not run FCALL (from now on EVAL), or a key of the call (EVAL answers that too).
    if (/'fcall'/i.test(text)) this.mode = "eval";
    return this.evalApply(args);
  }

  private async checkAndRun(args: Args, retried = false): Promise<unknown> {
    if (this.mode === "unchecked") await this.check();
    if (this.mode !== "function") return this.evalApply(args);
    return this.fcall(args).catch((error: unknown) => this.recover(error, args, retried));
  }

  /** Loads the library where it is missing (every master of a Cluster) and checks its code; one check at a time. */
  private check(): Promise<void> {
    this.checking ??= libraryStatus(this.redis)
      .then((status) => void (this.mode = status.ready ? "function" : "eval"))
      .finally(() => (this.checking = undefined));
    return this.checking;
  }
}

/** Whether the library can be called on `redis`, and if not, why (the server's answer). */
export interface LibraryStatus {
  readonly ready: boolean;
  /** The servers it was checked on (every master of a Cluster). */
  readonly servers: number;
  readonly reason?: string;
}

/**
 * Loads the library where it is missing (every master of a Cluster) and checks its code.
 * Not ready (then batches go by EVAL): the server has no functions, the user may not run
 * FUNCTION LIST or LOAD, or other code holds the library's name. Transient errors throw.
 */
export async function libraryStatus(redis: Connection): Promise<LibraryStatus> {
  const nodes: readonly Redis[] = redis.isCluster ? (redis as Cluster).nodes("master") : [redis as Redis];
  try {
    const found = await Promise.all(nodes.map((node) => loadedOn(node)));
    const ready = found.every(Boolean);
    return { ready, servers: nodes.length, ...(ready ? {} : { reason: `another library's code holds the name ${APPLY_LIBRARY_NAME}` }) };
  } catch (error) {
    const text = message(error);
    if (UNAVAILABLE.test(text)) return { ready: false, servers: nodes.length, reason: text.split("\n")[0]! };
    throw error;
  }
}

/** Whether `node` holds this library (loading it when it holds none under its name). */
async function loadedOn(node: Redis): Promise<boolean> {
  let code = await libraryCode(node);
  if (code === undefined) {
    await node.call("FUNCTION", "LOAD", APPLY_LIBRARY).catch((error: unknown) => {
      // Another process loaded it first: read back below.
      if (!/already exists/i.test(message(error))) throw error;
    });
    code = await libraryCode(node);
  }
  return code === APPLY_LIBRARY;
}

/** The code of the library named APPLY_LIBRARY_NAME on `node`, if any (FUNCTION LIST answers field, value, ... per library). */
async function libraryCode(node: Redis): Promise<string | undefined> {
  const libraries = (await node.call("FUNCTION", "LIST", "LIBRARYNAME", APPLY_LIBRARY_NAME, "WITHCODE")) as unknown[];
  for (const library of libraries) {
    if (!Array.isArray(library)) continue;
    const fields = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < library.length; i += 2) fields.set(library[i], library[i + 1]);
    // LIBRARYNAME matches by pattern: the exact name is the one.
    if (fields.get("library_name") === APPLY_LIBRARY_NAME) return String(fields.get("library_code"));
  }
  return undefined;
}

/** The name every version of the library has: redis_memory_ and the first 16 hex digits of its text's SHA-1. */
const LIBRARY_NAME = /^redis_memory_[0-9a-f]{16}$/;

/**
 * Deletes the libraries of other versions of redis-memory (every master of a Cluster);
 * returns their names. Safe while processes of those versions run: a store whose
 * function is gone loads its library again and retries the call ("Function not found",
 * as after FUNCTION FLUSH), so pruning during a rolling deploy only costs them a reload.
 */
export async function pruneLibraries(redis: Connection): Promise<string[]> {
  const nodes: readonly Redis[] = redis.isCluster ? (redis as Cluster).nodes("master") : [redis as Redis];
  const deleted = new Set<string>();
  for (const node of nodes) {
    const libraries = (await node.call("FUNCTION", "LIST", "LIBRARYNAME", "redis_memory_*")) as unknown[];
    for (const library of libraries) {
      if (!Array.isArray(library)) continue;
      const name = String(library[library.indexOf("library_name") + 1]);
      if (!LIBRARY_NAME.test(name) || name === APPLY_LIBRARY_NAME) continue;
      // Another admin may have deleted it meanwhile.
      await node.call("FUNCTION", "DELETE", name).catch((error: unknown) => {
        if (!/library not found/i.test(message(error))) throw error;
      });
      deleted.add(name);
    }
  }
  return [...deleted].sort();
}
