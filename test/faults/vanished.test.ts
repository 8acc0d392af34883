// The instance a store holds vanishes: its keys deleted by another client, or the server
// restarted without persistence. The store then holds a valid new instance (the schema's
// defaults and `init`, as on a first open), says so with `status: "vanished"`, and its
// later writes (a push, a scalar) build a whole instance in Redis, never a partial root.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { Store, WriteError, openStore, type DictShape, type OpenOptions, type StatusEvent, type StoreSchema, type SyncedList } from "redis-memory";
import { orphanKeys, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";
import { privateServer } from "../helpers/servers.js";

interface ChatData {
  owner: string;
  messages: string[];
  title?: string;
}

const chatShape: DictShape = {
  kind: "dict",
  additional: false,
  required: ["owner", "messages"],
  properties: {
    owner: { kind: "scalar" },
    messages: { kind: "list", items: { kind: "scalar" }, default: [] },
    title: { kind: "scalar" },
  },
};

class Chat extends Store<ChatData> {
  static readonly schema: StoreSchema = { name: "Chat", shape: chatShape, hash: "vanished-test" };
  static open(options: OpenOptions<ChatData>): Promise<Chat> {
    return openStore(Chat, options);
  }
  get owner(): string {
    return this.$get("owner") as string;
  }
  get messages(): SyncedList<string> {
    return this.$get("messages") as SyncedList<string>;
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

function statusSeen(store: Chat, wanted: StatusEvent["status"]): Promise<void> {
  return new Promise((resolve) => {
    const off = store.$on("status", (event) => {
      if (event.status !== wanted) return;
      off();
      resolve();
    });
  });
}

/** The store holds a valid instance, takes a push and a scalar, and Redis then holds the whole instance. */
async function expectWholeInstance(store: Chat, url: string, id: string): Promise<void> {
  expect(store.owner).toBe("ann");
  expect(store.messages.aslist()).toEqual([]);
  store.messages.push("hello");
  store.title = "after";
  await store.$flush();
  const raw = new Redis(url);
  clients.push(raw);
  expect(await raw.hget(`${store.$key}:root`, "owner")).toBe('"ann"');
  expect(await raw.hget(`${store.$key}:root`, "title")).toBe('"after"');
  expect(await orphanKeys(raw, store.$key)).toEqual([]);
  const fresh = track(await Chat.open({ redis: url, id, live: false }));
  expect(fresh.$asdict()).toEqual({ owner: "ann", messages: ["hello"], title: "after" });
  expect(store.$asdict()).toEqual(fresh.$asdict());
}

describe("a store whose instance vanished", () => {
  it.each([{ live: true }, { live: false }])("keys deleted by another client (live: $live): the next write is refused, then the store holds a new instance", async ({ live }) => {
    const id = uniqueId("vanished");
    const store = track(await Chat.open({ redis: redisUrl(), id, live, init: { owner: "ann" } }));
    store.messages.push("old");
    store.title = "old";
    await store.$flush();
    const raw = rawClient();
    const keys = await raw.keys(`${store.$key.replace(/[{}*?[\]]/g, "\\$&")}:*`);
    await raw.del(...keys);
    const vanished = statusSeen(store, "vanished");

    store.title = "made for the instance that was";
    const refused = await store.$flush().then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(WriteError);
    expect((refused as WriteError).code).toBe("epoch");
    expect((refused as Error).message).toMatch(/no longer exists in Redis/);
    expect((refused as Error).message).not.toMatch(/epoch is false/);
    await vanished;
    await expectWholeInstance(store, redisUrl(), id);
  });

  it.each([{ live: true }, { live: false }])("the server restarted empty (live: $live): the store holds a new instance", async ({ live }) => {
    const first = await privateServer();
    const id = uniqueId("restart");
    const store = track(await Chat.open({ redis: first.url, id, live, init: { owner: "ann" } }));
    store.messages.push("old");
    await store.$flush();
    const vanished = statusSeen(store, "vanished");
    await first.stop();
    await privateServer({ port: first.port });
    // A live store learns it from its feed's reconnect; one that is not, from its next write.
    if (!live) {
      store.title = "made for the instance that was";
      expect(await store.$flush().then(() => undefined, (error: unknown) => error)).toBeInstanceOf(WriteError);
    }
    await vanished;
    await expectWholeInstance(store, first.url, id);
  });
});
