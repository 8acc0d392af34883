// onInvalid: "load-valid" and its function form: data written into Redis by hand (or
// by a writer of another schema) that this schema refuses is left out place by place,
// Redis keeps it, writes never lose it, and reloads apply the same rule.
import { describe, expect, it } from "vitest";
import { LeftOutError, Store, ValidationError, ajvValidators, openStore, type LeftOutPlace, type StoreSchema } from "redis-memory";
import { AgentConversation, AgentMemory } from "../../generated/index.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

/** Writes whatever it is given under the AgentMemory namespace (a hand, or another schema). */
class LooseAgent extends Store {
  static readonly schema: StoreSchema = { name: "AgentMemory", shape: { kind: "dict", additional: { kind: "any" } } };
}

type Loose = { $set(key: string, value: unknown): void; $get(key: string): any; $flush(): Promise<void>; $close(): Promise<void>; $key: string };

async function loose(id: string): Promise<Loose> {
  return (await openStore(LooseAgent, { redis: redisUrl(), id, live: false })) as unknown as Loose;
}

type Message = { role: string; content: string; at?: string };
const message = (i: number): Message => ({ role: i % 2 === 0 ? "user" : "assistant", content: `m${i}` });
/** Message `i` as the hostile instance holds it in Redis. */
const raw = (i: number): Message => (i === 17 ? { role: "robot", content: "beep" } : i === 33 ? { ...message(i), at: "yesterday" } : message(i));

/**
 * An instance whose `messages` is a list of its own in Redis holding 50 records, the
 * 17th of them invalid (role "robot") and the 33rd with an invalid optional field (`at`
 * is not a date-time), and whose `facts` is a hash with a valid key, a
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
  for (let i = 0; i < 50; i++) messages.push(raw(i));
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

/** The facts Redis holds (a list made a container of its own by a write inside it is read from it). */
async function redisFacts(ns: string): Promise<Record<string, unknown>> {
  const fields = await rawClient().hgetall(await keyOf(ns, "facts"));
  const out: Record<string, unknown> = {};
  for (const [key, enc] of Object.entries(fields)) {
    out[key] = enc.startsWith("@l:") ? (await rawClient().lrange(`${ns}:n:${enc.slice(3)}`, 0, -1)).map((item) => JSON.parse(item)) : JSON.parse(enc);
  }
  return out;
}

/** The messages Redis holds, in its order (a record made a hash of its own by a write inside it is read from it). */
async function redisMessages(ns: string): Promise<Message[]> {
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
    expect(places.map((p) => p.path)).toEqual([["messages", 17], ["messages", 33, "at"], ["facts", "mixed", 1], ["facts", "wrong"]]);
    expect(places[0]!.value).toEqual({ role: "robot", content: "beep" });
    expect(places[0]!.problems.map((p) => p.path)).toContainEqual(["messages", 17, "role"]);
    expect(places[0]!.problems[0]!.schemaPointer).toMatch(/agent-memory\.json#/);
    // A record with one bad optional field keeps the others.
    expect(places[1]!.value).toBe("yesterday");
    expect(places[2]!.value).toBe(5);
    expect(places[3]!.value).toBe("not a list");
    expect(calls[0]!.error).toBeInstanceOf(ValidationError);
    // The dict: one bad element of a list value, one bad value; the rest loads.
    expect(mem.facts.asdict()).toEqual({ good: ["a"], mixed: ["b"] });
    // Opening wrote and deleted nothing.
    const ns = mem.$key;
    expect(await redisMessages(ns)).toEqual(Array.from({ length: 50 }, (_, i) => raw(i)));
    expect(await rawClient().hgetall(await keyOf(ns, "facts"))).toEqual({ good: '["a"]', mixed: '["b",5]', wrong: '"not a list"' });
  });

  it("writes are aimed around the left-out places and never drop them", async () => {
    const id = uniqueId();
    await hostile(id);
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }));
    const ns = mem.$key;
    // Index 20 of the replica is position 21 in Redis (17 is left out before it).
    mem.messages[20]!.content = "edited";
    // A write inside the record that lost its `at`: Redis' record keeps it.
    mem.messages[32]!.content = "inside";
    (mem.messages as unknown as Record<number, unknown>)[30] = { role: "user", content: "replaced" };
    mem.messages.push({ role: "user", content: "new" });
    mem.messages.splice(2, 1);
    mem.messages.insert(0, { role: "system", content: "first" });
    await mem.$flush();
    // The same operations on what Redis held, the bad record included, at Redis' positions.
    const expected = Array.from({ length: 50 }, (_, i) => raw(i));
    expected[21] = { ...expected[21]!, content: "edited" };
    expected[33] = { ...expected[33]!, content: "inside" };
    expected[31] = { role: "user", content: "replaced" };
    expected.push({ role: "user", content: "new" });
    expected.splice(2, 1);
    expected.unshift({ role: "system", content: "first" });
    const held = await redisMessages(ns);
    expect(held).toEqual(expected);
    expect(held[17]).toEqual({ role: "robot", content: "beep" });
    expect(mem.messages.aslist()).toEqual(held.filter((m) => m.role !== "robot").map(({ at: _at, ...shown }) => shown));
    // A write that would rewrite or drop the left-out record is refused, and changes nothing.
    const before = mem.messages.aslist();
    expect(() => mem.messages.reverse()).toThrow(LeftOutError);
    expect(() => mem.messages.splice(15, 3)).toThrow(LeftOutError);
    expect(mem.messages.aslist()).toEqual(before);
    // Inside the dict: a new key; a push onto the list that lost an element (Redis keeps it);
    // writing the left-out key replaces what Redis held there.
    mem.facts.update({ more: ["c"] });
    mem.facts.mixed!.push("z");
    mem.facts.update({ wrong: ["fixed"] });
    await mem.$flush();
    expect(await redisFacts(ns)).toEqual({ good: ["a"], mixed: ["b", 5, "z"], wrong: ["fixed"], more: ["c"] });
    expect(mem.facts.asdict()).toEqual({ good: ["a"], mixed: ["b", "z"], wrong: ["fixed"], more: ["c"] });
    expect(await redisMessages(ns)).toEqual(held);
    // Another process sees the same: what Redis holds, less the one bad record.
    const other = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }));
    expect(other.messages.aslist()).toEqual(mem.messages.aslist());
    expect(other.facts.asdict()).toEqual({ good: ["a"], mixed: ["b", "z"], wrong: ["fixed"], more: ["c"] });
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

  it("a write inside a value that reads as its default is refused; assigning the field replaces what Redis held", async () => {
    const id = uniqueId();
    await hostile(id, { summary: 7 });
    const writer = await loose(id);
    writer.$set("facts", "not an object");
    await writer.$close();
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }));
    expect(mem.facts.asdict()).toEqual({});
    expect(mem.summary).toBeNull();
    expect(() => {
      mem.facts.topic = ["x"] as never;
    }).toThrow(LeftOutError);
    expect(mem.facts.asdict()).toEqual({});
    mem.facts = { topic: ["x"] };
    await mem.$flush();
    expect(await rawClient().hget(`${mem.$key}:root`, "facts")).toBe('{"topic":["x"]}');
    expect(await rawClient().hget(`${mem.$key}:root`, "summary")).toBe("7");
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

describe("retention around a left-out element", () => {
  class LooseConversation extends Store {
    static readonly schema: StoreSchema = { name: "AgentConversation", shape: { kind: "dict", additional: { kind: "any" } } };
  }
  const turn = (i: number): { role: "user"; content: string } => ({ role: "user", content: `t${i}` });

  it("keepLast counts what Redis holds: the left-out element falls off the front in its turn", async () => {
    const id = uniqueId();
    const writer = (await openStore(LooseConversation, { redis: redisUrl(), id, live: false })) as unknown as Loose;
    writer.$set("summary", "");
    writer.$set("turns", 0);
    writer.$set("messages", []);
    for (let i = 0; i < 6; i++) writer.$get("messages").push(i === 2 ? { role: "robot", content: "beep" } : turn(i));
    await writer.$close();
    const mem = track(await AgentConversation.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }));
    expect(mem.messages.aslist()).toEqual([turn(0), turn(1), turn(3), turn(4), turn(5)]);
    mem.messages.push(turn(6));
    mem.messages.push(turn(7));
    await mem.$flush();
    const held = async (): Promise<unknown[]> => (await rawClient().lrange(await keyOf(mem.$key, "messages"), 0, -1)).map((enc) => JSON.parse(enc));
    expect(await held()).toEqual([{ role: "robot", content: "beep" }, turn(3), turn(4), turn(5), turn(6), turn(7)]);
    expect(mem.messages.aslist()).toEqual([turn(3), turn(4), turn(5), turn(6), turn(7)]);
    mem.messages.push(turn(8));
    await mem.$flush();
    expect(await held()).toEqual([turn(3), turn(4), turn(5), turn(6), turn(7), turn(8)]);
    expect(mem.messages.aslist()).toEqual(await held());
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
    expect(calls[1]!.leftOut.map((p) => p.path)).toEqual([["messages", 17], ["messages", 33, "at"], ["messages", 50], ["facts", "mixed", 1], ["facts", "wrong"]]);
    expect(mem.messages.length).toBe(50);
    expect(mem.messages.at(-1)).toEqual(message(51));
    expect(mem.messages.aslist().some((m) => m.role !== "user" && m.role !== "assistant")).toBe(false);
    expect(await redisMessages(mem.$key)).toHaveLength(52);
    await writer.$close();
  });

  it("under \"load-valid\", a reload that leaves something out says so with an error event", async () => {
    const id = uniqueId();
    await hostile(id);
    const mem = track(await AgentMemory.open({ redis: redisUrl(), id, live: false, onInvalid: "load-valid" }));
    const errors: Error[] = [];
    mem.$on("error", (error) => void errors.push(error));
    await mem.$refresh();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ValidationError);
    expect((errors[0] as ValidationError).problems.map((p) => p.path)).toContainEqual(["messages", 17, "role"]);
    expect(mem.messages.length).toBe(49);
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
