// Fault test: the server restarts without persistence (empty) while a store has
// writes queued. The instance it loaded is gone: the queued writes must not recreate
// part of it (a root without its required fields, a list without the root that refers
// to it). They are refused (`$flush()` rejects with WriteError, an `error` event), the
// store reloads, and the next open() finds a valid instance.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { RedisMemoryError, Store, WriteError, openStore, type DictShape, type OpenOptions, type StoreSchema, type SyncedDict, type SyncedList } from "redis-memory";
import { instanceKeys } from "../helpers/inspect.js";
import { orphanKeys, track, uniqueId } from "../helpers/redis.js";
import { privateServer } from "../helpers/servers.js";

interface TicketData {
  name: string;
  items: string[];
  notes: Record<string, string>;
  title?: string;
}

const ticketShape: DictShape = {
  kind: "dict",
  additional: false,
  required: ["name"],
  properties: {
    name: { kind: "scalar" },
    items: { kind: "list", items: { kind: "scalar" }, default: [] },
    notes: { kind: "dict", additional: { kind: "scalar" }, default: {} },
    title: { kind: "scalar" },
  },
};

class Ticket extends Store<TicketData> {
  static readonly schema: StoreSchema = { name: "Ticket", shape: ticketShape, hash: "restart-test" };
  static open(options: OpenOptions<TicketData>): Promise<Ticket> {
    return openStore(Ticket, options);
  }
  get name(): string {
    return this.$get("name") as string;
  }
  get items(): SyncedList<string> {
    return this.$get("items") as SyncedList<string>;
  }
  get notes(): SyncedDict<Record<string, string>> {
    return this.$get("notes") as SyncedDict<Record<string, string>>;
  }
  get title(): string | undefined {
    return this.$get("title") as string | undefined;
  }
  set title(value: string | undefined) {
    this.$set("title", value);
  }
}

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.quit()));
});

describe("writes queued across an empty restart of the server", () => {
  const everywhere = (t: Ticket): void => {
    t.items.push("b");
    t.notes.k2 = "v2";
    t.title = "queued";
  };
  const rootOnly = (t: Ticket): void => {
    t.title = "queued";
  };
  const cases = [
    { live: true, writes: "a push, a dict key and a field", write: everywhere },
    { live: false, writes: "a push, a dict key and a field", write: everywhere },
    { live: true, writes: "a top-level field only", write: rootOnly },
    { live: false, writes: "a top-level field only", write: rootOnly },
  ];
  it.each(cases)("are refused and never recreate part of the instance ($writes, live: $live)", async ({ live, write }) => {
    const first = await privateServer();
    const id = uniqueId("empty");
    const store = track(await Ticket.open({ redis: first.url, id, live, init: { name: "first" } }));
    store.items.push("a");
    store.notes.k = "v";
    await store.$flush();
    const errors: Error[] = [];
    store.$on("error", (error) => errors.push(error));

    await first.stop();
    write(store);
    const flushed = store.$flush().then(
      () => "resolved",
      (error: unknown) => error,
    );
    const second = await privateServer({ port: first.port });
    const outcome = await flushed;

    expect(outcome).toBeInstanceOf(WriteError);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((error) => error instanceof RedisMemoryError)).toBe(true);

    const raw = new Redis(second.url);
    clients.push(raw);
    expect(await orphanKeys(raw, store.$key)).toEqual([]);
    // Nothing of the queued writes reached the new server.
    const root = await raw.hgetall(`${store.$key}:root`);
    expect(root.title).toBeUndefined();
    // The next open finds a valid instance (a partial one fails its schema: `name` is required).
    const fresh = track(await Ticket.open({ redis: second.url, id, live: false, init: { name: "second" } }));
    expect(fresh.title).toBeUndefined();
    expect(fresh.items.aslist()).not.toContain("b");
    expect(fresh.notes.k2).toBeUndefined();
    // The store reloaded what the server holds.
    if (live) await expect.poll(() => store.$asdict(), { timeout: 10_000 }).toEqual(fresh.$asdict());
    else {
      await store.$refresh();
      expect(store.$asdict()).toEqual(fresh.$asdict());
    }
    expect((await instanceKeys(raw, store.$key)).length).toBeGreaterThan(0);
  });
});
