// A handle to a list element that was removed is detached: writing through it throws
// DetachedError naming where the element was.
import { describe, expect, it } from "vitest";
import { DetachedError } from "redis-memory";
import { openApp, uniqueId } from "../helpers/redis.js";

describe("DetachedError", () => {
  it("names the index a removed list element had", async () => {
    const a = await openApp(uniqueId());
    a.complex.users.push({ name: "n", scores: [] }, { name: "m", scores: [] });
    const u = a.complex.users[1]!;
    a.complex.users.pop();
    let err: any;
    try { u.name = "x"; } catch (e) { err = e; }
    expect(err).toBeInstanceOf(DetachedError);
    expect(err.path).toEqual(["complex", "users", 1]);
  });
});
