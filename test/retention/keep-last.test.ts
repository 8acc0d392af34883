// Retention: `"x-redis-memory": { "keepLast": N }` on a list. A write that makes the
// list longer than N drops its oldest elements in the same batch, in Redis (inside the
// batch script) and in every replica, and the change event carries what was dropped.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../../runtime/index.js";
import { orphanKeys, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";
import { Chat, MAX } from "./chat-store.js";

const msg = (i: number): { role: string; content: string } => ({ role: i % 2 ? "assistant" : "user", content: `m${i}` });

async function open(id: string, live = false): Promise<Chat> {
  return track(await Chat.open({ redis: redisUrl(), id, live }));
}

/** What Redis holds for the conversation's messages, parsed. */
async function stored(chat: Chat): Promise<unknown[]> {
  const raw = rawClient();
  const ref = await raw.hget(`${chat.$key}:root`, "messages");
  if (!ref?.startsWith("@l:")) return ref ? (JSON.parse(ref) as unknown[]) : [];
  return (await raw.lrange(`${chat.$key}:n:${ref.slice(3)}`, 0, -1)).map((text) => JSON.parse(text) as unknown);
}

/** The instance id of an open Chat (its key is `memory:{Chat:<id>}`). */
const idOf = (chat: Chat): string => chat.$key.slice("memory:{Chat:".length, -1);

function droppedOf(chat: Chat): unknown[][] {
  const dropped: unknown[][] = [];
  chat.$on("change", (event: ChangeEvent) => {
    if (event.op === "keep") dropped.push([...(event.dropped ?? [])]);
  });
  return dropped;
}

describe("keepLast: every list mutator", () => {
  const cases: [string, (chat: Chat) => void, (plain: { role: string; content: string }[]) => void][] = [
    ["push, one at a time", (c) => { for (let i = 0; i < 8; i++) c.messages.push(msg(i)); }, (p) => { for (let i = 0; i < 8; i++) p.push(msg(i)); }],
    ["push of several", (c) => void c.messages.push(msg(0), msg(1), msg(2), msg(3), msg(4), msg(5), msg(6)), (p) => void p.push(msg(0), msg(1), msg(2), msg(3), msg(4), msg(5), msg(6))],
    ["append and extend", (c) => { c.messages.append(msg(0)); c.messages.extend([msg(1), msg(2), msg(3), msg(4), msg(5), msg(6), msg(7)]); }, (p) => void p.push(msg(0), msg(1), msg(2), msg(3), msg(4), msg(5), msg(6), msg(7))],
    ["unshift (the newcomers are the front: they go first)", (c) => { c.messages.push(msg(0), msg(1), msg(2), msg(3)); c.messages.unshift(msg(8), msg(9)); }, (p) => { p.push(msg(0), msg(1), msg(2), msg(3)); p.unshift(msg(8), msg(9)); }],
    ["splice that inserts", (c) => { c.messages.push(msg(0), msg(1), msg(2), msg(3), msg(4)); c.messages.splice(2, 0, msg(7), msg(8)); }, (p) => { p.push(msg(0), msg(1), msg(2), msg(3), msg(4)); p.splice(2, 0, msg(7), msg(8)); }],
    ["insert", (c) => { c.messages.push(msg(0), msg(1), msg(2), msg(3), msg(4)); c.messages.insert(1, msg(9)); }, (p) => { p.push(msg(0), msg(1), msg(2), msg(3), msg(4)); p.splice(1, 0, msg(9)); }],
    ["assigning a longer list", (c) => { c.messages = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(msg); }, (p) => void p.push(...[0, 1, 2, 3, 4, 5, 6, 7, 8].map(msg))],
  ];
  for (const [name, write, model] of cases) {
    it(`${name}: Redis and the replica keep the newest ${MAX}, and a fresh open() agrees`, async () => {
      const chat = await open(uniqueId("keep"));
      write(chat);
      await chat.$flush();
      const plain: { role: string; content: string }[] = [];
      model(plain);
      const expected = plain.slice(-MAX);
      expect(chat.messages.aslist()).toEqual(expected);
      expect(await stored(chat)).toEqual(expected);
      const again = await open(idOf(chat));
      expect(again.messages.aslist()).toEqual(expected);
    });
  }

  it("reports what Redis dropped, oldest first, in a change event once the batch is applied", async () => {
    const chat = await open(uniqueId("events"));
    const dropped = droppedOf(chat);
    for (let i = 0; i < MAX; i++) chat.messages.push(msg(i));
    await chat.$flush();
    expect(dropped).toEqual([]);
    chat.messages.push(msg(MAX));
    chat.messages.push(msg(MAX + 1), msg(MAX + 2));
    // The replica is trimmed at once; the event waits for Redis' answer.
    expect(chat.messages.length).toBe(MAX);
    expect(dropped).toEqual([]);
    await chat.$flush();
    expect(dropped).toEqual([[msg(0), msg(1), msg(2)]]);
    chat.messages.push(msg(MAX + 3));
    await chat.$flush();
    expect(dropped).toEqual([[msg(0), msg(1), msg(2)], [msg(3)]]);
    expect(await stored(chat)).toEqual([4, 5, 6, 7, 8].map(msg));
  });

  it("keeps Redis at N when the writer's replica is short: another writer appended meanwhile", async () => {
    const id = uniqueId("short");
    const a = await open(id);
    const b = await open(id);
    a.messages.push(msg(0), msg(1), msg(2), msg(3));
    await a.$flush();
    // b has not heard a's appends (not live): its list holds 0, after its push 3 (<= N).
    b.messages.push(msg(10), msg(11), msg(12));
    await b.$flush();
    expect(await stored(a)).toEqual([msg(2), msg(3), msg(10), msg(11), msg(12)]);
  });

  it("reports what Redis dropped, not what a stale replica would have: another writer appended first", async () => {
    const id = uniqueId("stale");
    const a = await open(id);
    for (let i = 0; i < MAX; i++) a.messages.push(msg(i));
    await a.$flush();
    const b = await open(id);
    a.messages.push(msg(10));
    await a.$flush();
    // b has not heard a's append (not live): its replica would drop m0; Redis drops m1.
    const dropped = droppedOf(b);
    b.messages.push(msg(20));
    await b.$flush();
    expect(dropped).toEqual([[msg(1)]]);
    expect(await stored(a)).toEqual([msg(2), msg(3), msg(4), msg(10), msg(20)]);
  });

  it("sends one trim after the appends of a tick, not one per append", async () => {
    const chat = await open(uniqueId("coalesce"));
    for (let i = 0; i < 1_000; i++) chat.messages.push(msg(i));
    await chat.$flush();
    expect(await stored(chat)).toEqual([995, 996, 997, 998, 999].map(msg));
    expect(chat.messages.aslist()).toEqual([995, 996, 997, 998, 999].map(msg));
  });

  it("a list with keepLast and maxItems takes an append on a full list (judged after the trim)", async () => {
    const chat = await open(uniqueId("max"));
    for (let i = 0; i < 2 * MAX; i++) chat.log.push(i);
    await chat.$flush();
    expect(chat.log.aslist()).toEqual([5, 6, 7, 8, 9]);
    const raw = rawClient();
    const ref = (await raw.hget(`${chat.$key}:root`, "log"))!;
    expect(ref.startsWith("@l:") ? await raw.lrange(`${chat.$key}:n:${ref.slice(3)}`, 0, -1) : JSON.parse(ref)).toEqual(["5", "6", "7", "8", "9"].map((x) => (ref.startsWith("@l:") ? x : Number(x))));
  });

  it("keeps lists inside a dict to their own bound", async () => {
    const chat = await open(uniqueId("nested"));
    chat.notes.update({ weather: ["a"] });
    for (const note of ["b", "c", "d", "e"]) chat.notes.weather!.push(note);
    chat.notes.update({ food: ["1", "2", "3", "4"] });
    await chat.$flush();
    expect(chat.notes.asdict()).toEqual({ weather: ["c", "d", "e"], food: ["2", "3", "4"] });
    const again = await open(idOf(chat));
    expect(again.notes.asdict()).toEqual({ weather: ["c", "d", "e"], food: ["2", "3", "4"] });
  });

  it("drops the containers of dropped records that became containers (no orphan keys)", async () => {
    const chat = await open(uniqueId("refs"));
    for (let i = 0; i < MAX; i++) chat.messages.push(msg(i));
    await chat.$flush();
    // Writing inside a record makes it a container of its own.
    chat.messages[0]!.content = "edited";
    chat.messages[1]!.content = "edited too";
    await chat.$flush();
    chat.messages.push(msg(10), msg(11));
    await chat.$flush();
    expect(chat.messages.aslist().map((m) => m.content)).toEqual(["m2", "m3", "m4", "m10", "m11"]);
    expect(await orphanKeys(rawClient(), chat.$key)).toEqual([]);
    const raw = rawClient();
    const keys = await raw.keys(`${chat.$key.replace(/[{}]/g, "\\$&")}:n:*`);
    // Only the messages list itself is left (the edited records were dropped with their keys).
    expect(keys).toHaveLength(1);
  });
});

describe("keepLast: other replicas", () => {
  it("a live replica applies the writer's trims and hears what was dropped", async () => {
    const id = uniqueId("live");
    const writer = await open(id);
    writer.messages.push(msg(0));
    await writer.$flush();
    const reader = await open(id, true);
    const dropped = droppedOf(reader);
    const heard = new Promise<void>((resolve) => reader.$on("change", (e) => e.op === "keep" && e.source === "remote" && resolve()));
    for (let i = 1; i < 8; i++) writer.messages.push(msg(i));
    await writer.$flush();
    await heard;
    expect(reader.messages.aslist()).toEqual([3, 4, 5, 6, 7].map(msg));
    expect(dropped.flat()).toEqual([0, 1, 2].map(msg));
  });

  it("two processes appending at once never leave more than N, and what stays is each writer's newest", async () => {
    const id = uniqueId("race");
    const seed = await open(id);
    seed.messages = [];
    await seed.$flush();
    const worker = fileURLToPath(new URL("./append-worker.ts", import.meta.url));
    const children = ["a", "b"].map((w) => spawn(process.execPath, ["--import", "tsx", worker, redisUrl(), id, w, "150"], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
    await Promise.all(children.map((child) => new Promise<void>((resolve) => child.once("message", () => resolve()))));
    const lengths = Promise.all(children.map((child) => new Promise<number>((resolve, reject) => {
      child.on("message", (m: { done?: number }) => m.done !== undefined && resolve(m.done));
      child.once("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
    })));
    for (const child of children) child.send({ go: true });
    for (const length of await lengths) expect(length).toBeLessThanOrEqual(MAX);
    const kept = (await stored(seed)) as { content: string }[];
    expect(kept).toHaveLength(MAX);
    // A writer's appends keep their order: what stays of each is a suffix of what it wrote.
    for (const w of ["a", "b"]) {
      const mine = kept.map((m) => m.content).filter((c) => c.startsWith(`w${w}:`)).map((c) => Number(c.slice(3)));
      for (let i = 1; i < mine.length; i++) expect(mine[i]).toBe(mine[i - 1]! + 1);
      if (mine.length > 0) expect(mine.at(-1)).toBe(149);
    }
    const fresh = await open(id);
    expect(fresh.messages.aslist()).toEqual(kept);
  });
});
