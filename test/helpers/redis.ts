// Shared test plumbing: the URL of the test run's redis-server, unique instance
// ids, raw clients for looking at what Redis holds, and hand-written stores.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, inject, type ProvidedContext } from "vitest";
import { Memory, Store, openStore, type DictShape, type JsonValue, type OpenOptions, type StoreSchema, type SyncedDict, type SyncedList } from "redis-memory";

const TIER_OF: Record<keyof ProvidedContext, string> = {
  redisUrl: "a plain *.test.ts, or test/faults/",
  redisCluster: "*.cluster.test.ts, or test/faults/",
  redisSentinel: "*.sentinel.test.ts",
};

/** What the global setup of this file's tier provides; a file in a tier without it is told where it belongs. */
export function provided<K extends keyof ProvidedContext>(key: K): ProvidedContext[K] {
  const value = inject(key) as ProvidedContext[K] | undefined;
  if (value === undefined) throw new Error(`this test file's tier does not start ${key}: name the file ${TIER_OF[key]} (test/README.md)`);
  return value;
}

export const redisUrl = (): string => provided("redisUrl");

export const uniqueId = (label = "t"): string => `${label}-${randomUUID().slice(0, 8)}`;

const clients: Redis[] = [];
/** A raw ioredis client, closed after the file's tests. */
export function rawClient(): Redis {
  const client = new Redis(redisUrl());
  clients.push(client);
  return client;
}
const opened: { $close(): Promise<void> }[] = [];
export function track<S extends { $close(): Promise<void> }>(store: S): S {
  opened.push(store);
  return store;
}
const lastly: (() => Promise<void>)[] = [];
/** Runs `fn` after the file's stores and clients are closed (servers and proxies they use stop last). */
export function afterStores(fn: () => Promise<void>): void {
  lastly.push(fn);
}
afterAll(async () => {
  await Promise.allSettled(opened.map((s) => s.$close()));
  await Promise.allSettled(clients.map((c) => c.quit()));
  await Promise.allSettled(lastly.splice(0).map((fn) => fn()));
});

/** Every key of an instance with its type and content, for before/after comparisons. */
export async function dumpInstance(redis: Redis, ns: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = "0";
  const pattern = ns.replace(/[*?[\]\\]/g, "\\$&") + ":*";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    if (key.endsWith(":log") || key.endsWith(":meta")) continue;
    const type = await redis.type(key);
    out[key] = type === "list" ? await redis.lrange(key, 0, -1) : type === "hash" ? await redis.hgetall(key) : type;
  }
  return out;
}

/** Container keys of an instance that nothing references (there should be none). */
export async function orphanKeys(redis: Redis, ns: string): Promise<string[]> {
  const dump = await dumpInstance(redis, ns);
  const referenced = new Set<string>();
  for (const value of Object.values(dump)) {
    const items = Array.isArray(value) ? value : typeof value === "object" && value ? Object.values(value) : [];
    for (const item of items) if (typeof item === "string" && item.startsWith("@")) referenced.add(`${ns}:n:${item.slice(3)}`);
  }
  return Object.keys(dump).filter((key) => key.startsWith(`${ns}:n:`) && !referenced.has(key));
}

export async function openMemory(id: string, options: OpenOptions<Record<string, JsonValue>> = {}): Promise<Memory & Record<string, any>> {
  return track(await Memory.open({ redis: redisUrl(), id, live: false, ...options })) as Memory & Record<string, any>;
}

// A store written by hand the way the generator writes one.
export interface AppData {
  tasks: number[];
  config: { theme?: string; lang?: string; [k: string]: unknown };
  data: { user?: { name: string; tags: string[] } };
  complex: { users: { name: string; scores: number[] }[]; settings: { notifications: Record<string, boolean> } };
  counter?: number;
  title?: string;
}

export const appShape: DictShape = {
  kind: "dict",
  additional: false,
  properties: {
    tasks: { kind: "list", items: { kind: "scalar" }, default: [] },
    config: { kind: "dict", additional: { kind: "any" }, default: {} },
    data: { kind: "dict", properties: { user: { kind: "dict", properties: { name: { kind: "scalar" }, tags: { kind: "list", items: { kind: "scalar" } } } } }, default: {} },
    complex: {
      kind: "dict",
      properties: {
        users: { kind: "list", items: { kind: "dict", properties: { name: { kind: "scalar" }, scores: { kind: "list", items: { kind: "scalar" } } } } },
        settings: { kind: "dict", properties: { notifications: { kind: "dict", additional: { kind: "scalar" } } } },
      },
      default: { users: [], settings: { notifications: {} } },
    },
    counter: { kind: "scalar" },
    title: { kind: "scalar" },
  },
};

export class App extends Store<AppData> {
  static readonly schema: StoreSchema = { name: "App", shape: appShape, hash: "test" };
  static open(options?: OpenOptions<AppData>): Promise<App> {
    return openStore(App, { redis: redisUrl(), live: false, ...options });
  }
  get tasks(): SyncedList<number> {
    return this.$get("tasks") as SyncedList<number>;
  }
  set tasks(value: number[]) {
    this.$set("tasks", value);
  }
  get config(): SyncedDict<AppData["config"]> {
    return this.$get("config") as SyncedDict<AppData["config"]>;
  }
  set config(value: AppData["config"]) {
    this.$set("config", value);
  }
  get data(): SyncedDict<AppData["data"]> {
    return this.$get("data") as SyncedDict<AppData["data"]>;
  }
  set data(value: AppData["data"]) {
    this.$set("data", value);
  }
  get complex(): SyncedDict<AppData["complex"]> {
    return this.$get("complex") as SyncedDict<AppData["complex"]>;
  }
  set complex(value: AppData["complex"]) {
    this.$set("complex", value);
  }
  get counter(): number | undefined {
    return this.$get("counter") as number | undefined;
  }
  set counter(value: number | undefined) {
    this.$set("counter", value);
  }
  get title(): string | undefined {
    return this.$get("title") as string | undefined;
  }
  set title(value: string | undefined) {
    this.$set("title", value);
  }
}

export async function openApp(id: string, options: OpenOptions<AppData> = {}): Promise<App> {
  return track(await App.open({ id, ...options }));
}
