import { describe, expect, it } from "vitest";
import type { ChangeEvent, StatusEvent } from "redis-memory";
import { openApp, rawClient, uniqueId } from "../helpers/redis.js";
import { settle } from "./settle.js";

describe("change feed", () => {
  it("applies another store's writes to a live replica", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    const events: ChangeEvent[] = [];
    b.$on("change", (event) => events.push(event));
    a.tasks.push(1, 2, 3);
    a.config.theme = "dark";
    a.complex.users.push({ name: "ann", scores: [1] });
    await a.$flush();
    a.complex.users[0]!.scores.push(96);
    a.complex.settings.notifications.email = true;
    await a.$incr("counter", 5);
    await settle([a, b], rawClient());
    expect(b.$asdict()).toEqual(a.$asdict());
    expect(b.counter).toBe(5);
    expect(events.every((e) => e.source === "remote")).toBe(true);
    expect(events).toContainEqual({ path: ["config", "theme"], op: "set", source: "remote" });
    expect(events).toContainEqual({ path: ["complex", "users", 0, "scores"], op: "push", source: "remote" });
  });
});
