// Starts and stops a throwaway local Redis Cluster (masters with replicas, every port
// and bus port a free loopback one, a password, no persistence), built with CLUSTER
// ADDSLOTSRANGE / MEET / REPLICATE on servers from startRedisServer().
import { Redis } from "ioredis";
import { freePort, startRedisServer, type RedisServerHandle } from "./redis-server.js";

export interface ClusterNodeInfo {
  readonly host: string;
  readonly port: number;
  /** The cluster bus port (`--cluster-port`). */
  readonly busPort: number;
  /** The node id (CLUSTER MYID). */
  readonly id: string;
  readonly role: "master" | "replica";
  /** For a replica: the id of its master. */
  readonly masterId?: string;
  /** The redis-server process id (a test may kill it to force a failover). */
  readonly pid: number;
}

export interface RedisClusterHandle {
  readonly nodes: readonly ClusterNodeInfo[];
  readonly password: string;
  readonly servers: readonly RedisServerHandle[];
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  password: string;
  /** `cluster-node-timeout` in ms; default 2000 (a failover takes a few seconds). */
  nodeTimeout?: number;
  binary?: string;
}

const SLOTS = 16384;

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster setup: ${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

/** Starts `masters` masters with `replicasPerMaster` replicas each and waits until every node says `cluster_state:ok` and every replica is in sync. */
export async function startRedisCluster(options: RedisClusterOptions): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const perMaster = options.replicasPerMaster ?? 1;
  const count = masters * (1 + perMaster);
  const busPorts: number[] = [];
  while (busPorts.length < count) {
    const port = await freePort();
    if (!busPorts.includes(port)) busPorts.push(port);
  }
  const servers: RedisServerHandle[] = [];
  const clients: Redis[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(clients.map((client) => client.quit()));
    await Promise.allSettled(servers.map((server) => server.stop()));
  };
  try {
    const started = await Promise.all(
      busPorts.map((busPort) =>
        startRedisServer({
          password: options.password,
          ...(options.binary === undefined ? {} : { binary: options.binary }),
          config: {
            "cluster-enabled": "yes",
            "cluster-config-file": "nodes.conf",
            "cluster-node-timeout": options.nodeTimeout ?? 2000,
            "cluster-port": busPort,
            // Replicas sync at once instead of waiting 5 s for more replicas to join a diskless transfer.
            "repl-diskless-sync-delay": 0,
            // A replica of a master that died must be able to take over at once.
            "cluster-replica-validity-factor": 0,
          },
        }),
      ),
    );
    servers.push(...started);
    for (const server of servers) {
      const client = new Redis({ host: "127.0.0.1", port: server.port, password: options.password, lazyConnect: true });
      client.on("error", () => {});
      await client.connect();
      clients.push(client);
    }
    const ids = await Promise.all(clients.map(async (client) => String(await client.call("CLUSTER", "MYID"))));
    // The bus port each node listens on (startRedisServer picks another when one was taken meanwhile).
    const buses = await Promise.all(clients.map(async (client) => Number(((await client.config("GET", "cluster-port")) as string[])[1])));
    busPorts.splice(0, busPorts.length, ...buses);
    for (let m = 0; m < masters; m++) {
      const first = Math.floor((m * SLOTS) / masters);
      const last = Math.floor(((m + 1) * SLOTS) / masters) - 1;
      await clients[m]!.call("CLUSTER", "ADDSLOTSRANGE", first, last);
      await clients[m]!.call("CLUSTER", "SET-CONFIG-EPOCH", m + 1);
    }
    for (let i = 1; i < count; i++) await clients[0]!.call("CLUSTER", "MEET", "127.0.0.1", servers[i]!.port, busPorts[i]!);
    await until("every node knowing every other", 20_000, async () => {
      const infos = await Promise.all(clients.map((client) => client.call("CLUSTER", "INFO") as Promise<string>));
      return infos.every((info) => infoField(info, "cluster_known_nodes") === String(count));
    });
    const masterOf = (i: number): number => (i - masters) % masters;
    for (let i = masters; i < count; i++) await clients[i]!.call("CLUSTER", "REPLICATE", ids[masterOf(i)]!);
    await until("cluster_state:ok on every node with every replica in sync", 30_000, async () => {
      const infos = await Promise.all(clients.map((client) => client.call("CLUSTER", "INFO") as Promise<string>));
      if (!infos.every((info) => infoField(info, "cluster_state") === "ok" && infoField(info, "cluster_slots_ok") === String(SLOTS))) return false;
      const replication = await Promise.all(clients.map((client) => client.info("replication")));
      for (let i = 0; i < count; i++) {
        const info = replication[i]!;
        if (i < masters) {
          if (infoField(info, "connected_slaves") !== String(perMaster)) return false;
          for (let r = 0; r < perMaster; r++) if (!infoField(info, `slave${r}`)?.includes("state=online")) return false;
        } else if (infoField(info, "master_link_status") !== "up" || infoField(info, "master_sync_in_progress") !== "0") {
          return false;
        }
      }
      // Every node must see the same replicas (CLUSTER NODES), or a client may be sent to a node still in handshake.
      const views = await Promise.all(clients.map((client) => client.call("CLUSTER", "NODES") as Promise<string>));
      return views.every((view) => view.split("\n").filter((line) => line.split(" ")[2]?.split(",").includes("slave")).length === count - masters);
    });
    const nodes: ClusterNodeInfo[] = servers.map((server, i) => ({
      host: "127.0.0.1",
      port: server.port,
      busPort: busPorts[i]!,
      id: ids[i]!,
      role: i < masters ? "master" : "replica",
      ...(i < masters ? {} : { masterId: ids[masterOf(i)]! }),
      pid: server.process.pid ?? 0,
    }));
    await Promise.allSettled(clients.map((client) => client.quit()));
    clients.length = 0;
    return { nodes, password: options.password, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
