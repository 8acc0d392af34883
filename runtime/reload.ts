// Reloading a store's instance: the whole instance is read again and the replica
// made equal to it (runtime/load.ts), without losing a local write made meanwhile
// and without moving the replica's log position back (the change feed waits).
import { MigrationError, SchemaVersionError, asSyncFailure } from "./errors.js";
import { applyLoad, type LoadedState } from "./load.js";
import type { Replica } from "./replica.js";
import { reloaded, targetOf, traced } from "./telemetry.js";

/** What the feed and reloads share with the store (StoreInternals has these). */
export interface SyncState {
  readonly replica: Replica;
  /** The log position the replica reflects: its seq and entry id. */
  loaded: LoadedState;
  closed: boolean;
  feed?: LoadWatcher | undefined;
  /**
   * Fills what a new instance gets (schema defaults, `init`), as open() does: called when
   * a reload finds the instance the replica reflected gone (deleted, expired, evicted,
   * lost in a restart) or made again, so that the store holds a valid instance.
   */
  renew?: (() => void) | undefined;
  /**
   * Brings an instance written at an older schema version to the store's, as open()
   * does (runtime/migrate.ts): called by a reload that finds one (an older process made
   * the instance again, or made it while this store held a new one).
   */
  migrate?: (() => Promise<void>) | undefined;
  /**
   * Checks what a reload read against this process's schema and applies `onInvalid`
   * (runtime/load-valid.ts), as open() does: nothing left out comes back unchecked.
   */
  checkLoad?: (() => void) | undefined;
}

/** Why a reload may find the instance gone: the status event it then emits. */
export type VanishStatus = "expired" | "vanished";

/** The change feed as a reload sees it: it applies no entry while a load is on the wire. */
export interface LoadWatcher {
  /** A load starts (+1) or ends (-1). */
  hold(delta: number): void;
  /** The replica now equals Redis at `state.loaded`, which includes `coveredBatches` own batches. */
  reloaded(coveredBatches: number): void;
}

/** Longest pause between retries of a reload that failed. */
const MAX_RETRY_MS = 2_000;

/**
 * Reloads the whole instance into the replica (nodes are reused by id, so
 * collections user code holds stay attached) and emits status "reloaded".
 * A load only counts when no local write was made while it was on the wire:
 * such a write is in the replica but not in the loaded data.
 * Versions are checked as open() checks them: an instance this store's schema version
 * may not write is refused (SchemaVersionError, the replica left as it was), one at an
 * older version is migrated (`state.migrate`).
 */
export function reload(state: SyncState, vanish: VanishStatus = "vanished"): Promise<void> {
  return traced("reload", targetOf(state.replica.ns), async () => {
    const made = await reloadOnce(state, vanish);
    if (olderThanStore(state) && !state.closed) {
      await state.migrate?.();
      // Checked (`onInvalid`) once migrated, not in the older version's shape it was read in.
      if (!state.closed) state.checkLoad?.();
    }
    if (made) renew(state, vanish);
  });
}

/** Whether the replica holds an instance written at a version below the store's (a migration may be due). */
function olderThanStore(state: SyncState): boolean {
  return (state.loaded.version ?? 1) < state.replica.batches.version.version;
}

/** A reload without the migration (the migration's own reads: the steps run on what was read, unchecked). */
export function reloadData(state: SyncState, vanish: VanishStatus = "vanished"): Promise<void> {
  return traced("reload", targetOf(state.replica.ns), async () => {
    if (await reloadOnce(state, vanish)) renew(state, vanish);
  });
}

/** Loads the instance into the replica; true when it is gone or was made again (the caller renews it). */
async function reloadOnce(state: SyncState, vanish: VanishStatus): Promise<boolean> {
  const replica = state.replica;
  // The feed applies nothing while a load is on the wire, so the load holds every
  // entry the replica has: the replica's position never moves back.
  const feed = state.feed;
  feed?.hold(+1);
  try {
    for (;;) {
      await replica.batches.settled();
      if (state.closed) return false;
      if (replica.batches.hasPendingWrites) continue;
      const before = replica.batches.sentBatches;
      const reply = await replica.backend.load(replica.ns, replica.containerKinds());
      if (state.closed) return false;
      if (replica.batches.sentBatches !== before || replica.batches.hasPendingWrites) continue;
      // A newer deploy migrated the instance: its data is not this version's to hold.
      const { version } = replica.batches.version;
      if (reply.epoch !== "" && reply.vmin > version) throw new SchemaVersionError(replica.ns, version, reply.vmin, reply.version);
      const had = replica.batches.epoch;
      state.loaded = applyLoad(replica, reply);
      // An older instance is checked once migrated (reload()): leaving out what the older
      // shape has and this one does not would lose it from the migration's input.
      if (!olderThanStore(state)) state.checkLoad?.();
      reloaded(targetOf(replica.ns));
      feed?.reloaded(before);
      replica.events.emit("status", { status: "reloaded" });
      // The instance the replica reflected is gone (or was made again): hold a valid new one.
      return had !== "" && reply.epoch !== had;
    }
  } finally {
    feed?.hold(-1);
  }
}

/** Fills the new instance's defaults and `init` (written set-if-absent by the next batch), then says so. */
function renew(state: SyncState, status: VanishStatus): void {
  try {
    state.renew?.();
  } catch (error) {
    state.replica.events.emit("error", asSyncFailure(state.replica.ns, "filling the defaults of the instance made again", error));
  }
  state.replica.events.emit("status", { status });
}

/**
 * A reload failure that retrying cannot cure: the instance is at a version this store
 * may not write, or its migration fails. Said once; the next write or $refresh() asks again.
 */
export function isLasting(error: unknown): boolean {
  return error instanceof SchemaVersionError || error instanceof MigrationError;
}

/** Reloads until a load succeeds (each failure is an `error` event, then a growing pause); ends early when the store closes. */
export async function reloadUntilDone(state: SyncState): Promise<void> {
  let retry = 50;
  while (!state.closed) {
    try {
      return await reload(state);
    } catch (error) {
      if (state.closed) return;
      state.replica.events.emit("error", asSyncFailure(state.replica.ns, "reloading", error));
      if (isLasting(error)) return;
      await new Promise((resolve) => setTimeout(resolve, retry).unref());
      retry = Math.min(retry * 2, MAX_RETRY_MS);
    }
  }
}
