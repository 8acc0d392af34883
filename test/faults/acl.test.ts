// Fault test: an ACL user limited to one tenant's keys and channels. Its own
// instance works; what Redis refuses (another tenant's instance, a permission
// revoked while the store is open) reaches the caller as a RedisMemoryError naming
// the instance key and the command, with the server's reply as `cause`, and no
// script source anywhere in the error, its message or its cause's properties.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisMemoryError, WriteError } from "redis-memory";
import { leakedScriptSource } from "../helpers/inspect.js";
import { App, track, uniqueId } from "../helpers/redis.js";
import { privateServer, tenantUser } from "../helpers/servers.js";

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.quit()));
});

/** The command a wrapped error names: the script call (a batch) or the transaction (a load) the library sent. */
const SCRIPT_COMMAND = /\b(evalsha|eval|evalsha_ro|eval_ro|fcall|fcall_ro|multi)\b/i;

function expectWrapped(error: unknown, key: string): void {
  expect(error).toBeInstanceOf(RedisMemoryError);
  const wrapped = error as Error;
  expect(wrapped.message).toContain(key);
  expect(wrapped.message).toMatch(SCRIPT_COMMAND);
  expect(wrapped.message).toMatch(/NOPERM/);
  expect(wrapped.cause).toBeDefined();
  expect(leakedScriptSource(wrapped)).toEqual([]);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "resolved",
    (error: unknown) => error,
  );
}

async function setup(): Promise<{ admin: Redis; adminUrl: string; tenantUrl: string; user: string; own: string; other: string }> {
  const server = await privateServer();
  const admin = new Redis(server.url);
  clients.push(admin);
  const own = uniqueId("tenantA");
  const other = uniqueId("tenantB");
  const tenant = await tenantUser(server.url, [`memory:{App:${own}}`]);
  return { admin, adminUrl: server.url, tenantUrl: tenant.url, user: tenant.user, own, other };
}

describe("an ACL user limited to one tenant's keys", () => {
  it("opens and writes its own tenant's instance", async () => {
    const { admin, tenantUrl, own } = await setup();
    const store = track(await App.open({ redis: tenantUrl, id: own }));
    store.tasks.push(1, 2);
    store.title = "mine";
    await store.$flush();
    expect(await admin.hget(`${store.$key}:root`, "title")).toBe(JSON.stringify("mine"));
    expect(track(await App.open({ redis: tenantUrl, id: own })).$asdict()).toMatchObject({ tasks: [1, 2], title: "mine" });
  });

  it("opening another tenant's instance rejects with a wrapped error naming its key", async () => {
    const { tenantUrl, other } = await setup();
    const error = await rejection(App.open({ redis: tenantUrl, id: other }).then(track));
    expectWrapped(error, `memory:{App:${other}}`);
  });

  it("a batch refused because a permission was revoked is a WriteError naming the key and command; Redis unchanged", async () => {
    const { admin, tenantUrl, user, own } = await setup();
    const store = track(await App.open({ redis: tenantUrl, id: own }));
    store.title = "before";
    await store.$flush();
    const errors: Error[] = [];
    store.$on("error", (error) => errors.push(error));
    // The user may still read, no longer write (existing connections are affected at once).
    await admin.call("ACL", "SETUSER", user, "-@write");

    store.title = "after";
    const increment = rejection(store.$incr("counter", 1));
    const flushed = await rejection(store.$flush());
    expect(flushed).toBeInstanceOf(WriteError);
    expectWrapped(flushed, store.$key);
    expectWrapped(await increment, store.$key);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expectWrapped(error, store.$key);
    expect(await admin.hget(`${store.$key}:root`, "title")).toBe(JSON.stringify("before"));
    expect(await admin.hget(`${store.$key}:root`, "counter")).toBeNull();
  });
});
