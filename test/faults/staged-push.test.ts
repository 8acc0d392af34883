// A batch that ends with a large push sends the values as plain RPUSH commands to a
// staging key, in one MULTI with the batch script (runtime/backend.ts, applyStaged).
// These tests hold that path to the same promises as a single script call: the batch
// applies whole or not at all, exactly once through lost replies and cut connections,
// leaves no staging key or mark behind, and takes the plain path when it cannot stage.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { STAGE_AT } from "../../runtime/backend.js";
import { WriteError } from "redis-memory";
import { FaultProxy, type ProxiedRequest } from "../helpers/proxy.js";
import { App, dumpInstance, openApp, orphanKeys, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";
import { containerKey, appliedBatches } from "../helpers/inspect.js";
import { settle } from "../live/settle.js";
import { TENANT_COMMANDS, privateServer, tenantUser } from "../helpers/servers.js";

const N = STAGE_AT * 3 + 7;
const values = (from: number, count = N): number[] => Array.from({ length: count }, (_, i) => from + i);
const command = (name: string) => (request: ProxiedRequest): boolean => request.command === name;

/** What a staged batch must never leave: staging keys, or the marks apply.lua sets for staged.lua. */
async function leftovers(ns: string, raw: Redis = rawClient()): Promise<string[]> {
  const keys = Object.keys(await dumpInstance(raw, ns)).filter((key) => key.startsWith(`${ns}:s:`));
  const marks = (await raw.hkeys(`${ns}:meta`)).filter((field) => field.startsWith("p:"));
  return [...keys, ...marks];
}

async function listInRedis(ns: string, path: string[]): Promise<number[]> {
  const raw = rawClient();
  return (await raw.lrange(await containerKey(raw, ns, path), 0, -1)).map(Number);
}

describe("a batch ending with a large push (staged)", () => {
  it("lands whole, in order, after earlier ops of the batch, applied once", async () => {
    const id = uniqueId("staged");
    const store = await openApp(id);
    store.tasks.push(-2, -1);
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    store.title = "before the push";
    store.config.theme = "dark";
    store.tasks.push(...values(0));
    await store.$flush();

    expect(await listInRedis(store.$key, ["tasks"])).toEqual([-2, -1, ...values(0)]);
    expect(await raw.hget(`${store.$key}:root`, "title")).toBe(JSON.stringify("before the push"));
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 1);
    expect(await leftovers(store.$key)).toEqual([]);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    const fresh = await openApp(id);
    expect(fresh.$asdict()).toEqual(store.$asdict());
  });

  it("creates the list when it was empty, with the instance's expiry", async () => {
    const store = await openApp(uniqueId("staged-ttl"), { ttl: 60_000 });
    store.title = "t";
    await store.$flush();
    store.tasks.push(...values(0));
    await store.$flush();

    const raw = rawClient();
    const key = await containerKey(raw, store.$key, ["tasks"]);
    expect(await raw.llen(key)).toBe(N);
    const metaExpiry = await raw.call("PEXPIRETIME", `${store.$key}:meta`);
    expect(Number(metaExpiry)).toBeGreaterThan(0);
    expect(await raw.call("PEXPIRETIME", key)).toBe(metaExpiry);
    expect(await leftovers(store.$key)).toEqual([]);
  });

  it("is applied exactly once when the EXEC reply is lost", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const store = await openApp(uniqueId("staged-lost"), { redis: proxy.url });
    store.tasks.push(-1);
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    const dropped = proxy.dropReply(command("EXEC"));
    store.tasks.push(...values(0));
    await store.$flush();
    await dropped;

    expect(await listInRedis(store.$key, ["tasks"])).toEqual([-1, ...values(0)]);
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 1);
    expect(await leftovers(store.$key)).toEqual([]);
    expect(proxy.accepted).toBeGreaterThan(1);
  });

  it("a connection cut inside the MULTI applies nothing of it until the resend, then once", async () => {
    const proxy = await FaultProxy.start(redisUrl());
    const store = await openApp(uniqueId("staged-cut"), { redis: proxy.url });
    store.tasks.push(-1);
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);

    // Cut after the first RPUSH of the staged values left: the server discards the open MULTI.
    const cut = proxy.cutAfterRequest(command("RPUSH"));
    store.tasks.push(...values(0));
    store.tasks.push(...values(N)); // joins the same push
    await store.$flush();
    await cut;

    expect(await listInRedis(store.$key, ["tasks"])).toEqual([-1, ...values(0, 2 * N)]);
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 1);
    expect(await leftovers(store.$key)).toEqual([]);
  });

  it("applies once after a SCRIPT FLUSH (its NOSCRIPT inside the MULTI applied nothing; the MULTI goes again)", async () => {
    const store = await openApp(uniqueId("staged-noscript"));
    store.tasks.push(-1);
    await store.$flush();
    const raw = rawClient();
    const appliedBefore = await appliedBatches(raw, store.$key);
    await raw.script("FLUSH");

    store.tasks.push(...values(0));
    await store.$flush();

    expect(await listInRedis(store.$key, ["tasks"])).toEqual([-1, ...values(0)]);
    expect(await appliedBatches(raw, store.$key)).toBe(appliedBefore + 1);
    expect(await leftovers(store.$key)).toEqual([]);
  });

  it("refused (the instance was deleted meanwhile): nothing of it reaches Redis", async () => {
    const id = uniqueId("staged-refused");
    const store = await openApp(id);
    store.tasks.push(1);
    await store.$flush();
    const other = await openApp(id);
    await other.$delete();

    store.tasks.push(...values(0));
    const error = await store.$flush().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("epoch");
    // The store then holds (and writes) a new instance, with the defaults only.
    await store.$flush();
    const fresh = await openApp(id);
    expect(fresh.tasks.aslist()).toEqual([]);
    expect(store.$asdict()).toEqual(fresh.$asdict());
    const raw = rawClient();
    const lists = Object.values(await dumpInstance(raw, store.$key)).filter(Array.isArray);
    expect(lists.flat()).toEqual([]);
  });

  it("takes the plain path for a user that may not RENAME, and still lands whole", async () => {
    const server = await privateServer();
    const id = uniqueId("staged-acl");
    const tenant = await tenantUser(server.url, [`memory:{App:${id}}`], [...TENANT_COMMANDS, "-rename"]);
    const store = track(await App.open({ redis: tenant.url, id }));
    store.tasks.push(...values(0));
    await store.$flush();

    const fresh = track(await App.open({ redis: server.url, id }));
    expect(fresh.tasks.aslist()).toEqual(values(0));
    const admin = new Redis(server.url);
    try {
      expect(await leftovers(store.$key, admin)).toEqual([]);
    } finally {
      await admin.quit();
    }
  });

  it("a live store of the instance sees the staged values (it reloads what the batch touched)", async () => {
    const id = uniqueId("staged-live");
    const writer = await openApp(id, { live: true });
    writer.tasks.push(-1);
    await writer.$flush();
    const reader = await openApp(id, { live: true });
    writer.tasks.push(...values(0));
    await writer.$flush();
    await settle([writer, reader], rawClient());
    expect(reader.tasks.aslist()).toEqual([-1, ...values(0)]);
  });
});
