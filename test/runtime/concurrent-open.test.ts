// Processes opening a new instance at the same moment each fill the defaults; the
// first to reach Redis wins and the others reload, so no write lands in a container
// that is not the instance's.
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { App, openApp, orphanKeys, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

type Apply = (...args: unknown[]) => Promise<unknown>;

describe("opening a new instance concurrently", () => {
  it("keeps the defaults that reached Redis first; the other store reloads and its writes land", async () => {
    const id = uniqueId("race");
    // A's connection holds its batches until the gate opens, so both stores load an empty instance.
    const slow = new Redis(redisUrl());
    await (await App.open({ redis: slow, id: uniqueId("warm") })).$close();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const client = slow as unknown as { rmApply: Apply };
    const apply = client.rmApply.bind(slow);
    client.rmApply = async (...args) => {
      await gate;
      return apply(...args);
    };
    const opening = App.open({ redis: slow, id });
    const b = await openApp(id);
    const firstTasks = (await rawClient().hget(`${b.$key}:root`, "tasks"))!;
    open();
    const a = track(await opening);
    expect(await rawClient().hget(`${b.$key}:root`, "tasks")).toBe(firstTasks);
    a.tasks.push(1);
    b.tasks.push(2);
    await Promise.all([a.$flush(), b.$flush()]);
    const fresh = await openApp(id);
    expect([...fresh.tasks].sort()).toEqual([1, 2]);
    expect(await orphanKeys(rawClient(), fresh.$key)).toEqual([]);
    await a.$close();
    await slow.quit();
  });
});
