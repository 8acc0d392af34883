import { describe, expect, it } from "vitest";
import { openApp, uniqueId } from "../helpers/redis.js";

describe("App store", () => {
  it("writes through one store and reads through another", async () => {
    const id = uniqueId();
    const a = await openApp(id);
    a.tasks.push(1, 2, 3);
    a.config.theme = "dark";
    a.complex.users.push({ name: "ann", scores: [1] });
    a.complex.users[0]!.scores.push(96);
    a.complex.settings.notifications.email = true;
    await a.$flush();
    const b = await openApp(id);
    expect(b.$asdict()).toEqual(a.$asdict());
    expect(b.complex.users[0]!.scores).toEqual([1, 96]);
    expect(Array.isArray(b.tasks)).toBe(true);
  });
});
