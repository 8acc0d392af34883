// The `redis` option: ioredis clients of either major (5 and 6) and of any copy of the
// package are recognised by what they do; anything else is an OptionsError naming what
// was given; an unreachable server is a ConnectionError carrying the socket's error.
import { createServer } from "node:net";
import { Redis as Redis5 } from "ioredis";
import { Redis as Redis6 } from "ioredis6";
import { describe, expect, it } from "vitest";
import { ConnectionError, Memory, OptionsError } from "redis-memory";
import { STAGE_AT } from "../../runtime/backend.js";
import { rawClient, redisUrl, uniqueId } from "../helpers/redis.js";

const clients = [
  ["ioredis 5", (url: string) => new Redis5(url)],
  ["ioredis 6", (url: string) => new Redis6(url)],
  ["ioredis 6, not connected yet", (url: string) => new Redis6(url, { lazyConnect: true })],
] as const;

describe("open({ redis: client })", () => {
  for (const [label, make] of clients) {
    it(`takes an ${label} client, writes through it and leaves it open`, async () => {
      const client = make(redisUrl());
      const id = uniqueId("client");
      const mem = await Memory.open({ redis: client, id });
      mem.tasks = [1, 2];
      mem.tasks.push(3);
      await mem.$close();
      const raw = rawClient();
      const ref = await raw.hget(`memory:{Memory:${id}}:root`, "tasks");
      expect(ref).toMatch(/^@l:/);
      expect(await raw.lrange(`memory:{Memory:${id}}:n:${ref!.slice(3)}`, 0, -1)).toEqual(["1", "2", "3"]);
      expect(await client.ping()).toBe("PONG");
      await client.quit();
    });

    it(`sends a large push (staged: MULTI, EVAL, RPUSH) through an ${label} client`, async () => {
      const client = make(redisUrl());
      const id = uniqueId("client-staged");
      const mem = await Memory.open({ redis: client, id });
      const values = Array.from({ length: STAGE_AT * 2 }, (_, i) => i);
      mem.tasks = [];
      mem.tasks.push(...values);
      await mem.$close();
      const raw = rawClient();
      const ref = await raw.hget(`memory:{Memory:${id}}:root`, "tasks");
      expect((await raw.lrange(`memory:{Memory:${id}}:n:${ref!.slice(3)}`, 0, -1)).map(Number)).toEqual(values);
      await client.quit();
    });
  }

  it("applies another process's write live on a store opened with an ioredis 6 client", async () => {
    const client = new Redis6(redisUrl());
    const id = uniqueId("client");
    const reader = await Memory.open({ redis: client, id });
    const changed = new Promise<void>((resolve) => reader.$on("change", (event) => event.source === "remote" && resolve()));
    const writer = await Memory.open({ redis: redisUrl(), id, live: false });
    writer.title = "from the writer";
    await writer.$flush();
    await changed;
    expect(reader.title).toBe("from the writer");
    await writer.$close();
    await reader.$close();
    await client.quit();
  });
});

describe("open({ redis: something else })", () => {
  class RedisClient {
    connect(): void {}
    sendCommand(): void {}
  }
  const cases: [label: string, value: unknown, said: RegExp][] = [
    ["a class instance that is not an ioredis client", new RedisClient(), /got a RedisClient instance, which is not an ioredis client \(it lacks status, isCluster, disconnect\(\), quit\(\), duplicate\(\), defineCommand\(\)\)/],
    ["a Map", new Map([["host", "127.0.0.1"]]), /got a Map instance/],
    ["a number", 6379, /got number/],
    ["null", null, /got null/],
  ];
  for (const [label, value, said] of cases) {
    it(`rejects ${label} with an OptionsError naming the option`, async () => {
      const error = await Memory.open({ redis: value as string, id: uniqueId() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionsError);
      expect((error as OptionsError).option).toBe("redis");
      expect((error as Error).message).toMatch(said);
    });
  }
});

describe("ConnectionError", () => {
  it("carries the socket's error as its cause and says how long it tried", async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await Memory.open({ redis: `redis://127.0.0.1:${port}`, connectTimeout: 2_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`at redis://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED .* \\(after \\d+ ms; connectTimeout is 2000 ms\\)`));
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });
});
