// onInvalid: "load-valid" and its function form: data written into Redis by hand (or
// by a writer of another schema) that this schema refuses is left out place by place,
// Redis keeps it, writes never lose it, and reloads apply the same rule.
import { describe, expect, it } from "vitest";
import { LeftOutError, Store, ValidationError, ajvValidators, openStore, type LeftOutPlace, type StoreSchema } from "redis-memory";
import { AgentMemory } from "../../generated/index.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

/** Writes whatever it is given under the AgentMemory namespace (a hand, or another schema). */
class LooseAgent extends Store {
  static readonly schema: StoreSchema = { name: "AgentMemory", shape: { kind: "dict", additional: { kind: "any" } } };
}

type Loose = { $set(key: string, value: unknown): void; $get(key: string): any; $flush(): Promise<void>; $close(): Promise<void>; $key: string };

async function loose(id: string): Promise<Loose> {
  return (await openStore(LooseAgent, { redis: redisUrl(), id, live: false })) as unknown as Loose;
}

const message = (i: number): { role: string; content: string } => ({ role: i % 2 === 0 ? "user" : "assistant", content: `m${i}` });

/**
 * An instance whose `messages` is a list of its own in Redis holding 50 records, the
 * 17th of them invalid (role "robot"), and whose `facts` is a hash with a valid key, a
 * key whose list holds a number and a key that is not a list.
 */
async function hostile(id: string, root: Record<string, unknown> = {}): Promise<Loose> {
  const writer = await loose(id);
  writer.$set("conversationId", id);
  writer.$set("summary", null);
  writer.$set("turns", 3);
  writer.$set("messages", []);
  writer.$set("facts", {});
  for (const [key, value] of Object.entries(root)) writer.$set(key, value);
  const messages = writer.$get("messages");
  for (let i = 0; i < 50; i++) messages.push(i === 17 ? { role: "robot", content: "beep" } : message(i));
  const facts = writer.$get("facts");
  facts.good = ["a"];
  facts.mixed = ["b", 5];
  facts.wrong = "not a list";
  await writer.$flush();
  return writer;
}

/** The Redis key of a container the root hash field `field` refers to. */
async function keyOf(ns: string, field: string): Promise<string> {
  const enc = await rawClient().hget(`${ns}:root`, field);
  expect(enc).toMatch(/^@[ld]:/);
  return `${ns}:n:${enc!.slice(3)}`;
}

/** The messages Redis holds, in its order (a record made a hash of its own by a write inside it is read from it). */
async function redisMessages(ns: string): Promise<{ role: string; content: string }[]> {
  const encs = await rawClient().lrange(await keyOf(ns, "messages"), 0, -1);
  return Promise.all(
    encs.map(async (enc) => {
      if (!enc.startsWith("@d:")) return JSON.parse(enc);
      const fields = await rawClient().hgetall(`${ns}:n:${enc.slice(3)}`);
      return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, JSON.parse(value)]));
    }),
  );
}

function recorder(): { calls: { error: ValidationError; leftOut: readonly LeftOutPlace[] }[]; onInvalid: (error: ValidationError, leftOut: readonly LeftOutPlace[]) => void } {
  const calls: { error: ValidationError; leftOut: readonly LeftOutPlace[] }[] = [];
  return { calls, onInvalid: (error, leftOut) => void calls.push({ error, leftOut }) };
}

describe("onInvalid: load-valid leaves out the smallest invalid places", () => {
  it("one bad record of a 50-record list: the other 49 load, the function gets the raw record, Redis keeps all 50", async () => {
    const id = uniqueId();
    await hostile(id);
    const { calls, onInvalid } = recorder();
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid }));
    expect(mem.messages.length).toBe(49);
    expect(mem.messages.aslist()).toEqual(Array.from({ length: 50 }, (_, i) => message(i)).filter((_, i) => i !== 17));
    expect(calls).toHaveLength(1);
    const places = calls[0]!.leftOut;
    expect(places.map((p) => p.path)).toEqual([["messages", 17], ["facts", "mixed", 1], ["facts", "wrong"]]);
    expect(places[0]!.value).toEqual({ role: "robot", content: "beep" });
    expect(places[0]!.problems.map((p) => p.path)).toContainEqual(["messages", 17, "role"]);
    expect(places[0]!.problems[0]!.schemaPointer).toMatch(/agent-memory\.json#/);
    expect(places[1]!.value).toBe(5);
    expect(places[2]!.value).toBe("not a list");
    expect(calls[0]!.error).toBeInstanceOf(ValidationError);
    // The dict: one bad element of a list value, one bad value; the rest loads.
    expect(mem.facts.asdict()).toEqual({ good: ["a"], mixed: ["b"] });
    // Opening wrote and deleted nothing.
    const ns = mem.$key;
    expect((await redisMessages(ns))[17]).toEqual({ role: "robot", content: "beep" });
    expect(await redisMessages(ns)).toHaveLength(50);
    expect(await rawClient().hgetall(await keyOf(ns, "facts"))).toEqual({ good: '["a"]', mixed: '["b",5]', wrong: '"not a list"' });
  });

  it("writes are aimed around the left-out places and never drop them", async () => {
    const id = uniqueId();
    await hostile(id);
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }));
    const ns = mem.$key;
    // Index 20 of the replica is position 21 in Redis (17 is left out before it).
    mem.messages[20]!.content = "edited";
    (mem.messages as unknown as Record<number, unknown>)[30] = { role: "user", content: "replaced" };
    mem.messages.push({ role: "user", content: "new" });
    mem.messages.splice(2, 1);
    mem.messages.insert(0, { role: "system", content: "first" });
    await mem.$flush();
    // The same operations on what Redis held, the bad record included, at Redis' positions.
    const expected: { role: string; content: string }[] = Array.from({ length: 50 }, (_, i) => (i === 17 ? { role: "robot", content: "beep" } : message(i)));
    expected[21] = { ...expected[21]!, content: "edited" };
    expected[31] = { role: "user", content: "replaced" };
    expected.push({ role: "user", content: "new" });
    expected.splice(2, 1);
    expected.unshift({ role: "system", content: "first" });
    const held = await redisMessages(ns);
    expect(held).toEqual(expected);
    expect(held[17]).toEqual({ role: "robot", content: "beep" });
    expect(mem.messages.aslist()).toEqual(held.filter((m) => m.role !== "robot"));
    // A write that would rewrite or drop the left-out record is refused, and changes nothing.
    const before = mem.messages.aslist();
    expect(() => mem.messages.reverse()).toThrow(LeftOutError);
    expect(() => mem.messages.splice(15, 3)).toThrow(LeftOutError);
    expect(mem.messages.aslist()).toEqual(before);
    // Inside the dict: a new key is fine, a write inside the list that lost an element is refused,
    // writing the left-out key replaces what Redis held there.
    mem.facts.update({ more: ["c"] });
    expect(() => mem.facts.mixed!.push("z")).toThrow(LeftOutError);
    mem.facts.update({ wrong: ["fixed"] });
    await mem.$flush();
    expect(await rawClient().hgetall(await keyOf(ns, "facts"))).toEqual({ good: '["a"]', mixed: '["b",5]', wrong: '["fixed"]', more: '["c"]' });
    expect(await redisMessages(ns)).toEqual(held);
    // Another process sees the same: what Redis holds, less the one bad record.
    const other = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }));
    expect(other.messages.aslist()).toEqual(mem.messages.aslist());
    expect(other.facts.asdict()).toEqual({ good: ["a"], mixed: ["b"], wrong: ["fixed"], more: ["c"] });
    // Replacing the list whole replaces the left-out record too.
    other.messages.clear();
    await other.$flush();
    expect(await redisMessages(ns)).toEqual([]);
  });

  it("deleting a left-out key deletes it in Redis", async () => {
    const id = uniqueId();
    await hostile(id);
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }));
    delete mem.facts.wrong;
    await mem.$flush();
    expect(await rawClient().hgetall(await keyOf(mem.$key, "facts"))).toEqual({ good: '["a"]', mixed: '["b",5]' });
  });

  it("keeps an undeclared root field (the schema leaves the root open), and it round-trips", async () => {
    const id = uniqueId();
    await hostile(id, { addedByV2: { x: 1 } });
    const { calls, onInvalid } = recorder();
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid }));
    expect(calls[0]!.leftOut.map((p) => p.path)).not.toContainEqual(["addedByV2"]);
    expect(mem.$asdict()).toHaveProperty("addedByV2", { x: 1 });
    mem.turns = 4;
    await mem.$flush();
    expect(await rawClient().hget(`${mem.$key}:root`, "addedByV2")).toBe('{"x":1}');
  });

  it("a required field that is invalid reads as its default, and Redis keeps its value until it is written", async () => {
    const id = uniqueId();
    await hostile(id, { turns: -3 });
    const { calls, onInvalid } = recorder();
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid }));
    expect(mem.turns).toBe(0);
    expect(calls[0]!.leftOut).toContainEqual(expect.objectContaining({ path: ["turns"], value: -3, fallback: 0 }));
    mem.title = "t";
    await mem.$flush();
    expect(await rawClient().hget(`${mem.$key}:root`, "turns")).toBe("-3");
    // An increment would add to what Redis holds, not to what the replica shows.
    await expect(Promise.resolve().then(() => mem.$incr("turns"))).rejects.toThrow(LeftOutError);
    mem.turns = 5;
    await mem.$flush();
    expect(await rawClient().hget(`${mem.$key}:root`, "turns")).toBe("5");
  });

  it("a required field that is invalid and has no default fails the open, naming it", async () => {
    const id = uniqueId();
    await hostile(id, { conversationId: 42 });
    const ns = `memory:{AgentMemory:${id}}`;
    const before = await rawClient().hgetall(`${ns}:root`);
    const error = await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems;
    expect(problems.map((p) => p.path)).toContainEqual(["conversationId"]);
    expect(problems.map((p) => p.schemaPointer)).toContain("schemas/agent-memory.json#/properties/conversationId/type");
    expect((error as Error).message).toMatch(/required field "conversationId".*no default/);
    expect(await rawClient().hgetall(`${ns}:root`)).toEqual(before);
  });
});

describe("reloads check what they read", () => {
  it("$refresh() leaves out what open() left out, and what came since, calling the function again", async () => {
    const id = uniqueId();
    const writer = await hostile(id);
    const { calls, onInvalid } = recorder();
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid }));
    writer.$get("messages").push({ role: "alien", content: "late" }, message(51));
    await writer.$flush();
    await mem.$refresh();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.leftOut.map((p) => p.path)).toEqual([["messages", 17], ["messages", 50], ["facts", "mixed", 1], ["facts", "wrong"]]);
    expect(mem.messages.length).toBe(50);
    expect(mem.messages.at(-1)).toEqual(message(51));
    expect(mem.messages.aslist().some((m) => m.role !== "user" && m.role !== "assistant")).toBe(false);
    expect(await redisMessages(mem.$key)).toHaveLength(52);
    await writer.$close();
  });

  it("under the default, a reload of invalid data is an error event with the path, and the replica equals Redis", async () => {
    const id = uniqueId();
    const writer = await loose(id);
    writer.$set("conversationId", id);
    writer.$set("messages", []);
    await writer.$flush();
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false }));
    const errors: Error[] = [];
    mem.$on("error", (error) => void errors.push(error));
    writer.$get("messages").push({ role: "robot", content: "beep" });
    await writer.$flush();
    await mem.$refresh();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ValidationError);
    expect((errors[0] as ValidationError).path).toEqual(["messages", 0, "role"]);
    expect(mem.messages.aslist()).toEqual(await redisMessages(mem.$key));
    await writer.$close();
  });

  it("a live store under load-valid reloads another writer's invalid entry and leaves it out", async () => {
    const id = uniqueId();
    const writer = await hostile(id);
    let resolve!: (leftOut: readonly LeftOutPlace[]) => void;
    const second = new Promise<readonly LeftOutPlace[]>((r) => (resolve = r));
    let count = 0;
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, onInvalid: (_e, leftOut) => void (++count === 2 && resolve(leftOut)) }));
    writer.$get("messages").push({ role: "alien", content: "late" });
    await writer.$flush();
    const leftOut = await second;
    expect(leftOut.map((p) => p.path)).toContainEqual(["messages", 50]);
    expect(mem.messages.length).toBe(49);
    await writer.$close();
  });
});

describe("a closed root", () => {
  const schema = { type: "object", properties: { name: { type: "string" } }, additionalProperties: false };
  const at = ajvValidators(schema, { "": "closed.json#" });
  class Closed extends Store {
    static readonly schema: StoreSchema = {
      name: "Closed",
      shape: { kind: "dict", additional: false, properties: { name: { kind: "scalar", ...at("/properties/name") } }, ...at("") },
    };
  }
  class LooseClosed extends Store {
    static readonly schema: StoreSchema = { name: "Closed", shape: { kind: "dict", additional: { kind: "any" } } };
  }

  it("leaves out an undeclared root field (Redis keeps it)", async () => {
    const id = uniqueId();
    const writer = (await openStore(LooseClosed, { redis: redisUrl(), id, live: false })) as unknown as Loose;
    writer.$set("name", "n");
    writer.$set("stray", 1);
    await writer.$close();
    const { calls, onInvalid } = recorder();
    const store = track(await openStore(Closed, { redis: redisUrl(), id, live: false, onInvalid }));
    expect(store.$asdict()).toEqual({ name: "n" });
    expect(calls[0]!.leftOut).toEqual([expect.objectContaining({ path: ["stray"], value: 1 })]);
    expect(calls[0]!.leftOut[0]!.problems[0]!.schemaPointer).toBe("closed.json#/additionalProperties");
    expect(await rawClient().hget(`${store.$key}:root`, "stray")).toBe("1");
  });
});
