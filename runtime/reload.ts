// Reloading a store's instance: the whole instance is read again and the replica
// made equal to it (runtime/load.ts), without losing a local write made meanwhile
// and without moving the replica's log position back (the change feed waits).
import { asSyncFailure } from "./errors.js";
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
 */
export function reload(state: SyncState, vanish: VanishStatus = "vanished"): Promise<void> {
  return traced("reload", targetOf(state.replica.ns), () => reloadOnce(state, vanish));
}

async function reloadOnce(state: SyncState, vanish: VanishStatus): Promise<void> {
  const replica = state.replica;
  // The feed applies nothing while a load is on the wire, so the load holds every
  // entry the replica has: the replica's position never moves back.
  const feed = state.feed;
  feed?.hold(+1);
  try {
    for (;;) {
      await replica.batches.settled();
      if (state.closed) return;
      if (replica.batches.hasPendingWrites) continue;
      const before = replica.batches.sentBatches;
      const reply = await replica.backend.load(replica.ns, replica.containerKinds());
      if (state.closed) return;
      if (replica.batches.sentBatches !== before || replica.batches.hasPendingWrites) continue;
      const had = replica.batches.epoch;
      state.loaded = applyLoad(replica, reply);
      state.checkLoad?.();
      reloaded(targetOf(replica.ns));
      feed?.reloaded(before);
      replica.events.emit("status", { status: "reloaded" });
      // The instance the replica reflected is gone (or was made again): hold a valid new one.
      if (had !== "" && reply.epoch !== had) renew(state, vanish);
      return;
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

/** Reloads until a load succeeds (each failure is an `error` event, then a growing pause); ends early when the store closes. */
export async function reloadUntilDone(state: SyncState): Promise<void> {
  let retry = 50;
  while (!state.closed) {
    try {
      return await reload(state);
    } catch (error) {
      if (state.closed) return;
      state.replica.events.emit("error", asSyncFailure(state.replica.ns, "reloading", error));
      await new Promise((resolve) => setTimeout(resolve, retry).unref());
      retry = Math.min(retry * 2, MAX_RETRY_MS);
    }
  }
}
