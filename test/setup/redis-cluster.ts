// Fixture: a local Redis Cluster for the test run (3 masters, 1 replica each, free
// loopback ports and bus ports, a password, no persistence), provided as `redisCluster`.
import { randomBytes } from "node:crypto";
import { startRedisCluster } from "../../scripts/redis-cluster.js";
import type { StartedFixture } from "./registry.js";

/** Starts the cluster; provides its nodes and password. */
export async function start(): Promise<StartedFixture> {
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, password: randomBytes(12).toString("hex"), nodeTimeout: 2000 });
  return {
    provide: (project) => project.provide("redisCluster", { nodes: cluster.nodes, password: cluster.password }),
    stop: () => cluster.stop(),
  };
}
