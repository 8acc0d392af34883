// Stores on the test run's Redis Cluster (3 masters with a replica each, a password):
// the ways to name it in `redis`, instances spread over every master, live sync in one
// process and across processes.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { Memory, type RedisOption, type SyncedList } from "redis-memory";
import { storeInternals } from "../../runtime/store.js";
import { clusterClient, clusterInfo, masterOf, slotOf } from "../helpers/cluster.js";
import { uniqueId } from "../helpers/redis.js";
import { settle } from "../live/settle.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./append-worker.ts", import.meta.url));

const masters = () => clusterInfo().nodes.filter((node) => node.role === "master");
const nodeUrl = (port: number): string => `redis://:${clusterInfo().password}@127.0.0.1:${port}`;

type Opened = Memory & Record<string, unknown>;
async function withStores<T>(open: () => Promise<Opened>[], use: (stores: Opened[]) => Promise<T>): Promise<T> {
  const stores = await Promise.all(open());
  try {
    return await use(stores);
  } finally {
    await Promise.all(stores.map((store) => store.$close()));
  }
}

describe("Redis Cluster", () => {
  const ways: [string, () => RedisOption][] = [
    ["a list of node URLs carrying the password", () => ({ cluster: masters().map((node) => nodeUrl(node.port)) })],
    ["node options and the password as an option", () => ({ cluster: masters().map(({ host, port }) => ({ host, port })), password: clusterInfo().password })],
    ["the URL of one node (recognised as a Cluster node)", () => nodeUrl(masters()[0]!.port)],
    ["the user's Cluster client", () => clusterClient()],
  ];
  for (const [way, redis] of ways) {
    it(`opens 200 instances spread over every master through ${way}`, async () => {
      const option = redis();
      const ids = Array.from({ length: 200 }, (_, i) => uniqueId(`c${i}`));
      await withStores(
        () => ids.map((id) => Memory.open({ redis: option, id, live: true }) as Promise<Opened>),
        async (stores) => {
          stores.forEach((store, i) => (store.n = i));
          await Promise.all(stores.map((store) => store.$flush()));
          const reader = clusterClient();
          const values = await Promise.all(stores.map((store) => reader.hget(`${store.$key}:root`, "n")));
          expect(values).toEqual(ids.map((_, i) => String(i)));
          const owners = new Set<string>();
          for (const store of stores.slice(0, 30)) owners.add((await masterOf(await slotOf(store.$key))).id);
          expect(owners.size).toBe(3);
        },
      );
    });
  }

  it("keeps live stores of one instance in sync, whichever way each was opened", async () => {
    const id = uniqueId("sync");
    const reader = clusterClient();
    await withStores(
      () => [
        Memory.open({ redis: { cluster: masters().map((node) => nodeUrl(node.port)) }, id, live: true }) as Promise<Opened>,
        Memory.open({ redis: clusterClient(), id, live: true }) as Promise<Opened>,
      ],
      async ([a, b]) => {
        a!.items = [1];
        a!.config = { theme: "dark" };
        await settle([a!, b!], reader as never);
        (b!.items as SyncedList<number>).push(2);
        await settle([a!, b!], reader as never);
        expect(a!.$asdict()).toEqual({ items: [1, 2], config: { theme: "dark" } });
        expect(b!.$asdict()).toEqual(a!.$asdict());
      },
    );
  });

  it("uses one feed connection for every live store on the Cluster", async () => {
    const ids = Array.from({ length: 50 }, () => uniqueId("feedconn"));
    const option = { cluster: masters().map((node) => nodeUrl(node.port)) };
    await withStores(
      () => ids.map((id) => Memory.open({ redis: option, id, live: true }) as Promise<Opened>),
      async (stores) => {
        const names = new Set(stores.map((store) => storeInternals(store).lease!.subscriber().name));
        expect(names.size).toBe(1);
      },
    );
  });

  it("4 processes x 250 appends through the Cluster make exactly 1,000 items, and every replica equals Redis", async () => {
    const id = uniqueId("procs");
    const redis = JSON.stringify({ cluster: masters().map((node) => nodeUrl(node.port)) });
    const setup = (await Memory.open({ redis: JSON.parse(redis), id, live: false })) as Opened;
    setup.items = [];
    await setup.$close();
    const workers = [0, 1, 2, 3].map((w) => {
      const child = spawn(process.execPath, ["--import", "tsx", WORKER, redis, id, String(w), "250"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
      const replies: unknown[] = [];
      const next = (): Promise<unknown> =>
        new Promise((resolve, reject) => {
          if (replies.length > 0) return resolve(replies.shift());
          child.once("message", () => resolve(replies.shift()));
          child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
        });
      child.on("message", (message) => replies.push(message));
      const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
      return { child, next, exit };
    });
    for (const w of workers) expect(await w.next()).toEqual({ ready: true });
    for (const w of workers) w.child.send("go");
    for (const w of workers) expect(await w.next()).toEqual({ done: true });
    for (const w of workers) w.child.send("report");
    const replicas = await Promise.all(workers.map((w) => w.next()));
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0, 0, 0]);
    const fresh = (await Memory.open({ redis: JSON.parse(redis), id, live: false })) as Opened;
    const data = fresh.$asdict() as { items: string[] };
    await fresh.$close();
    expect(data.items).toHaveLength(1_000);
    for (const w of [0, 1, 2, 3]) expect(data.items.filter((item) => item.startsWith(`w${w}:`))).toEqual(Array.from({ length: 250 }, (_, i) => `w${w}:${i}`));
    for (const replica of replicas) expect(replica).toEqual({ replica: data });
  });
});

// Keeps the import of Cluster for the type of the settle() reader.
export type { Cluster };
