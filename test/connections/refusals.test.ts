// What a server answers when it refuses the library's connections, and a port where no
// Redis answers: open() rejects at once (not after connectTimeout) with the class that
// says what happened, naming the instance and the command; no secret (the URL's or the
// options' password, the AUTH arguments) appears in any error, its cause, or an event.
import { createServer, type Server } from "node:http";
import { inspect } from "node:util";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ConnectionError, Memory, RedisCommandError, RedisMemoryError } from "redis-memory";
import { privateServer } from "../helpers/servers.js";
import { track, uniqueId } from "../helpers/redis.js";

// Far longer than a refusal takes even on a loaded machine: "at once" (under half of it)
// is no race, and waiting it out still fails the test.
const CONNECT_TIMEOUT = 40_000;
const clients: Redis[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.quit()));
  for (const server of servers) server.close();
});

/** Everything an error shows: message, stack, own properties and causes, at any depth. */
function everything(value: unknown): string {
  return inspect(value, { depth: Infinity, showHidden: true, getters: true, maxStringLength: Infinity, maxArrayLength: Infinity });
}

async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await promise.then(() => "resolved", (e: unknown) => e);
  return { error, ms: Date.now() - started };
}

async function setup(): Promise<{ admin: Redis; host: string; port: number }> {
  const server = await privateServer();
  const admin = new Redis(server.url);
  clients.push(admin);
  const url = new URL(server.url);
  return { admin, host: url.hostname, port: Number(url.port) };
}

describe("open() against a server that refuses", () => {
  it("a wrong password (in the URL, in the options) or a disabled user's right one: ConnectionError AUTH at once, the password nowhere", async () => {
    const { admin, host, port } = await setup();
    const secret = `pw-${uniqueId("secret")}`;
    const wrong = `wrong-${uniqueId("secret")}`;
    await admin.call("ACL", "SETUSER", "alice", "on", `>${secret}`, "~*", "&*", "+@all");
    await admin.call("ACL", "SETUSER", "dormant", "off", `>${secret}`, "~*", "&*", "+@all");
    const cases: { redis: string | Record<string, unknown>; secret: string; offline?: boolean }[] = [
      { redis: `redis://alice:${wrong}@${host}:${port}`, secret: wrong },
      { redis: { host, port, username: "alice", password: wrong }, secret: wrong },
      { redis: `redis://dormant:${secret}@${host}:${port}`, secret },
      { redis: { host, port, username: "dormant", password: secret }, secret },
      // A refusal is an answer: offline is for a Redis out of reach.
      { redis: `redis://alice:${wrong}@${host}:${port}`, secret: wrong, offline: true },
    ];
    for (const { redis, secret: hidden, offline } of cases) {
      const id = uniqueId("auth");
      const { error, ms } = await rejection(Memory.open({ redis: redis as string, id, connectTimeout: CONNECT_TIMEOUT, offline: offline ?? false }));
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).command).toBe("AUTH");
      expect((error as Error).message).toContain(`{Memory:${id}}`);
      expect((error as Error).message).toMatch(/WRONGPASS/);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT / 2);
      expect(everything(error)).not.toContain(hidden);
      expect(await admin.keys(`*${id}*`)).toEqual([]);
    }
  });

  it("a user without the right to the instance's channel: RedisCommandError SUBSCRIBE naming the instance, at once, and nothing written", async () => {
    const { admin, host, port } = await setup();
    const secret = `pw-${uniqueId("secret")}`;
    // Redis 7 users start with `resetchannels`: SUBSCRIBE is refused with NOPERM.
    await admin.call("ACL", "SETUSER", "nochannels", "on", `>${secret}`, "~*", "resetchannels", "+@all");
    const id = uniqueId("nochannels");
    const { error, ms } = await rejection(Memory.open({ redis: `redis://nochannels:${secret}@${host}:${port}`, id, connectTimeout: CONNECT_TIMEOUT }));
    expect(error).toBeInstanceOf(RedisCommandError);
    expect((error as RedisCommandError).command).toBe("SUBSCRIBE");
    expect((error as RedisCommandError).key).toBe(`memory:{Memory:${id}}:log`);
    expect((error as Error).message).toMatch(/NOPERM/);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT / 2);
    expect(everything(error)).not.toContain(secret);
    expect(await admin.keys(`*${id}*`)).toEqual([]);
  });

  it("a live store whose user is disabled while it is open: no event and no error carries the password", async () => {
    const { admin, host, port } = await setup();
    const secret = `pw-${uniqueId("secret")}`;
    await admin.call("ACL", "SETUSER", "later", "on", `>${secret}`, "~*", "&*", "+@all");
    const store = track(await Memory.open({ redis: `redis://later:${secret}@${host}:${port}`, id: uniqueId("disabled"), live: true }));
    const seen: unknown[] = [];
    store.$on("error", (error) => seen.push(error));
    store.$on("status", (status) => seen.push(status));
    await admin.call("ACL", "SETUSER", "later", "off");
    await admin.call("CLIENT", "KILL", "USER", "later");
    store.title = "queued";
    const flushed = await rejection(store.$flush({ timeout: 1_500 }));
    // Refused (WRONGPASS on the reconnect: nothing applied) or still waiting for Redis.
    expect(flushed.error).toBeInstanceOf(RedisMemoryError);
    seen.push(flushed.error);
    for (const item of seen) {
      if (item instanceof Error) expect(item).toBeInstanceOf(RedisMemoryError);
      expect(everything(item)).not.toContain(secret);
    }
    await admin.call("ACL", "SETUSER", "later", "on");
    await store.$flush().catch(() => undefined);
    store.title = "after";
    await store.$flush();
    expect(await admin.hget(`${store.$key}:root`, "title")).toBe('"after"');
  });
});

describe("open() against something that is not Redis", () => {
  it("an HTTP server on the port: ConnectionError saying it is not a Redis server, at once", async () => {
    const server = createServer((_request, response) => response.end("hello"));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const { error, ms } = await rejection(Memory.open({ redis: `redis://127.0.0.1:${port}`, id: uniqueId("http"), connectTimeout: CONNECT_TIMEOUT }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/is not a Redis server/);
    expect((error as Error).message).not.toMatch(/Please report this|Unknown RESP type/);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT / 2);
  });
});
