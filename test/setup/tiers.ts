// The test tiers, one vitest project each (vitest.config.ts): which files a tier runs and
// which shared servers its files need. A file's name or folder says its tier:
//   test/faults/**            faults    the single server and the Cluster (and servers of its own)
//   *.unit.test.ts            unit      no Redis at all: no server starts
//   *.cluster.test.ts         cluster   the shared Redis Cluster (`inject("redisCluster")`)
//   *.sentinel.test.ts        sentinel  the Sentinel setup (`inject("redisSentinel")`)
//   any other *.test.ts       redis     the single redis-server (`inject("redisUrl")`)
// A file that starts servers of its own only (scripts/, helpers/servers.ts) belongs to
// the tier of the topology it tests. See test/README.md.

/** A shared server setup of the test run (test/setup/<fixture module>). */
export type Fixture = "server" | "cluster" | "sentinel";

export interface Tier {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly fixtures: readonly Fixture[];
}

const FAULTS = "test/faults/**";
const SUFFIXED = ["test/**/*.unit.test.ts", "test/**/*.cluster.test.ts", "test/**/*.sentinel.test.ts"] as const;

export const TIERS = {
  unit: { include: ["test/**/*.unit.test.ts"], exclude: [FAULTS], fixtures: [] },
  redis: { include: ["test/**/*.test.ts"], exclude: [FAULTS, ...SUFFIXED], fixtures: ["server"] },
  cluster: { include: ["test/**/*.cluster.test.ts"], exclude: [FAULTS], fixtures: ["cluster"] },
  sentinel: { include: ["test/**/*.sentinel.test.ts"], exclude: [FAULTS], fixtures: ["sentinel"] },
  faults: { include: [`${FAULTS}/*.test.ts`], exclude: [], fixtures: ["server", "cluster"] },
} as const satisfies Record<string, Tier>;

export type TierName = keyof typeof TIERS;

export function isTierName(name: string): name is TierName {
  return Object.hasOwn(TIERS, name);
}
