import { describe, expect, it } from "vitest";
import { DetachedError } from "redis-memory";
import { openApp, rawClient, uniqueId } from "../helpers/redis.js";

describe("DetachedError.path", () => {
  it("names where a collection was, for the replaced container and everything inside it, and Redis is unchanged", async () => {
    const store = await openApp(uniqueId("detached"));
    store.complex.users.push({ name: "ann", scores: [1] });
    await store.$flush();
    const users = store.complex.users;
    const scores = store.complex.users[0]!.scores;
    const user = store.complex.users[0]!;
    store.complex = { users: [], settings: { notifications: {} } };
    await store.$flush();
    const raw = rawClient();
    const before = await raw.hgetall(`${store.$key}:root`);
    const thrown = (write: () => void): unknown => {
      try {
        write();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const cases: [() => void, (string | number)[]][] = [
      [() => users.push({ name: "bob", scores: [] }), ["complex", "users"]],
      [() => scores.push(2), ["complex", "users", 0, "scores"]],
      [() => (user.name = "x"), ["complex", "users", 0]],
    ];
    for (const [write, path] of cases) {
      const error = thrown(write);
      expect(error).toBeInstanceOf(DetachedError);
      expect((error as DetachedError).path).toEqual(path);
      expect((error as DetachedError).message).toContain(path.join(".").replace(/\.(\d+)/g, "[$1]"));
    }
    await store.$flush();
    expect(await raw.hgetall(`${store.$key}:root`)).toEqual(before);
    expect(store.complex.users.aslist()).toEqual([]);
  });
});
