// The store the benchmarks drive, written by hand the way the generator writes
// one (a class over the runtime's public names, getters and setters per field).
// Validators are left out: the figures measure the write path, not ajv.
import type { Redis } from "ioredis";
import { Store, openStore, type DictShape, type StoreSchema, type SyncedDict, type SyncedList } from "redis-memory";

export interface BenchData {
  /** Appends, loading and reads. */
  items: string[];
  /** Key writes. */
  keys: Record<string, string>;
  /** Nested writes: `doc.settings.theme` next to a list of `doc.log.length` elements. */
  doc: { log: string[]; settings: { theme: string } };
}

const scalar = { kind: "scalar" } as const;

export const benchShape: DictShape = {
  kind: "dict",
  additional: false,
  properties: {
    items: { kind: "list", items: scalar, default: [] },
    keys: { kind: "dict", additional: scalar, default: {} },
    doc: {
      kind: "dict",
      additional: false,
      properties: {
        log: { kind: "list", items: scalar },
        settings: { kind: "dict", additional: false, properties: { theme: scalar } },
      },
      default: { log: [], settings: { theme: "light" } },
    },
  },
};

export class BenchStore extends Store<BenchData> {
  static readonly schema: StoreSchema = { name: "Bench", shape: benchShape, hash: "bench" };

  /** Opens instance `id` on a connection the caller owns (so that open() times no connect). */
  static open(redis: Redis, prefix: string, id: string): Promise<BenchStore> {
    return openStore(BenchStore, { redis, prefix, id, live: false });
  }

  get items(): SyncedList<string> {
    return this.$get("items") as SyncedList<string>;
  }
  set items(value: string[]) {
    this.$set("items", value);
  }
  get keys(): SyncedDict<Record<string, string>> {
    return this.$get("keys") as SyncedDict<Record<string, string>>;
  }
  set keys(value: Record<string, string>) {
    this.$set("keys", value);
  }
  get doc(): SyncedDict<BenchData["doc"]> {
    return this.$get("doc") as SyncedDict<BenchData["doc"]>;
  }
  set doc(value: BenchData["doc"]) {
    this.$set("doc", value);
  }
}

/** The elements every figure stores: short task-like strings of one length. */
export function element(i: number): string {
  return `task-${String(i % 1_000_000).padStart(6, "0")}`;
}

export function elements(count: number): string[] {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = element(i);
  return out;
}

/** Records for the memory figure: a dict with a list each. */
export interface BenchRecord {
  name: string;
  score: number;
  tags: string[];
}

export function records(count: number): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (let i = 0; i < count; i++) out.push({ name: `user-${String(i).padStart(6, "0")}`, score: i, tags: ["a", "b", `t${i % 10}`] });
  return out;
}
