// The test run's local Redis Cluster (see test/setup/redis-cluster.ts), or one of a
// test file's own (servers.ts `privateCluster()`, for tests that kill nodes): clients
// for it and for each node, the slot of a key, and moving a slot key by key from its
// master to another while clients keep writing (CLUSTER SETSLOT + MIGRATE).
import { Cluster, Redis, type ClusterOptions } from "ioredis";
import type { ClusterNodeInfo } from "../../scripts/redis-cluster.js";
import { afterStores, provided } from "./redis.js";

/** A cluster's nodes and password: the test run's (`clusterInfo()`) or a `privateCluster()`. */
export interface ClusterRef {
  readonly nodes: readonly ClusterNodeInfo[];
  readonly password: string;
}

export const clusterInfo = (): ClusterRef => provided("redisCluster");

const opened: (Redis | Cluster)[] = [];
afterStores(async () => {
  await Promise.allSettled(opened.splice(0).map((client) => client.quit()));
});

/** An ioredis Cluster client (its own connections), closed after the file's tests once its stores are. */
export function clusterClient(options: ClusterOptions = {}, cluster: ClusterRef = clusterInfo()): Cluster {
  const { nodes, password } = cluster;
  const client = new Cluster(
    nodes.filter((node) => node.role === "master").map(({ host, port }) => ({ host, port })),
    { ...options, redisOptions: { password, ...options.redisOptions } },
  );
  client.on("error", () => {});
  opened.push(client);
  return client;
}

/** A plain client of one node, closed after the file's tests. */
export function nodeClient(node: Pick<ClusterNodeInfo, "host" | "port">, cluster: ClusterRef = clusterInfo()): Redis {
  const client = new Redis({ host: node.host, port: node.port, password: cluster.password });
  client.on("error", () => {});
  opened.push(client);
  return client;
}

/** The hash slot of `key` (CLUSTER KEYSLOT). */
export async function slotOf(key: string, cluster: ClusterRef = clusterInfo()): Promise<number> {
  const node = cluster.nodes[0]!;
  const client = new Redis({ host: node.host, port: node.port, password: cluster.password });
  try {
    return Number(await client.call("CLUSTER", "KEYSLOT", key));
  } finally {
    await client.quit();
  }
}

interface ClusterShard {
  readonly master: { id: string; host: string; port: number };
  readonly slots: [number, number][];
}

/** The masters (by CLUSTER SLOTS of a node) and the slot ranges each serves. */
async function shards(via: Redis): Promise<ClusterShard[]> {
  const reply = (await via.call("CLUSTER", "SLOTS")) as [number, number, [string, number, string], ...unknown[]][];
  const byId = new Map<string, ClusterShard>();
  for (const [first, last, [host, port, id]] of reply) {
    const shard = byId.get(id) ?? { master: { id, host, port }, slots: [] };
    shard.slots.push([first, last]);
    byId.set(id, shard);
  }
  return [...byId.values()];
}

/** The master that serves `slot` now. */
export async function masterOf(slot: number, cluster: ClusterRef = clusterInfo()): Promise<ClusterNodeInfo> {
  const info = cluster;
  const via = nodeClient(info.nodes.find((node) => node.role === "master")!, cluster);
  const shard = (await shards(via)).find((s) => s.slots.some(([first, last]) => first <= slot && slot <= last));
  const node = shard && info.nodes.find((n) => n.id === shard.master.id);
  if (!node) throw new Error(`no master serves slot ${slot}`);
  return node;
}

/** A key that the target already held when MIGRATE came with the source's copy (someone wrote it on both nodes). */
export interface MigrateConflict {
  readonly key: string;
  readonly source: string;
  readonly target: string;
}

export interface MigrateOptions {
  /** Default the test run's cluster. */
  cluster?: ClusterRef;
  /** The master to move the slot to; default another master than its owner. */
  to?: ClusterNodeInfo;
  /** Called after each key moved (the slot is half-migrated meanwhile); awaited. */
  afterKey?: (key: string, moved: number) => Promise<void> | void;
}

/**
 * Moves `slot` from the master serving it to another one key by key, the way
 * `redis-cli --cluster reshard` does: IMPORTING on the target, MIGRATING on the source,
 * then GETKEYSINSLOT + MIGRATE one key at a time until the source holds none (keys that
 * writers create meanwhile included), then SETSLOT NODE everywhere. Resolves to the
 * source, the target, the number of keys moved and the keys found on both nodes.
 */
export async function migrateSlot(
  slot: number,
  options: MigrateOptions = {},
): Promise<{ from: ClusterNodeInfo; to: ClusterNodeInfo; moved: number; conflicts: MigrateConflict[] }> {
  const info = options.cluster ?? clusterInfo();
  const from = await masterOf(slot, info);
  const to = options.to ?? info.nodes.find((node) => node.role === "master" && node.id !== from.id)!;
  if (to.id === from.id) throw new Error(`slot ${slot} is already served by ${to.port}`);
  const source = nodeClient(from, info);
  const target = nodeClient(to, info);
  await target.call("CLUSTER", "SETSLOT", slot, "IMPORTING", from.id);
  await source.call("CLUSTER", "SETSLOT", slot, "MIGRATING", to.id);
  let moved = 0;
  const conflicts: MigrateConflict[] = [];
  const describe = async (node: Redis, key: string): Promise<string> => {
    // ASKING (valid for one command): the target answers for a slot it is importing.
    const asking = async (): Promise<void> => {
      if (node === target) await node.call("ASKING");
    };
    await asking();
    const type = await node.type(key);
    await asking();
    const size = type === "list" ? await node.llen(key) : type === "hash" ? await node.hlen(key) : type === "stream" ? await node.xlen(key) : undefined;
    return size === undefined ? type : `${type} of ${size}`;
  };
  for (;;) {
    const keys = (await source.call("CLUSTER", "GETKEYSINSLOT", slot, 1)) as string[];
    const key = keys[0];
    if (key === undefined) break;
    // MIGRATE answers NOKEY when a writer deleted the key meanwhile: the next GETKEYSINSLOT decides.
    try {
      await source.call("MIGRATE", to.host, to.port, "", 0, 10_000, "AUTH", info.password, "KEYS", key);
    } catch (error) {
      if (!/BUSYKEY/.test((error as Error).message)) throw error;
      // Written on both nodes: recorded for the test to report, then the source's copy wins so that the migration ends.
      conflicts.push({ key, source: await describe(source, key), target: await describe(target, key) });
      await source.call("MIGRATE", to.host, to.port, "", 0, 10_000, "REPLACE", "AUTH", info.password, "KEYS", key);
    }
    moved += 1;
    await options.afterKey?.(key, moved);
  }
  // The target first, so that it serves the slot before the source redirects there.
  await target.call("CLUSTER", "SETSLOT", slot, "NODE", to.id);
  await source.call("CLUSTER", "SETSLOT", slot, "NODE", to.id);
  for (const node of info.nodes.filter((n) => n.role === "master" && n.id !== from.id && n.id !== to.id)) {
    await nodeClient(node, info).call("CLUSTER", "SETSLOT", slot, "NODE", to.id);
  }
  return { from, to, moved, conflicts };
}

/** Every key of `slot` on the master serving it (CLUSTER GETKEYSINSLOT). */
export async function keysInSlot(slot: number, cluster: ClusterRef = clusterInfo()): Promise<string[]> {
  const owner = nodeClient(await masterOf(slot, cluster), cluster);
  return (await owner.call("CLUSTER", "GETKEYSINSLOT", slot, 100_000)) as string[];
}
