import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { relative } from "node:path";
import { checkFiles, generate, referencedFiles, SchemaProblemsError } from "redis-memory-gen";
import { FIXTURES, ROOT } from "./helpers.js";

const CASES = join(FIXTURES, "cases");
const update = process.env.UPDATE_GOLDEN === "1";

describe("generate: golden files", () => {
  for (const name of readdirSync(CASES).sort()) {
    it(`matches test/fixtures/generator/cases/${name}/expected`, async () => {
      const base = `test/fixtures/generator/cases/${name}`;
      const files = await generate({ inputs: [`${base}/input`], out: `${base}/expected`, cwd: ROOT });
      if (update) {
        rmSync(join(ROOT, base, "expected"), { recursive: true, force: true });
        for (const [path, text] of files) {
          mkdirSync(dirname(join(ROOT, path)), { recursive: true });
          writeFileSync(join(ROOT, path), text);
        }
      }
      const result = checkFiles(files, `${base}/expected`, ROOT);
      expect(result.diff).toBe("");
    });
  }

  it("matches the committed generated/ for schemas/ (what `--check` checks in CI)", async () => {
    const files = await generate({ inputs: ["schemas"], out: "generated", cwd: ROOT });
    expect(checkFiles(files, "generated", ROOT).diff).toBe("");
  });

  it("matches the committed bench/evolution/stores (the bulk-migration figure's v1 and v2 boards)", async () => {
    for (const v of ["v1", "v2"]) {
      const files = await generate({ inputs: [`bench/evolution/schemas/${v}`], out: `bench/evolution/stores/${v}`, cwd: ROOT });
      expect(checkFiles(files, `bench/evolution/stores/${v}`, ROOT).diff).toBe("");
    }
  });
});

describe("generate: determinism", () => {
  it("gives byte-identical output twice", async () => {
    const a = await generate({ inputs: ["schemas"], cwd: ROOT });
    const b = await generate({ inputs: ["schemas"], cwd: ROOT });
    expect([...b]).toEqual([...a]);
  });

  it("does not mutate its input files and touches no disk", async () => {
    const before = readdirSync(join(ROOT, "schemas")).map((f) => readFileSync(join(ROOT, "schemas", f), "utf8"));
    await generate({ inputs: ["schemas"], out: "test/fixtures/generator/out/never-written", cwd: ROOT });
    const after = readdirSync(join(ROOT, "schemas")).map((f) => readFileSync(join(ROOT, "schemas", f), "utf8"));
    expect(after).toEqual(before);
    expect(existsSync(join(FIXTURES, "out/never-written"))).toBe(false);
  });

  it("emits one module and one validators module per schema, and a barrel", async () => {
    const files = await generate({ inputs: ["schemas"], cwd: ROOT });
    const stores = readdirSync(join(ROOT, "schemas")).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, ""));
    expect(stores.length).toBeGreaterThanOrEqual(4);
    const expected = [...stores.flatMap((s) => [`generated/${s}.ts`, `generated/${s}.validators.ts`]), "generated/index.ts"].sort();
    expect([...files.keys()]).toEqual(expected);
    for (const text of files.values()) {
      expect(text).toContain("npx redis-memory-gen schemas --out generated");
      expect(text).not.toMatch(/\d+\.\d+\.\d+|20\d\d-\d\d-\d\d/);
    }
  });
});

describe("generate: emitted types", () => {
  it("writes prefixItems tuples, closed objects and pattern index signatures correctly", async () => {
    const files = await generate({ inputs: ["test/fixtures/generator/cases/tuples-and-patterns/input"], cwd: ROOT });
    const text = files.get("generated/tuples.ts") ?? "";
    expect(text).toContain("pair: [string, number]");
    expect(text).toContain("head?: [string, ...(boolean)[]]");
    expect(text).toContain("legacy?: [number, number]");
    expect(text).not.toContain("never[]");
    expect(text).not.toContain("undefined`'s");
    expect(text).toContain("[k: string]: number | boolean | string | undefined");
    expect(text).not.toMatch(/interface TuplesData \{[^}]*\[k: string\]: unknown/);
  });
});

describe("generate: bad input", () => {
  const problemsOf = async (inputs: string[]): Promise<string> => {
    try {
      await generate({ inputs, cwd: ROOT });
    } catch (error) {
      if (error instanceof SchemaProblemsError) return error.message;
      throw error;
    }
    return "";
  };

  it("gives two different types wanting one name a name from the path, never a refusal", async () => {
    const files = await generate({ inputs: ["test/fixtures/generator/clash/types.json"], cwd: ROOT });
    const text = files.get("generated/types.ts") ?? "";
    expect(text).toMatch(/^export type Item = string;$/m);
    expect(text).toMatch(/^export type TypesItem = number;$/m);
  });

  it("gives an anonymous object's name, or a synced interface's, that another type has the next free number", async () => {
    const files = await generate({ inputs: ["test/fixtures/generator/clash/synced.json"], cwd: ROOT });
    const text = files.get("generated/clash.ts") ?? "";
    expect(text).toMatch(/^export interface ClashDataA2 \{/m);
    expect(text).toMatch(/^export interface FooSynced2 extends DictMethods<Foo>, Foo \{\}$/m);
  });

  it("reports two schemas mapping to one class name", async () => {
    const message = await problemsOf(["test/fixtures/generator/clash/one.json", "test/fixtures/generator/clash/two.json"]);
    expect(message).toContain('test/fixtures/generator/clash/two.json: store name "Same"');
    expect(message).toContain("test/fixtures/generator/clash/one.json");
  });

  it("collects every problem of a run together", async () => {
    const message = await problemsOf(["test/fixtures/generator/bad"]);
    expect(message.split("\n")).toEqual([
      expect.stringMatching(/^test\/fixtures\/generator\/bad\/invalid-json\.json: the file is not valid JSON at line 3, column \d+/),
      'test/fixtures/generator/bad/root-not-object.json: the root of a store schema must be an object schema ("type": "object" with "properties")',
      'test/fixtures/generator/bad/unknown-type.json#/properties/a/type: unknown type "text" (expected string, number, integer, boolean, null, object or array)',
      'test/fixtures/generator/bad/unresolved-ref.json#/properties/a/$ref: $ref "#/$defs/Missing" cannot be resolved',
      'test/fixtures/generator/bad/unresolved-ref.json#/properties/b/$ref: $ref "./nowhere.json" cannot be resolved',
    ]);
  });

  it("turns every warning into a problem with strict", async () => {
    const warnings: string[] = [];
    await generate({ inputs: ["test/fixtures/generator/warn"], cwd: ROOT, onWarning: (w) => warnings.push(`${w.file}#${w.pointer}: ${w.rule}`) });
    expect(warnings).toEqual([
      'test/fixtures/generator/warn/dollar-property.json#/properties/$meta: store property "$meta" starts with "$" (reserved for store members): skipped',
    ]);
    await expect(generate({ inputs: ["test/fixtures/generator/warn"], cwd: ROOT, strict: true })).rejects.toThrow(
      'test/fixtures/generator/warn/dollar-property.json#/properties/$meta: store property "$meta" starts with "$" (reserved for store members): skipped (an error with --strict)',
    );
  });
});

describe("referencedFiles (what --watch follows)", () => {
  it("lists each input schema and every file its $refs reach, outside the inputs too", async () => {
    const files = await referencedFiles(["schemas/showcase.json", "test/fixtures/generator/cases/cross-file/input/order.json"], ROOT);
    expect(files.map((f) => relative(ROOT, f))).toEqual([
      "schemas/contact-book.json",
      "schemas/showcase.json",
      "test/fixtures/generator/cases/cross-file/input/order.json",
      "test/fixtures/generator/cases/cross-file/input/shared/types.json",
    ]);
  });
});
