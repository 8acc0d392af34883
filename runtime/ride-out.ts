// Reads a store makes outside a batch (a transaction's seq, a load at open or before a
// transaction) ride out what a batch rides out: a command timeout, a closed connection,
// TRYAGAIN while a Cluster slot migrates. They are plain reads, so running one again
// is always safe.
import { isTransient } from "./backend.js";
import { RedisCommandError, RedisMemoryError } from "./errors.js";

/** Longest pause between two tries. */
const MAX_PAUSE_MS = 1_000;

/** Whether `error` is a read that failed for a reason that passes (its outcome does not matter: it wrote nothing). */
function passing(error: unknown): boolean {
  return error instanceof RedisCommandError ? isTransient(error.cause) : !(error instanceof RedisMemoryError) && isTransient(error);
}

/**
 * Runs `read` until it succeeds, trying again after a transient failure with a growing
 * pause; gives up (rethrows the last failure) once `until()` says so or at `deadline` (ms since the epoch).
 */
export async function rideOut<T>(read: () => Promise<T>, stop: { until?: () => boolean; deadline?: number }): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const pause = Math.min(25 * 2 ** Math.min(attempt, 6), MAX_PAUSE_MS);
      if (!passing(error) || stop.until?.() === true || (stop.deadline !== undefined && Date.now() + pause > stop.deadline)) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
