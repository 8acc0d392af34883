// The batch script as a Redis Function library (runtime/batch-script.ts): a function is
// found by name, so a store calls one only after reading its code back and finding it
// is this library's; where functions cannot be used (the user's ACL, code planted under
// the name) every batch goes by EVAL, with the same outcome in Redis.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { APPLY_FUNCTION, APPLY_LIBRARY, APPLY_LIBRARY_NAME } from "../../runtime/batch-script.js";
import { track, uniqueId } from "../helpers/redis.js";
import { privateServer, tenantUser } from "../helpers/servers.js";

/** How many times the server ran `command` (INFO commandstats). */
async function calls(raw: Redis, command: string): Promise<number> {
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await raw.info("commandstats"));
  return match ? Number(match[1]) : 0;
}

/** Opens a store on `url`, writes a field and a list element, and returns what Redis holds of them. */
async function writeThrough(url: string, raw: Redis): Promise<{ title: string | null; items: string[] }> {
  // A client of its own: each case's connection checks the library afresh.
  const client = new Redis(url);
  try {
    const id = uniqueId("fn");
    const mem = track(await Memory.open({ redis: client, id, live: false })) as Memory & Record<string, any>;
    mem.title = "written";
    mem.items = [1];
    await mem.$flush();
    mem.items.push(2);
    await mem.$flush();
    await mem.$close();
    const itemsKey = `${mem.$key}:n:${(await raw.hget(`${mem.$key}:root`, "items"))!.slice(3)}`;
    return { title: await raw.hget(`${mem.$key}:root`, "title"), items: await raw.lrange(itemsKey, 0, -1) };
  } finally {
    client.disconnect();
  }
}

const raws: Redis[] = [];
afterAll(() => raws.forEach((raw) => raw.disconnect()));
/** An admin connection to `url`, closed after the file. */
function admin(url: string): Redis {
  const raw = new Redis(url);
  raws.push(raw);
  return raw;
}

const WRITTEN = { title: JSON.stringify("written"), items: ["1", "2"] };

describe("the batch script's function library", () => {
  it("is loaded once and then called: FCALL, no EVAL", async () => {
    const { url } = await privateServer();
    const raw = admin(url);
    expect(await writeThrough(url, raw)).toEqual(WRITTEN);
    expect(await calls(raw, "fcall")).toBeGreaterThanOrEqual(2);
    expect((await calls(raw, "evalsha")) + (await calls(raw, "eval"))).toBe(0);
    const listed = (await raw.call("FUNCTION", "LIST", "LIBRARYNAME", APPLY_LIBRARY_NAME, "WITHCODE")) as unknown[][];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toContain(APPLY_LIBRARY);
  });

  it("a push of 2,000 values (staged: a MULTI of the script and RPUSHes) calls the library too, with no NOSCRIPT detour", async () => {
    const { url } = await privateServer();
    const raw = admin(url);
    const client = new Redis(url);
    raws.push(client);
    const mem = track(await Memory.open({ redis: client, id: uniqueId("fn-staged"), live: false })) as Memory & Record<string, any>;
    mem.items = [0];
    await mem.$flush();
    const [fcalls, multis] = [await calls(raw, "fcall"), await calls(raw, "multi")];
    for (let i = 1; i <= 2_000; i++) mem.items.push(i);
    await mem.$flush();
    expect(await calls(raw, "fcall")).toBe(fcalls + 1);
    expect(await calls(raw, "evalsha")).toBe(0);
    expect(await calls(raw, "multi")).toBe(multis + 1);
    const itemsKey = `${mem.$key}:n:${(await raw.hget(`${mem.$key}:root`, "items"))!.slice(3)}`;
    expect(await raw.llen(itemsKey)).toBe(2_001);
  });

  it("other code loaded under its name is never called: the store writes by EVAL", async () => {
    const { url } = await privateServer();
    const raw = admin(url);
    // What an attacker who may run FUNCTION LOAD could plant before any store loads the library.
    const planted = `#!lua name=${APPLY_LIBRARY_NAME}\nredis.register_function('${APPLY_FUNCTION}', function(keys, args) redis.call('SET', 'planted-ran', '1'); return '{}' end)\n`;
    await raw.call("FUNCTION", "LOAD", planted);
    expect(await writeThrough(url, raw)).toEqual(WRITTEN);
    expect(await raw.exists("planted-ran")).toBe(0);
    expect(await calls(raw, "fcall")).toBe(0);
    expect(await calls(raw, "evalsha")).toBeGreaterThanOrEqual(1);
  });

  it("a user who may not run FCALL writes by EVAL", async () => {
    const { url } = await privateServer();
    const raw = admin(url);
    const user = await tenantUser(url, ["memory:"], ["+@all", "-fcall"]);
    expect(await writeThrough(user.url, raw)).toEqual(WRITTEN);
    expect(await calls(raw, "evalsha")).toBeGreaterThanOrEqual(1);
  });

  it("a user who may run FCALL but not FUNCTION LOAD: EVAL until another user loads the library, then FCALL", async () => {
    const { url } = await privateServer();
    const raw = admin(url);
    const user = await tenantUser(url, ["memory:"], ["+@all", "-function|load"]);
    expect(await writeThrough(user.url, raw)).toEqual(WRITTEN);
    expect(await calls(raw, "fcall")).toBe(0);
    await raw.call("FUNCTION", "LOAD", APPLY_LIBRARY);
    expect(await writeThrough(user.url, raw)).toEqual(WRITTEN);
    expect(await calls(raw, "fcall")).toBeGreaterThanOrEqual(2);
  });
});
