// Batches of any size on a Cluster: a million values or dict keys in one tick
// (large-ticks.ts), where every batch is one script call with its values as arguments.
// The Cluster is this file's own, without replicas: minutes of bulk writes on a busy
// machine must not fail over the shared Cluster under other test files.
import { clusterClient, masterOf, nodeClient, slotOf, type ClusterRef } from "../helpers/cluster.js";
import { privateCluster } from "../helpers/servers.js";
import { largeTicks } from "./large-ticks.js";

let cluster: Promise<ClusterRef> | undefined;

largeTicks("a Cluster", async () => {
  const ref = await (cluster ??= privateCluster({ masters: 3, replicasPerMaster: 0 }));
  return {
    redis: clusterClient({}, ref),
    owner: async (ns: string) => nodeClient(await masterOf(await slotOf(`${ns}:meta`, ref), ref), ref),
  };
});
