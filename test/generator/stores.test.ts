// The generated stores against a real Redis: every field written through one store
// is what a freshly opened store reads back; the generated validators reject bad writes.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { ValidationError } from "redis-memory";
import { AgentMemory, AppMemory, ContactBook, Showcase } from "../../generated/index.js";

const redis = inject("redisUrl");
const prefix = `test-gen-${randomUUID().slice(0, 8)}:`;
const open: { $close(): Promise<void>; $delete(): Promise<void> }[] = [];
const track = <T extends { $close(): Promise<void>; $delete(): Promise<void> }>(store: T): T => {
  open.push(store);
  return store;
};

afterEach(async () => {
  for (const store of open.splice(0)) {
    await store.$delete().catch(() => undefined);
    await store.$close();
  }
});

const id = (): string => randomUUID();

describe("generated AppMemory (the redis-memory documentation's examples)", () => {
  it("fills defaults for a new instance and round-trips every field", async () => {
    const key = id();
    const mem = track(await AppMemory.open({ redis, prefix, id: key, init: { config: { theme: "light" } } }));
    expect(mem.tasks.length).toBe(0);
    expect(mem.counter).toBe(0);
    mem.tasks = [1, 2, 3];
    mem.tasks.push(4);
    mem.items.push("a", { b: [1, 2] }, null);
    mem.config.theme = "dark";
    mem.config.lang = "en";
    mem.config.region = "eu";
    mem.data.user = { name: "Ada", email: "ada@example.com", age: 36 };
    mem.complex.users.push({ name: "ann", scores: [90] });
    mem.complex.users[0]!.scores.push(96);
    mem.complex.settings.notifications = { email: false, push: true, digest: "daily" };
    mem.title = "notes";
    mem.counter = 7;
    await mem.$flush();
    const other = track(await AppMemory.open({ redis, prefix, id: key }));
    expect(other.$asdict()).toEqual({
      tasks: [1, 2, 3, 4],
      items: ["a", { b: [1, 2] }, null],
      config: { theme: "dark", lang: "en", region: "eu" },
      data: { user: { name: "Ada", email: "ada@example.com", age: 36 } },
      complex: { users: [{ name: "ann", scores: [90, 96] }], settings: { notifications: { email: false, push: true, digest: "daily" } } },
      title: "notes",
      counter: 7,
    });
    other.title = undefined;
    await other.$flush();
    const third = track(await AppMemory.open({ redis, prefix, id: key }));
    expect(third.title).toBeUndefined();
  });

  it("rejects writes the schema forbids, with the data path", async () => {
    const mem = track(await AppMemory.open({ redis, prefix, id: id(), init: { config: {} } }));
    mem.complex.users.push({ name: "ann", scores: [] });
    expect(() => mem.complex.users[0]!.scores.push(101)).toThrow(ValidationError);
    expect(() => mem.tasks.push(1.5)).toThrow(ValidationError);
    expect(() => {
      mem.config.theme = "blue" as "dark";
    }).toThrow(ValidationError);
    try {
      mem.data.user = { name: "" };
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(String((error as Error).message)).toMatch(/minLength|fewer than 1/);
    }
  });
});

describe("generated AgentMemory", () => {
  it("shares one conversation between two stores", async () => {
    const conversationId = id();
    const a = track(await AgentMemory.open({ redis, prefix, id: conversationId, init: { conversationId } }));
    a.messages.push({ role: "user", content: "hello" });
    a.messages.push({ role: "assistant", content: "hi", at: "2025-01-01T00:00:00Z" });
    a.summary = "greetings";
    // An index signature cannot take plain data while reading synced lists: write through update().
    a.facts.update({ user: ["likes tea"] });
    a.facts.user?.push("lives in Paris");
    a.turns = 1;
    a.title = "Greeting";
    await a.$flush();
    const b = track(await AgentMemory.open({ redis, prefix, id: conversationId }));
    expect(b.$asdict()).toEqual({
      conversationId,
      title: "Greeting",
      messages: [
        { role: "user", content: "hello" },
        { role: "assistant", content: "hi", at: "2025-01-01T00:00:00Z" },
      ],
      summary: "greetings",
      facts: { user: ["likes tea", "lives in Paris"] },
      turns: 1,
    });
    expect(() => b.messages.push({ role: "robot" as "user", content: "x" })).toThrow(ValidationError);
  });
});

describe("generated Showcase and ContactBook", () => {
  it("round-trips unions, tuples, enums, nullable, pattern keys and allOf", async () => {
    const key = id();
    const s = track(await Showcase.open({ redis, prefix, id: key }));
    expect(s.status).toBe("active");
    expect(s.version).toBe(1);
    s.shape = { kind: "circle", radius: 2 };
    s.idOrName = "x1";
    s.point = [1.5, -2];
    s.status = "paused";
    s.nickname = null;
    s.labels.color = "red";
    s.employee = { name: "Eve", born: "1990-04-01", employeeNo: 7 };
    s.home = { city: "Lyon", zip: "69001" };
    s.tags.push("a", "b");
    s.matrix = [[1, 2], [3]];
    await s.$flush();
    const t = track(await Showcase.open({ redis, prefix, id: key }));
    expect(t.$asdict()).toEqual({
      shape: { kind: "circle", radius: 2 },
      idOrName: "x1",
      point: [1.5, -2],
      status: "paused",
      version: 1,
      nickname: null,
      labels: { color: "red" },
      employee: { name: "Eve", born: "1990-04-01", employeeNo: 7 },
      home: { city: "Lyon", zip: "69001" },
      tags: ["a", "b"],
      matrix: [[1, 2], [3]],
    });
    expect(() => {
      t.labels["Not-Lower"] = "x";
    }).toThrow(ValidationError);
    expect(() => t.tags.push("a")).toThrow(ValidationError);
    expect(() => {
      t.home = { city: "Lyon", zip: "123" };
    }).toThrow(ValidationError);
  });

  it("round-trips contacts with a cross-file type", async () => {
    const key = id();
    const c = track(await ContactBook.open({ redis, prefix, id: key }));
    c.contacts.push({ name: "Al", address: { city: "Oslo" }, phones: ["1", "2"] });
    c.owner = { city: "Bergen", street: "Main 1" };
    await c.$flush();
    const d = track(await ContactBook.open({ redis, prefix, id: key }));
    expect(d.$asdict()).toEqual({ contacts: [{ name: "Al", address: { city: "Oslo" }, phones: ["1", "2"] }], owner: { city: "Bergen", street: "Main 1" } });
    expect(() => d.contacts[0]!.phones!.push("1")).toThrow(ValidationError);
  });
});
