import { describe, expect, it } from "vitest";
import { DetachedError, type ChangeEvent, type StatusEvent } from "redis-memory";
import { storeInternals } from "../../runtime/store.js";
import { openApp, rawClient, uniqueId } from "../helpers/redis.js";
import { settle } from "./settle.js";

/** Resolves when `store` emits `status`. */
function nextStatus(store: { $on(event: "status", fn: (e: StatusEvent) => void): () => void }, status: StatusEvent["status"]): Promise<void> {
  return new Promise((resolve) => {
    const off = store.$on("status", (event) => {
      if (event.status !== status) return;
      off();
      resolve();
    });
  });
}

describe("change feed", () => {
  it("applies another store's writes to a live replica, with remote change events", async () => {
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
    a.tasks.splice(1, 1, 7, 8);
    a.tasks[0] = 9;
    delete a.config.theme;
    await a.$incr("counter", 5);
    await settle([a, b], rawClient());
    expect(b.$asdict()).toEqual(a.$asdict());
    expect(b.counter).toBe(5);
    expect(events.every((e) => e.source === "remote")).toBe(true);
    expect(events).toContainEqual({ path: ["config", "theme"], op: "set", source: "remote" });
    expect(events).toContainEqual({ path: ["config", "theme"], op: "del", source: "remote" });
    expect(events).toContainEqual({ path: ["complex", "users", 0, "scores"], op: "push", source: "remote" });
    expect(events).toContainEqual({ path: ["tasks", 0], op: "lset", source: "remote" });
    expect(events).toContainEqual({ path: ["counter"], op: "incr", source: "remote" });
  });

  it("gives local change events with source local and stops after unsubscribe", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    const seenByA: ChangeEvent[] = [];
    const seenByB: ChangeEvent[] = [];
    const offA = a.$on("change", (event) => seenByA.push(event));
    const offB = b.$on("change", (event) => seenByB.push(event));
    a.title = "one";
    await settle([a, b], rawClient());
    offA();
    offB();
    a.title = "two";
    await settle([a, b], rawClient());
    expect(b.title).toBe("two");
    expect(seenByA).toEqual([{ path: ["title"], op: "set", source: "local" }]);
    expect(seenByB).toEqual([{ path: ["title"], op: "set", source: "remote" }]);
  });

  it("emits remote events once the whole batch is applied, so a listener's write lands after it", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    a.config.y = "old";
    await settle([a, b], rawClient());
    b.$on("change", (event) => {
      if (event.source === "remote" && event.path.join(".") === "config.x") b.config.y = "mine";
    });
    a.config.x = 1;
    delete a.config.y;
    await settle([a, b], rawClient());
    expect(b.config.y).toBe("mine");
    expect(a.$asdict()).toEqual(b.$asdict());
  });

  it("detaches a collection another process replaced", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    a.data.update({ user: { name: "ann", tags: ["x"] } });
    await settle([a, b], rawClient());
    const held = b.data.user!.tags;
    expect([...held]).toEqual(["x"]);
    a.data.update({ user: { name: "bob", tags: [] } });
    await settle([a, b], rawClient());
    expect(() => held.push("lost")).toThrow(DetachedError);
    expect(b.data.user).toEqual({ name: "bob", tags: [] });
  });

  it("converges when both stores write the same list before either has seen the other", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    a.tasks.push(1);
    b.tasks.push(2);
    b.tasks[0] = 20;
    a.tasks.unshift(0);
    await Promise.all([a.$flush(), b.$flush().catch(() => undefined)]);
    await settle([a, b], rawClient());
    const fresh = await openApp(id);
    expect(a.$asdict()).toEqual(fresh.$asdict());
    expect(b.$asdict()).toEqual(fresh.$asdict());
  });

  it("reloads on a gap in the log's sequence", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    const reloaded = nextStatus(b, "reloaded");
    // As if entries had been trimmed away: the next entry's seq skips ahead.
    await rawClient().hincrby(`${a.$key}:meta`, "seq", 3);
    a.tasks.push(1, 2);
    await reloaded;
    await settle([a, b], rawClient());
    expect(b.$asdict()).toEqual(a.$asdict());
  });

  it("reloads after the instance was deleted and written again (a rewind)", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    a.tasks.push(1, 2, 3);
    a.title = "old";
    await settle([a, b], rawClient());
    await a.$delete();
    a.title = "new";
    await settle([a, b], rawClient());
    // b found its instance gone: it holds the new one, with the defaults a first open fills.
    expect(b.title).toBe("new");
    expect(b.tasks.aslist()).toEqual([]);
    expect(b.$asdict()).toEqual(a.$asdict());
    // Opening fills the defaults the deleted instance lost; b sees that too.
    const fresh = await openApp(id);
    await fresh.$flush();
    await settle([a, b], rawClient());
    expect(b.$asdict()).toEqual(fresh.$asdict());
  });

  it("reloads when an entry comes from another incarnation of the instance", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    for (let i = 0; i < 5; i++) {
      a.tasks.push(i);
      await a.$flush();
    }
    await settle([a, b], rawClient());
    // Deleted by another client: the new incarnation's entries carry a lower seq than b's position.
    const other = await openApp(id);
    await other.$delete();
    const reloaded = nextStatus(b, "reloaded");
    const writer = await openApp(id);
    writer.title = "new incarnation";
    await writer.$flush();
    await reloaded;
    expect(b.title).toBe("new incarnation");
    expect(b.tasks.aslist()).toEqual([]);
  });

  it("reloads on an invalidation entry (a batch too large to log whole)", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    const big = "x".repeat(20_000);
    a.config.update({ one: big, two: big, three: big, four: big });
    const [, entries] = (await rawClient().xrevrange(`${a.$key}:log`, "+", "-", "COUNT", 1))[0]!;
    await settle([a, b], rawClient());
    expect(JSON.parse(entries[entries.indexOf("d") + 1]!)).toHaveProperty("i");
    expect(b.$asdict()).toEqual(a.$asdict());
  });

  it("reports disconnected and connected, and catches up, after its feed connection was killed while another store wrote", async () => {
    const id = uniqueId("feed");
    const a = await openApp(id, { live: true });
    const b = await openApp(id, { live: true });
    const statuses: string[] = [];
    b.$on("status", (event) => statuses.push(event.status));
    a.tasks.push(1);
    await settle([a, b], rawClient());

    const raw = rawClient();
    const name = storeInternals(b).lease!.subscriber().name;
    const line = String(await raw.client("LIST")).split("\n").find((l) => l.includes(`name=${name} `));
    const clientId = /\bid=(\d+)/.exec(line ?? "")?.[1];
    expect(clientId).toBeDefined();
    const connected = nextStatus(b, "connected");
    await raw.client("KILL", "ID", clientId!);
    a.tasks.push(2, 3);
    a.config.theme = "dark";
    await a.$flush();
    await connected;
    await settle([a, b], raw);
    expect(b.$asdict()).toEqual(a.$asdict());
    expect(statuses.indexOf("disconnected")).toBeGreaterThanOrEqual(0);
    expect(statuses.indexOf("disconnected")).toBeLessThan(statuses.indexOf("connected"));
  });
});
