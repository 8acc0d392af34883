// Batches of any size on the Cluster: a million values or dict keys in one tick
// (large-ticks.ts), where every batch is one script call with its values as arguments.
import { clusterClient } from "../helpers/cluster.js";
import { largeTicks } from "./large-ticks.js";

largeTicks("a Cluster", () => clusterClient());
