// What the fixtures of each tier provide to tests (`inject("redisUrl")`, `inject("redisCluster")`; test/setup/tiers.ts).
import "vitest";
import type { ClusterNodeInfo } from "../scripts/redis-cluster.js";
import type { SentinelNodeInfo } from "../scripts/redis-sentinel.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    /** The local Redis Cluster of the test run: every node (masters and replicas) and the password they require. */
    redisCluster: { nodes: readonly ClusterNodeInfo[]; password: string };
    /** The local Sentinel setup of the test run (its primary is killed by test/deploy/failover.sentinel.test.ts). */
    redisSentinel: { name: string; primary: SentinelNodeInfo; replicas: readonly SentinelNodeInfo[]; sentinels: readonly SentinelNodeInfo[] };
  }
}
