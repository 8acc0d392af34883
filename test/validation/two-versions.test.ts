// A rolling deploy: v1 and v2 stores of one schema pair (v2 adds an optional field, a
// field with a default, and a key of a record) write the same instance. Neither loses,
// drops or refuses the other's data: undeclared keys are kept and round-trip, and a v1
// process reopening after v2 wrote still opens.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "redis-memory";
import { generate, writeFiles } from "redis-memory-gen";
import { OUT, ROOT } from "../generator/helpers.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

interface Versioned {
  $flush(): Promise<void>;
  $close(): Promise<void>;
  $asdict(): Record<string, unknown>;
  $key: string;
  [field: string]: any;
}
type VersionedClass = { open(options: object): Promise<Versioned> };

const note = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };
const v1 = { title: "Versioned", type: "object", properties: { name: { type: "string" }, notes: { type: "array", items: note, default: [] } } };
const v2 = {
  ...v1,
  properties: {
    ...v1.properties,
    name: { type: ["string", "null"] },
    notes: { type: "array", items: { ...note, properties: { ...note.properties, pinned: { type: "boolean" } } }, default: [] },
    owner: { type: "string" },
    priority: { type: "integer", default: 1 },
  },
};

const DIR = join(OUT, "two-versions");
const classes: Record<string, VersionedClass> = {};
const prefix = `${uniqueId("versions")}:`;

beforeAll(async () => {
  for (const [version, schema] of Object.entries({ v1, v2 })) {
    const rel = `test/fixtures/generator/out/two-versions/${version}`;
    mkdirSync(join(ROOT, rel), { recursive: true });
    writeFileSync(join(ROOT, rel, "versioned.json"), JSON.stringify(schema));
    const files = await generate({ inputs: [`${rel}/versioned.json`], out: `${rel}/out`, cwd: ROOT });
    writeFiles(files, `${rel}/out`, ROOT);
    const module = (await import(pathToFileURL(join(ROOT, rel, "out/versioned.ts")).href)) as { Versioned: VersionedClass };
    classes[version] = module.Versioned;
  }
}, 120_000);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const open = async (version: "v1" | "v2", id: string, live = false): Promise<Versioned> => track(await classes[version]!.open({ redis: redisUrl(), prefix, id, live }));

describe("two schema versions writing one instance", () => {
  it("v1 keeps, round-trips and shows what v2 wrote; v2 sees v1's writes", async () => {
    const id = uniqueId("i");
    const newer = await open("v2", id);
    newer.name = "a";
    newer.owner = "ann";
    newer.notes.push({ text: "x", pinned: true });
    await newer.$flush();

    const older = await open("v1", id);
    expect(older.$asdict()).toEqual({ name: "a", owner: "ann", priority: 1, notes: [{ text: "x", pinned: true }] });
    older.name = "b";
    older.notes.push({ text: "y" });
    older.notes[0].text = "x2";
    await older.$flush();

    const again = await open("v2", id);
    expect(again.$asdict()).toEqual({ name: "b", owner: "ann", priority: 1, notes: [{ text: "x2", pinned: true }, { text: "y" }] });
    const root = await rawClient().hgetall(`${again.$key}:root`);
    expect(JSON.parse(root.owner!)).toBe("ann");
  });

  it("both write at once; a v1 process reopening after v2 wrote still opens", async () => {
    const id = uniqueId("i");
    const [older, newer] = [await open("v1", id), await open("v2", id)];
    older.name = "one";
    newer.owner = "two";
    newer.priority = 5;
    older.notes.push({ text: "from v1" });
    newer.notes.push({ text: "from v2", pinned: false });
    await Promise.all([older.$flush(), newer.$flush()]);
    const reopened = await open("v1", id);
    expect(reopened.$asdict()).toEqual({
      name: "one",
      owner: "two",
      priority: 5,
      notes: [{ text: "from v1" }, { text: "from v2", pinned: false }],
    });
  });

  it("a write v1's schema refuses, made by v2, is an error event with its path in v1; v1's replica still equals Redis", async () => {
    const id = uniqueId("i");
    const older = await open("v1", id, true);
    const newer = await open("v2", id);
    const refused = new Promise<Error>((resolve) => older.$on("error", resolve));
    newer.name = null;
    await newer.$flush();
    const error = await refused;
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).path).toEqual(["name"]);
    expect((error as ValidationError).schemaPointer).toMatch(/versioned\.json#\/properties\/name\/type$/);
    expect(older.$asdict().name).toBeNull();
    expect(JSON.parse((await rawClient().hget(`${older.$key}:root`, "name"))!)).toBeNull();
  });
});
