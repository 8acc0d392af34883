// What the global setup provides to tests (`inject("redisUrl")`, `inject("redisCluster")`).
import "vitest";
import type { ClusterNodeInfo } from "../scripts/redis-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    /** The local Redis Cluster of the test run: every node (masters and replicas) and the password they require. */
    redisCluster: { nodes: readonly ClusterNodeInfo[]; password: string };
  }
}
