import { cpSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, OUT, ROOT, runCli } from "./helpers.js";

let cli = "";
beforeAll(() => {
  cli = buildCli("cli");
});

/** A scratch project: a copy of schemas/ and an output directory. */
function project(name: string): string {
  const dir = join(OUT, `cli-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, "schemas"), join(dir, "schemas"), { recursive: true });
  return dir;
}

describe("redis-memory-gen exit codes", () => {
  it("0: writes the stores, then --check finds them up to date", () => {
    const dir = project("ok");
    const write = runCli(cli, ["schemas", "--out", "gen"], dir);
    expect(write.stderr).toBe("");
    expect(write.status).toBe(0);
    expect(readFileSync(join(dir, "gen/agent-memory.ts"), "utf8")).toContain("npx redis-memory-gen schemas --out gen");
    const check = runCli(cli, ["schemas", "--out", "gen", "--check"], dir);
    expect(check.status).toBe(0);
  });

  it("1: --check reports a stale file with a unified diff", () => {
    const dir = project("stale");
    runCli(cli, ["schemas", "--out", "gen", "--quiet"], dir);
    const path = join(dir, "gen/app-memory.ts");
    writeFileSync(path, readFileSync(path, "utf8").replace("get tasks()", "get taskz()"));
    const check = runCli(cli, ["schemas", "--out", "gen", "--check"], dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("--- a/gen/app-memory.ts\n+++ b/gen/app-memory.ts\n@@ ");
    expect(check.stdout).toContain("-  get taskz()");
    expect(check.stdout).toContain("+  get tasks()");
    expect(check.stderr).toContain("stale: gen/app-memory.ts");
  });

  it("1: --check reports a missing file", () => {
    const dir = project("missing");
    runCli(cli, ["schemas", "--out", "gen", "--quiet"], dir);
    rmSync(join(dir, "gen/showcase.ts"));
    const check = runCli(cli, ["schemas", "--out", "gen", "--check"], dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("--- /dev/null\n+++ b/gen/showcase.ts");
    expect(check.stderr).toContain("missing: gen/showcase.ts");
  });

  it("1: --check reports an extra file (a schema was removed); writing removes it", () => {
    const dir = project("extra");
    runCli(cli, ["schemas", "--out", "gen", "--quiet"], dir);
    rmSync(join(dir, "schemas/agent-memory.json"));
    const check = runCli(cli, ["schemas", "--out", "gen", "--check"], dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("--- a/gen/agent-memory.ts\n+++ /dev/null");
    expect(check.stderr).toContain("extra: gen/agent-memory.ts, gen/agent-memory.validators.ts");
    expect(runCli(cli, ["schemas", "--out", "gen", "--quiet"], dir).status).toBe(0);
    expect(existsSync(join(dir, "gen/agent-memory.ts"))).toBe(false);
  });

  const bad = (file: string) => ["test/fixtures/generator/bad/" + file, "--out", "test/fixtures/generator/out/never"];

  it.each([
    ["invalid-json.json", /^test\/fixtures\/generator\/bad\/invalid-json\.json#: the file is not valid JSON at line 3/m],
    ["unknown-type.json", /^test\/fixtures\/generator\/bad\/unknown-type\.json#\/properties\/a\/type: unknown type "text"/m],
    ["unresolved-ref.json", /^test\/fixtures\/generator\/bad\/unresolved-ref\.json#\/properties\/a\/\$ref: \$ref "#\/\$defs\/Missing" cannot be resolved/m],
    ["unsupported-keyword.json", /^test\/fixtures\/generator\/bad\/unsupported-keyword\.json#\/properties\/a\/not: keyword "not" is not supported/m],
    ["dollar-property.json", /^test\/fixtures\/generator\/bad\/dollar-property\.json#\/properties\/\$meta: store property "\$meta" starts with "\$"/m],
    ["root-not-object.json", /^test\/fixtures\/generator\/bad\/root-not-object\.json#: the root of a store schema must be an object schema/m],
  ])("2: %s names the file and the pointer, no stack trace", (file, expected) => {
    const result = runCli(cli, bad(file));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("2: two schemas wanting one class name", () => {
    const result = runCli(cli, ["test/fixtures/generator/clash/one.json", "test/fixtures/generator/clash/two.json"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('test/fixtures/generator/clash/two.json#: store name "Same"');
  });

  it("2: a missing input and an unknown flag", () => {
    expect(runCli(cli, ["no/such/dir"]).status).toBe(2);
    const flag = runCli(cli, ["schemas", "--chek"]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("Unknown argument: chek");
  });

  it("--help and --version exit 0", () => {
    const help = runCli(cli, ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--check");
    const version = runCli(cli, ["--version"]);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });
});
