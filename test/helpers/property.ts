// fast-check parameters shared by the property tests. CI replays one fixed seed, so a run
// is red only when the code changed; the same tests hunt when asked to:
//   FC_SEED=random npx vitest run test/property   (new cases each run; a failure prints its seed)
//   FC_SEED=<n>                                   (replays one)
//   FC_RUNS=<factor>                              (multiplies every test's number of runs)
import type { Parameters } from "fast-check";

const FIXED_SEED = 20_261_208;

export function property<T>(numRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  const seed = process.env.FC_SEED;
  const scale = Number(process.env.FC_RUNS ?? 1);
  return {
    ...(seed === "random" ? {} : { seed: seed === undefined ? FIXED_SEED : Number(seed) }),
    numRuns: Math.max(1, Math.round(numRuns * scale)),
    ...extra,
  };
}
