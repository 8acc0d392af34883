// docs/guides/acl.md gives the exact ACL rules a tenant user needs. This test creates
// exactly that user (the rule is read from the guide's code block) and runs every
// feature of a store through it, then checks what Redis holds with an admin client.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { App, track, uniqueId } from "../helpers/redis.js";
import { privateServer } from "../helpers/servers.js";

const GUIDE = readFileSync(new URL("../../docs/guides/acl.md", import.meta.url), "utf8");

/** The guide's `ACL SETUSER` rule as arguments, placeholders filled. */
function guideRule(user: string, password: string, prefix: string): string[] {
  const block = /^```text\n(ACL SETUSER[\s\S]*?)^```$/m.exec(GUIDE)?.[1];
  if (!block) throw new Error("docs/guides/acl.md has no ACL SETUSER block");
  return block
    .replaceAll("<user>", user).replaceAll("<password>", password).replaceAll("<prefix>", prefix)
    .split(/\s+/).filter((token) => token !== "").slice(2);
}

type Mem = Memory & Record<string, any>;

describe("the ACL rules of docs/guides/acl.md", () => {
  it("are enough for every feature of a store, and for nothing outside the tenant's prefix", async () => {
    const server = await privateServer();
    const admin = new Redis(server.url);
    const prefix = `${uniqueId("tenant")}:`;
    const user = `tenant-${randomBytes(4).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    try {
      await admin.call("ACL", ["SETUSER", ...guideRule(user, password, prefix)]);
      const url = new URL(server.url);
      url.username = user;
      url.password = password;
      const redis = url.href;
      const id = "conv-1";

      // A typed store fills its defaults (set-if-absent) when it creates the instance.
      const typed = track(await App.open({ redis, prefix, id: "typed", live: true }));
      typed.tasks.push(1, 2);
      await typed.$flush();

      const a = track(await Memory.open({ redis, prefix, id, live: true })) as Mem;
      const b = track(await Memory.open({ redis, prefix, id, live: true })) as Mem;
      a.title = "t";
      a.gone = 1;
      delete a.gone;
      a.l = [];
      a.l.push(3, 1, 2);
      a.l.unshift(0);
      a.l[1] = 9;
      a.l.pop();
      a.l.shift();
      a.l.splice(1, 0, 7, 8);
      a.l.sort();
      a.d = {};
      a.d.x = 1;
      a.d.clear();
      a.d.y = 2;
      // Over 64 bytes: the dict gets an order record (get/set/append).
      a.d.long = "x".repeat(80);
      a.msgs = [];
      a.msgs.push({ text: "hi" });
      await a.$flush();
      a.msgs[0].read = true;
      a.big = [];
      for (let i = 0; i < 3_000; i++) a.big.push(i);
      expect(await a.$incr("n", 2)).toBe(2);
      expect(await a.$incr("f", 0.5)).toBe(0.5);
      await a.$transaction((store) => {
        (store as Mem).counter = ((store as Mem).counter ?? 0) + 1;
      });
      await a.$flush();
      const expected = {
        title: "t", l: [1, 7, 8, 9], d: { y: 2, long: "x".repeat(80) }, msgs: [{ text: "hi", read: true }],
        big: Array.from({ length: 3_000 }, (_, i) => i), n: 2, f: 0.5, counter: 1,
      };
      expect(a.$asdict()).toEqual(expected);
      // Live sync through the same user's feed.
      await expect.poll(() => b.$asdict(), { timeout: 10_000 }).toEqual(expected);
      await b.$refresh();
      expect(b.$asdict()).toEqual(expected);
      // What Redis holds, read by an admin.
      const fresh = track(await Memory.open({ redis: server.url, prefix, id, live: false }));
      expect(fresh.$asdict()).toEqual(expected);

      const expiring = track(await Memory.open({ redis, prefix, id: "expiring", live: false, ttl: 60_000 })) as Mem;
      expiring.x = 1;
      await expiring.$flush();
      expect(await expiring.$ttl()).toBeGreaterThan(0);

      expect(await Memory.exists({ redis, prefix, id })).toBe(true);
      const ids: string[] = [];
      for await (const listed of Memory.ids({ redis, prefix })) ids.push(listed);
      expect(ids.sort()).toEqual(["conv-1", "expiring"]);

      await fresh.$close();
      await b.$close();
      await a.$delete();
      expect(await Memory.exists({ redis, prefix, id })).toBe(false);
      expect(await admin.keys(`${prefix}{Memory:${id}}*`)).toEqual([]);
      await a.$close();

      // Nothing outside the prefix.
      await expect(Memory.open({ redis, prefix: "other:", id, live: false })).rejects.toThrow(/NOPERM/);
    } finally {
      await admin.quit();
    }
  });
});
