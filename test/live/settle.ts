// Waiting for replicas to catch up with Redis, without vitest (child workers use it too).
import type { Redis } from "ioredis";
import { storeInternals } from "../../runtime/store.js";

/** Whether the store's replica reflects the instance's latest batch (and has nothing of its own in flight). */
export async function caughtUp(store: object, redis: Redis): Promise<boolean> {
  const state = storeInternals(store);
  // Local state first: a batch acknowledged while the seq was being read would otherwise
  // pass for caught up against the seq from before it.
  const settled = (): boolean => state.feed?.current !== false && !state.replica.batches.hasPendingWrites;
  if (!settled()) return false;
  const serverSeq = Number((await redis.hget(`${state.replica.ns}:meta`, "seq")) ?? 0);
  return settled() && state.loaded.seq === serverSeq;
}

/** Resolves once every store has caught up; rejects after `timeoutMs` naming the stores that did not. */
export async function settle(stores: readonly object[], redis: Redis, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(stores.map((store) => caughtUp(store, redis)));
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) {
      const behind = stores.map((store, i) => (states[i] ? undefined : `#${i} at seq ${storeInternals(store).loaded.seq}`)).filter(Boolean);
      throw new Error(`replicas did not catch up within ${timeoutMs} ms: ${behind.join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
