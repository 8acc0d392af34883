// Info: what a keyword about a whole container costs on the hot path of appends. One
// push onto a 10k-element list whose schema has `contains` (so the list is validated
// whole after each change) vs onto the same list without it (only the pushed value is
// validated), each awaited.
import type { Redis } from "ioredis";
import { Store, ajvValidators, openStore, type DictShape, type StoreSchema, type SyncedList } from "redis-memory";
import { element, elements } from "../bench-store.js";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { row, type Row } from "../report.js";

const schema = {
  type: "object",
  properties: {
    plain: { type: "array", items: { type: "string" } },
    checked: { type: "array", items: { type: "string" }, contains: { const: "task-000000" } },
  },
};
const at = ajvValidators(schema, { "": "bench/figures/contains.ts#" });
const shape: DictShape = {
  kind: "dict",
  ...at(""),
  additional: false,
  properties: {
    plain: { kind: "list", ...at("/properties/plain"), items: { kind: "scalar", ...at("/properties/plain/items") }, default: [] },
    checked: { kind: "list", ...at("/properties/checked"), whole: true, items: { kind: "scalar", ...at("/properties/checked/items") }, default: ["task-000000"] },
  },
};

class ContainsStore extends Store<{ plain: string[]; checked: string[] }> {
  static readonly schema: StoreSchema = { name: "BenchContains", shape, hash: "bench-contains" };
  static open(redis: Redis, prefix: string, id: string): Promise<ContainsStore> {
    return openStore(ContainsStore, { redis, prefix, id, live: false });
  }
  list(name: "plain" | "checked"): SyncedList<string> {
    return this.$get(name) as SyncedList<string>;
  }
  fill(name: "plain" | "checked", values: string[]): void {
    this.$set(name, values);
  }
}

export async function containsFigures(context: BenchContext): Promise<Row[]> {
  const size = 10_000;
  const pushes = context.quick ? 50 : 300;
  const rounds = context.quick ? 1 : 5;
  const redis = context.connect();
  const store = await ContainsStore.open(redis, context.prefix, context.uniqueId("contains"));
  const initial = elements(size);
  const fill = async (name: "plain" | "checked"): Promise<void> => {
    store.fill(name, initial);
    await store.$flush();
  };
  const run = (name: "plain" | "checked") => async (): Promise<void> => {
    const list = store.list(name);
    for (let i = 0; i < pushes; i++) {
      list.push(element(size + i));
      await store.$flush();
    }
  };
  context.log(`contains: ${pushes} awaited pushes onto a list of ${size}, ${rounds} rounds`);
  const times = await interleave(
    [
      { name: "checked", setup: () => fill("checked"), run: run("checked") },
      { name: "plain", setup: () => fill("plain"), run: run("plain") },
    ],
    { rounds, warmup: 1 },
  );
  await store.$delete();
  await store.$close();
  redis.disconnect();
  const checked = (times.get("checked")!.medianMs * 1000) / pushes;
  const plain = (times.get("plain")!.medianMs * 1000) / pushes;
  return [
    row({
      id: "push-contains-vs-plain",
      figure: "a push onto a 10k-element list whose schema has a whole-container keyword (`contains`) vs onto one without",
      oursLabel: "push + await $flush() onto a list with `contains` (validated whole after each push)",
      peerLabel: "push + await $flush() onto the same list without `contains` (the pushed value validated alone)",
      ours: { value: checked, unit: "us" },
      peer: { value: plain, unit: "us" },
      ratio: checked / plain,
      ratioMeaning: "time with `contains` / time without (info: the cost follows the list's size)",
      // Info: the design sets no bound on it (a design row without one reads "not measured").
    }),
  ];
}
