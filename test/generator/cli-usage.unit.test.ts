// redis-memory-gen as a user meets it: shared definitions files, runs over named files,
// what it prints (summary, --check diff, --watch), and its answers to mistakes.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { unifiedDiff } from "redis-memory-gen";
import { buildCli, OUT, runCli } from "./helpers.js";

let cli = "";
beforeAll(() => {
  cli = buildCli("cli-usage");
});

const SHARED = { $schema: "https://json-schema.org/draft/2020-12/schema", title: "Shared", $defs: { Address: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
const PEOPLE = { title: "People", type: "object", properties: { home: { $ref: "shared.json#/$defs/Address" } } };
const SHOPS = { title: "Shops", type: "object", properties: { address: { $ref: "shared.json#/$defs/Address" } } };

/** A scratch project with schemas/shared.json (definitions only), people.json and shops.json. */
function project(name: string, schemas: Record<string, unknown> = { "shared.json": SHARED, "people.json": PEOPLE, "shops.json": SHOPS }): string {
  const dir = join(OUT, `cli-usage-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "schemas"), { recursive: true });
  for (const [file, schema] of Object.entries(schemas)) writeFileSync(join(dir, "schemas", file), JSON.stringify(schema, null, 2));
  return dir;
}

const exportsOf = (index: string, name: string): number => (index.match(new RegExp(`^  (?:type )?${name},$`, "gm")) ?? []).length;

describe("redis-memory-gen: a definitions-only file", () => {
  it("is shared definitions, not a store: no module of its own, its types exported once from index.ts", () => {
    const dir = project("defs");
    const result = runCli(cli, ["schemas", "--out", "gen"], dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("redis-memory-gen: wrote gen/index.ts, gen/people.ts, gen/people.validators.ts, gen/shops.ts, gen/shops.validators.ts\n");
    expect(existsSync(join(dir, "gen/shared.ts"))).toBe(false);
    const index = readFileSync(join(dir, "gen/index.ts"), "utf8");
    expect(exportsOf(index, "Address")).toBe(1);
    expect(exportsOf(index, "AddressSynced")).toBe(1);
    expect(index).not.toContain("export * as");
  });

  it("alone is exit 2: there is no store to generate", () => {
    const dir = project("defs-only", { "shared.json": SHARED });
    const result = runCli(cli, ["schemas", "--out", "gen"], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("schemas: only shared definitions found ($defs/definitions without a root object schema): no store to generate");
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });
});

describe("redis-memory-gen: named files and directories", () => {
  it("generating a named file keeps the other stores' files, and index.ts keeps exporting them", () => {
    const dir = project("named");
    expect(runCli(cli, ["schemas", "--out", "gen", "--quiet"], dir).status).toBe(0);
    const shops = readFileSync(join(dir, "gen/shops.ts"), "utf8");
    writeFileSync(join(dir, "schemas/people.json"), JSON.stringify({ ...PEOPLE, properties: { ...PEOPLE.properties, nickname: { type: "string" } } }));
    const result = runCli(cli, ["schemas/people.json", "--out", "gen"], dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("redis-memory-gen: wrote gen/index.ts, gen/people.ts, gen/people.validators.ts\n");
    expect(readFileSync(join(dir, "gen/shops.ts"), "utf8")).toBe(shops);
    expect(existsSync(join(dir, "gen/shops.validators.ts"))).toBe(true);
    const index = readFileSync(join(dir, "gen/index.ts"), "utf8");
    expect(index).toContain('} from "./shops.js";');
    expect(exportsOf(index, "Shops")).toBe(1);
    expect(exportsOf(index, "Address")).toBe(1);
    expect(readFileSync(join(dir, "gen/people.ts"), "utf8")).toContain("nickname");
    // --check over the same named file finds nothing extra in the others' files.
    expect(runCli(cli, ["schemas/people.json", "--out", "gen", "--check"], dir).status).toBe(0);
  });

  it("a run over the directory removes, and names, the files no schema produces any more", () => {
    const dir = project("prune");
    expect(runCli(cli, ["schemas", "--out", "gen", "--quiet"], dir).status).toBe(0);
    rmSync(join(dir, "schemas/shops.json"));
    const result = runCli(cli, ["schemas", "--out", "gen"], dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("redis-memory-gen: wrote gen/index.ts; removed gen/shops.ts, gen/shops.validators.ts (no schema generates them any more); 2 unchanged\n");
    expect(existsSync(join(dir, "gen/shops.ts"))).toBe(false);
    expect(runCli(cli, ["schemas", "--out", "gen"], dir).stdout).toBe("redis-memory-gen: 3 files in gen are up to date, nothing written\n");
  });
});

describe("redis-memory-gen: answers to mistakes", () => {
  it.each([
    [["schemas", "--ot", "gen"], "redis-memory-gen: unknown option --ot (did you mean --out?)"],
    [["schemas", "--chekc"], "redis-memory-gen: unknown option --chekc (did you mean --check?)"],
    [["schemas", "--stric"], "redis-memory-gen: unknown option --stric (did you mean --strict?)"],
  ])("a misspelt flag %j: exit 2, did you mean", (args, message) => {
    const dir = project("flags");
    const result = runCli(cli, args, dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`${message}\nRun redis-memory-gen --help for usage.\n`);
    expect(existsSync(join(dir, "gen"))).toBe(false);
  });

  it("a misspelt config key: exit 2, did you mean, the known keys", () => {
    const dir = project("config");
    writeFileSync(join(dir, "redis-memory-gen.config.json"), JSON.stringify({ input: "schemas", out: "gen" }));
    const result = runCli(cli, [], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('redis-memory-gen.config.json: unknown key "input" (did you mean "inputs"?); the keys are inputs, out, runtime, strict');
  });

  it("a missing input: a plain message naming it", () => {
    const dir = project("missing");
    const result = runCli(cli, ["nonexistent", "--out", "gen"], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("redis-memory-gen: nothing written, 1 problem:\nnonexistent: no such file or directory\n");
  });

  it("--help shows examples, the exit codes and how stale files are pruned", () => {
    const result = runCli(cli, ["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Examples:\n  redis-memory-gen schemas/ --out generated");
    expect(result.stdout).toContain("--check");
    for (const code of ["0  done", "1  --check found", "2  bad input", "3  internal error"]) expect(result.stdout).toContain(code);
    expect(result.stdout).toContain("a run over named files writes");
  });
});

describe("redis-memory-gen --check", () => {
  it("shows a changed line as - then +", () => {
    expect(unifiedDiff("f.ts", "a\nold\nc\n", "a\nnew\nc\n")).toBe("--- a/f.ts\n+++ b/f.ts\n@@ -1,3 +1,3 @@\n a\n-old\n+new\n c\n");
    const dir = project("diff");
    expect(runCli(cli, ["schemas", "--out", "gen", "--quiet"], dir).status).toBe(0);
    const path = join(dir, "gen/people.ts");
    writeFileSync(path, readFileSync(path, "utf8").replace("get home()", "get house()"));
    const check = runCli(cli, ["schemas", "--out", "gen", "--check"], dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/^-  get house\(\).*\n\+  get home\(\)/m);
  });
});

describe("redis-memory-gen --watch", () => {
  it("prints the time, the file that changed and the files it wrote", async () => {
    const dir = project("watch");
    const child = spawn(process.execPath, [cli, "schemas", "--out", "gen", "--watch"], { cwd: dir });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const until = async (text: RegExp): Promise<void> => {
      for (let i = 0; i < 600 && !text.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toMatch(text);
    };
    try {
      await until(/redis-memory-gen: watching schemas \(3 schema files\); Ctrl-C to stop\n/);
      writeFileSync(join(dir, "schemas/shops.json"), JSON.stringify({ ...SHOPS, properties: { ...SHOPS.properties, open: { type: "boolean" } } }));
      await until(/\[\d\d:\d\d:\d\d\] redis-memory-gen: wrote gen\/shops\.ts, gen\/shops\.validators\.ts; 3 unchanged\n/);
      expect(output).toMatch(/\[\d\d:\d\d:\d\d\] redis-memory-gen: schemas\/shops\.json changed\n/);
      expect(readFileSync(join(dir, "gen/shops.ts"), "utf8")).toContain("open");
    } finally {
      child.kill();
    }
  }, 120_000);
});
