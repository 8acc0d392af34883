// The keyword table (generator/keywords.ts), one fixture per rule
// (test/fixtures/generator/keywords/*.json). Each fixture says what it expects in its
// `x-expect` annotation: the problem or warning (pointer and sentence), or none; data
// the generated validator takes and refuses; the type a field gets; type names.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate, SchemaProblemsError, writeFiles, type Problem } from "redis-memory-gen";
import { RULES } from "../../generator/keywords.js";
import { kebabCase } from "../../generator/identifiers.js";
import { ROOT, typecheck } from "./helpers.js";

interface Expect {
  problem?: string;
  warning?: string;
  none?: boolean;
  message?: string;
  valid?: unknown;
  invalid?: unknown;
  type?: Record<string, string>;
  types?: string[];
  absent?: string[];
}

const DIR = "test/fixtures/generator/keywords";
const fixtures = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith(".json")).sort();
type At = (pointer: string) => { validate: (value: unknown) => unknown };
const compiled: string[] = [];

describe("the keyword table", () => {
  it("has a fixture for every rule that gives a problem or a warning", () => {
    const names = new Set(fixtures.map((f) => f.replace(/\.json$/, "")));
    for (const rule of Object.keys(RULES)) {
      expect(names.has(`problem-${kebabCase(rule)}`) || names.has(`warn-${kebabCase(rule)}`), rule).toBe(true);
    }
  });

  for (const fixture of fixtures) {
    const file = `${DIR}/${fixture}`;
    const expected = (JSON.parse(readFileSync(join(ROOT, file), "utf8")) as { "x-expect": Expect })["x-expect"];
    const out = `test/fixtures/generator/out/keywords/${fixture.replace(/\.json$/, "")}`;
    it(`${fixture}: ${expected.problem !== undefined ? "a problem" : expected.warning !== undefined ? "a warning" : "no warning"}${expected.valid !== undefined ? ", validated" : ""}`, async () => {
      const warnings: Problem[] = [];
      let error: unknown;
      let files = new Map<string, string>();
      // A fresh output: the generator compares with what it generated there before (schema
      // versions), and a fixture edited since a local run would read as a breaking change.
      rmSync(join(ROOT, out), { recursive: true, force: true });
      try {
        files = await generate({ inputs: [file], out, cwd: ROOT, onWarning: (w) => warnings.push(w) });
      } catch (caught) {
        error = caught;
      }
      if (expected.problem !== undefined) {
        expect(error).toBeInstanceOf(SchemaProblemsError);
        expect((error as Error).message).toContain(`${expected.problem === "" ? file : `${file}#${expected.problem}`}: `);
        expect((error as Error).message).toContain(expected.message);
        return;
      }
      expect(error).toBeUndefined();
      if (expected.warning !== undefined) {
        const lines = warnings.map((w) => `${w.file}#${w.pointer}: ${w.rule}`);
        expect(lines.some((l) => l.startsWith(`${file}#${expected.warning}: `) && l.includes(expected.message!)), lines.join("\n")).toBe(true);
        // --strict: the same sentence, as a problem.
        await expect(generate({ inputs: [file], out, cwd: ROOT, strict: true })).rejects.toThrow(expected.message);
      } else {
        expect(warnings).toEqual([]);
      }
      const module = [...files].find(([path]) => !path.endsWith("index.ts") && !path.endsWith(".validators.ts"))![1];
      for (const [key, type] of Object.entries(expected.type ?? {})) expect(module).toMatch(new RegExp(`\\n  ${key}\\??: \\(?${type.replace(/[[\]|()]/g, "\\$&")}\\)?( \\| undefined)?;\\n`));
      for (const name of expected.types ?? []) expect(module).toMatch(new RegExp(`^export interface ${name} `, "m"));
      for (const name of expected.absent ?? []) expect(module).not.toMatch(new RegExp(`^export interface ${name} `, "m"));
      writeFiles(files, out, ROOT);
      compiled.push(out);
      if (expected.valid === undefined && expected.invalid === undefined) return;
      const validators = [...files.keys()].find((p) => p.endsWith(".validators.ts"))!;
      const { at } = (await import(join(ROOT, validators))) as { at: At };
      if (expected.valid !== undefined) expect(at("").validate(expected.valid)).toBeNull();
      if (expected.invalid !== undefined) expect(at("").validate(expected.invalid)).not.toBeNull();
    });
  }

  it("every store a fixture generates compiles under tsc --strict", () => {
    expect(compiled.length).toBeGreaterThan(20);
    const result = typecheck("keywords", compiled);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  }, 120_000);
});
