// Real schemas, as npm packages ship them (test/fixtures/real-schemas, each folder with
// its package's licence): every one generates, its output compiles under tsc --strict,
// and a sample document round-trips through Redis.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generate, writeFiles, type Problem } from "redis-memory-gen";
import { OUT, ROOT, typecheck } from "./helpers.js";

const CORPUS = "test/fixtures/real-schemas";
const stores = (JSON.parse(readFileSync(join(ROOT, CORPUS, "corpus.json"), "utf8")) as { stores: string[] }).stores;
const samples = JSON.parse(readFileSync(join(ROOT, CORPUS, "samples.json"), "utf8")) as Record<string, Record<string, unknown>>;
const outOf = (file: string): string => `test/fixtures/generator/out/corpus/${file.replace(/[/.]/g, "_")}`;
const redis = inject("redisUrl");
const prefix = `test-corpus-${randomUUID().slice(0, 8)}:`;

interface StoreInstance {
  $flush(): Promise<void>;
  $close(): Promise<void>;
  $delete(): Promise<void>;
  $asdict(): Record<string, unknown>;
}
type StoreClass = { open(options: object): Promise<StoreInstance>; schema: { shape: { required?: readonly string[] } } };

const generated = new Map<string, { files: Map<string, string>; warnings: Problem[] }>();

beforeAll(async () => {
  rmSync(join(OUT, "corpus"), { recursive: true, force: true });
  for (const file of stores) {
    const warnings: Problem[] = [];
    const files = await generate({ inputs: [`${CORPUS}/${file}`], out: outOf(file), cwd: ROOT, onWarning: (w) => warnings.push(w) });
    writeFiles(files, outOf(file), ROOT);
    generated.set(file, { files, warnings });
  }
}, 300_000);

afterAll(() => rmSync(join(OUT, "corpus"), { recursive: true, force: true }));

describe("the real-schema corpus", () => {
  it(`holds schemas of at least 10 npm packages, each with its licence`, () => {
    const packages = new Set(stores.map((s) => s.split("/")[0]!));
    expect(packages.size).toBeGreaterThanOrEqual(10);
    for (const pkg of packages) expect(readFileSync(join(ROOT, CORPUS, pkg, "SOURCE"), "utf8")).toMatch(/@\d/);
    expect(Object.keys(samples).sort()).toEqual([...stores].sort());
  });

  it("generates every schema, each warning one line naming file and pointer", () => {
    for (const file of stores) {
      const result = generated.get(file)!;
      expect(result.files.size, file).toBe(3);
      for (const w of result.warnings) {
        expect(w.file).toBe(`${CORPUS}/${file}`.replace(/\/[^/]+$/, "/") + w.file.split("/").at(-1));
        expect(`${w.file}#${w.pointer}: ${w.rule}`).not.toContain("\n");
      }
    }
  });

  it("output compiles under tsc --strict", () => {
    const result = typecheck("corpus", stores.map(outOf));
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  }, 120_000);

  it("keeps the output near the schema's size (no $ref expansion)", () => {
    const biome = generated.get("biome/configuration_schema.json")!;
    const schemaBytes = readFileSync(join(ROOT, CORPUS, "biome/configuration_schema.json")).length;
    const validators = [...biome.files].find(([path]) => path.endsWith(".validators.ts"))![1].length;
    const total = [...biome.files.values()].reduce((n, text) => n + text.length, 0);
    expect(validators).toBeLessThan(1.5 * schemaBytes);
    expect(total).toBeLessThan(6 * schemaBytes);
  });

  for (const file of stores) {
    it(`round-trips a sample document of ${file} through Redis`, async () => {
      const files = generated.get(file)!.files;
      const modulePath = [...files.keys()].find((p) => !p.endsWith("index.ts") && !p.endsWith(".validators.ts"))!;
      const module = (await import(join(ROOT, modulePath))) as Record<string, unknown>;
      const Store = Object.values(module).find((v): v is StoreClass => typeof v === "function" && "open" in v)!;
      const sample = samples[file]!;
      const required = Store.schema.shape.required ?? [];
      const init = Object.fromEntries(Object.entries(sample).filter(([key]) => required.includes(key)));
      const id = randomUUID();
      const writer = await Store.open({ redis, prefix, id, init });
      const readers: StoreInstance[] = [writer];
      try {
        for (const [key, value] of Object.entries(sample)) if (!required.includes(key)) (writer as unknown as Record<string, unknown>)[key] = value;
        await writer.$flush();
        const reader = await Store.open({ redis, prefix, id });
        readers.push(reader);
        expect(reader.$asdict()).toMatchObject(sample);
        expect(reader.$asdict()).toEqual(writer.$asdict());
      } finally {
        await writer.$delete();
        for (const store of readers) await store.$close();
      }
      // ajv compiles a place's validator on its first write: biome's `formatter` takes ajv
      // 20-40 s here (its schema as written, as JSON Schema means it).
    }, 240_000);
  }
});
