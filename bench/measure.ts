// Timing helpers: every comparison runs its contenders interleaved (ours, peer,
// peer, ours, ...) for several rounds and keeps the median of each, so that a
// slow moment of the machine lands on both sides instead of one.
import { performance } from "node:perf_hooks";

/** One side of a comparison: a setup that is not timed, then the timed run. */
export interface Contender {
  readonly name: string;
  /** Untimed preparation before each timed run (fresh list, fresh key...). */
  readonly setup?: () => Promise<void> | void;
  /** The timed part; resolves when the work is acknowledged. */
  readonly run: () => Promise<void> | void;
  /** Untimed cleanup after each run. */
  readonly teardown?: () => Promise<void> | void;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export async function timeOnce(fn: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Runs every contender once per round, alternating the order each round, after
 * `warmup` untimed rounds; returns each contender's median time in ms (and the samples).
 * `collect`: each run starts after a full GC (when node runs with --expose-gc, as `npm
 * run bench` does), for contenders that leave much garbage (100k commands) that the next
 * one would otherwise pay for. Not for read loops: V8 runs them slower after a full GC.
 */
export async function interleave(
  contenders: readonly Contender[],
  options: { rounds: number; warmup?: number; collect?: boolean },
): Promise<Map<string, { medianMs: number; samples: number[] }>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const warmup = options.warmup ?? 1;
  for (let round = 0; round < warmup + options.rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      await contender.setup?.();
      // Each run starts from a collected heap: none pays for another's garbage.
      if (options.collect) gc();
      const ms = await timeOnce(contender.run);
      await contender.teardown?.();
      if (round >= warmup) samples.get(contender.name)!.push(ms);
    }
  }
  const out = new Map<string, { medianMs: number; samples: number[] }>();
  for (const [name, list] of samples) out.set(name, { medianMs: median(list), samples: list });
  return out;
}

/** Runs a full garbage collection when node was started with --expose-gc. */
export function gc(): boolean {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) return false;
  collect();
  collect();
  return true;
}
