// A store written by hand the way the generator writes one, with retention: a
// conversation whose `messages` keep their newest MAX, and per-topic notes that keep
// their newest 3 each (a list with `keepLast` inside a dict).
import { Store, openStore, type DictShape, type OpenOptions, type StoreSchema, type SyncedDict, type SyncedList } from "../../runtime/index.js";

export const MAX = 5;

export interface ChatData {
  messages: { role: string; content: string }[];
  notes: Record<string, string[]>;
  log: number[];
}

export const chatShape: DictShape = {
  kind: "dict",
  additional: false,
  properties: {
    messages: {
      kind: "list",
      keepLast: MAX,
      default: [],
      items: { kind: "dict", additional: false, properties: { role: { kind: "scalar" }, content: { kind: "scalar" } }, required: ["role", "content"] },
    },
    notes: { kind: "dict", additional: { kind: "list", items: { kind: "scalar" }, keepLast: 3 }, default: {} },
    log: { kind: "list", items: { kind: "scalar" }, keepLast: MAX, maxItems: MAX, default: [] },
  },
};

export class Chat extends Store<ChatData> {
  static readonly schema: StoreSchema = { name: "Chat", shape: chatShape, hash: "chat-test" };
  static open(options?: OpenOptions<ChatData>): Promise<Chat> {
    return openStore(Chat, { live: false, ...options });
  }
  get messages(): SyncedList<ChatData["messages"][number]> {
    return this.$get("messages") as SyncedList<ChatData["messages"][number]>;
  }
  set messages(value: ChatData["messages"]) {
    this.$set("messages", value);
  }
  get notes(): SyncedDict<ChatData["notes"]> {
    return this.$get("notes") as SyncedDict<ChatData["notes"]>;
  }
  set notes(value: ChatData["notes"]) {
    this.$set("notes", value);
  }
  get log(): SyncedList<number> {
    return this.$get("log") as SyncedList<number>;
  }
  set log(value: number[]) {
    this.$set("log", value);
  }
}
