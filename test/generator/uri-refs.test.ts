// `$ref`s to embedded resources and anchors (generator/uris.ts): `{"$ref": "#tag"}` to an
// `$anchor`, an absolute and a relative URI to an embedded `$id`, a JSON pointer inside an
// embedded resource, a recursive embedded resource. Through a generated store against a
// real Redis: each is typed (tsc --strict), validated as ajv judges the whole schema, and a
// refused write names the file and the JSON pointer of the keyword, and changes nothing.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generate, writeFiles, type Problem } from "redis-memory-gen";
import { ValidationError } from "redis-memory";
import { ROOT, typecheck } from "./helpers.js";
import { readFileSync } from "node:fs";

const FILE = "test/fixtures/generator/uri-refs/catalog.json";
const OUT = "test/fixtures/generator/out/uri-refs";
const redis = inject("redisUrl");
const prefix = `test-uri-refs-${randomUUID().slice(0, 8)}:`;

interface Catalog {
  item?: any;
  tags?: any;
  price?: any;
  tree?: any;
  $flush(): Promise<void>;
  $close(): Promise<void>;
  $delete(): Promise<void>;
  $asdict(): Record<string, unknown>;
}
type CatalogClass = { open(options: object): Promise<Catalog> };

let Catalog: CatalogClass;
let module: string;
const warnings: Problem[] = [];
const ajv = new Ajv2020({ strict: false, logger: false }).compile(JSON.parse(readFileSync(join(ROOT, FILE), "utf8")) as object);
const stores: Catalog[] = [];
const ids = new Set<string>();

beforeAll(async () => {
  const files = await generate({ inputs: [FILE], out: OUT, cwd: ROOT, onWarning: (w) => warnings.push(w) });
  writeFiles(files, OUT, ROOT);
  module = [...files].find(([path]) => !path.endsWith("index.ts") && !path.endsWith(".validators.ts"))![1];
  const path = [...files.keys()].find((p) => !p.endsWith("index.ts") && !p.endsWith(".validators.ts"))!;
  Catalog = ((await import(join(ROOT, path))) as { Catalog: CatalogClass }).Catalog;
}, 60_000);

afterAll(async () => {
  for (const store of stores.splice(0)) await store.$close();
  for (const id of ids) {
    const store = await Catalog.open({ redis, prefix, id, live: false });
    await store.$delete();
    await store.$close();
  }
});

async function open(id: string): Promise<Catalog> {
  const store = await Catalog.open({ redis, prefix, id, live: false });
  stores.push(store);
  ids.add(id);
  return store;
}

function refused(write: () => void): ValidationError {
  try {
    write();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("the write was accepted");
}

describe("$ref to an embedded $id or $anchor", () => {
  it("generates without a warning, with a named type for each target, and compiles under tsc --strict", () => {
    expect(warnings).toEqual([]);
    expect(module).toMatch(/\n  item\?: Item \| undefined;\n/);
    expect(module).toMatch(/\n  tags\?: Tag\[\] \| undefined;\n/);
    expect(module).toMatch(/export interface Tree \{\n  value: number;\n  children\?: Tree\[\] \| undefined;/);
    const result = typecheck("uri-refs", [OUT]);
    expect(result.output).toBe("");
  }, 120_000);

  it("validates each place by its target, as ajv judges the whole value", async () => {
    const id = randomUUID();
    const store = await open(id);
    const good = { item: { name: "bolt", cost: 2 }, tags: ["a", "b"], price: 1.5, tree: { value: 1, children: [{ value: 2 }] } };
    expect(ajv(good)).toBe(true);
    Object.assign(store, good);
    store.tree.children.push({ value: 3, children: [] });
    await store.$flush();
    const again = await open(id);
    const expected = { ...good, tree: { value: 1, children: [{ value: 2 }, { value: 3, children: [] }] } };
    expect(again.$asdict()).toEqual(expected);
    expect(ajv(expected)).toBe(true);
  });

  it("refuses what the targets refuse, naming the file and the JSON pointer of the keyword, and changes nothing", async () => {
    const id = randomUUID();
    const store = await open(id);
    store.item = { name: "bolt" };
    store.tags = ["a"];
    store.tree = { value: 1, children: [] };
    await store.$flush();
    const before = store.$asdict();
    const cases: [() => void, (string | number)[], string][] = [
      [() => (store.item.cost = -1), ["item", "cost"], `${FILE}#/$defs/item/$defs/price/minimum`],
      [() => store.tags.push("much too long"), ["tags", 1], `${FILE}#/$defs/tag/maxLength`],
      [() => (store.price = -3), ["price"], `${FILE}#/$defs/item/$defs/price/minimum`],
      [() => store.tree.children.push({ children: [] }), ["tree", "children", 0], `${FILE}#/$defs/tree/required`],
      [() => store.item.pop("name"), ["item", "name"], `${FILE}#/$defs/item/required`],
    ];
    for (const [write, path, pointer] of cases) {
      const error = refused(write);
      expect(error.path).toEqual(path);
      expect(error.schemaPointer).toBe(pointer);
    }
    await store.$flush();
    expect(store.$asdict()).toEqual(before);
    const again = await open(id);
    expect(again.$asdict()).toEqual(before);
  });
});
