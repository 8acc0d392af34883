// Fixture: a local Redis Cluster for the test run (3 masters, 1 replica each, free
// loopback ports and bus ports, a password, no persistence), provided as `redisCluster`.
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startRedisCluster } from "../../scripts/redis-cluster.js";

/** Starts the cluster, provides its nodes and password; resolves to its teardown. */
export async function start(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, password: randomBytes(12).toString("hex"), nodeTimeout: 2000 });
  project.provide("redisCluster", { nodes: cluster.nodes, password: cluster.password });
  return () => cluster.stop();
}
