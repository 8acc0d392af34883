import { cpSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
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
    ["invalid-json.json", /^test\/fixtures\/generator\/bad\/invalid-json\.json: the file is not valid JSON at line 3/m],
    ["unknown-type.json", /^test\/fixtures\/generator\/bad\/unknown-type\.json#\/properties\/a\/type: unknown type "text"/m],
    ["unresolved-ref.json", /^test\/fixtures\/generator\/bad\/unresolved-ref\.json#\/properties\/a\/\$ref: \$ref "#\/\$defs\/Missing" cannot be resolved/m],
    ["root-not-object.json", /^test\/fixtures\/generator\/bad\/root-not-object\.json: the root of a store schema must be an object schema/m],
  ])("2: %s names the file and the pointer, no stack trace", (file, expected) => {
    const result = runCli(cli, bad(file));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("0 with one warning line per place on stderr; 2 with --strict", () => {
    const args = ["test/fixtures/generator/warn/dollar-property.json", "-o", "test/fixtures/generator/out/cli-warn"];
    const warned = runCli(cli, args);
    expect(warned.status).toBe(0);
    expect(warned.stderr).toBe(
      'redis-memory-gen: warning: test/fixtures/generator/warn/dollar-property.json#/properties/$meta: store property "$meta" starts with "$" (reserved for store members): skipped\n',
    );
    const strict = runCli(cli, [...args, "--strict"]);
    expect(strict.status).toBe(2);
    expect(strict.stderr).toContain("dollar-property.json#/properties/$meta: store property \"$meta\" starts with \"$\" (reserved for store members): skipped (an error with --strict)");
  });

  it("takes inputs, out and runtime from a redis-memory-gen key in package.json; flags win", () => {
    const dir = project("config");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", "redis-memory-gen": { inputs: ["schemas"], out: "from-config" } }));
    expect(runCli(cli, ["--quiet"], dir).status).toBe(0);
    expect(readFileSync(join(dir, "from-config/app-memory.ts"), "utf8")).toContain("npx redis-memory-gen schemas --out from-config");
    expect(runCli(cli, ["-o", "from-flag", "--quiet"], dir).status).toBe(0);
    expect(existsSync(join(dir, "from-flag/app-memory.ts"))).toBe(true);
    writeFileSync(join(dir, "redis-memory-gen.config.json"), JSON.stringify({ inputs: "schemas", outt: "x" }));
    const bad = runCli(cli, [], dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('redis-memory-gen.config.json: unknown key "outt"');
  });

  it("treats as its own only files whose first line is the banner's, exactly", () => {
    const dir = project("own-files");
    runCli(cli, ["schemas", "-o", "gen", "--quiet"], dir);
    const helper = "// A helper, not Generated by redis-memory-gen. Do not edit this file.\nexport const x = 1;\n";
    writeFileSync(join(dir, "gen/helper.ts"), helper);
    const indented = readFileSync(join(dir, "gen/app-memory.ts"), "utf8").replace(/^/, " ");
    writeFileSync(join(dir, "gen/old.ts"), indented);
    expect(runCli(cli, ["schemas", "-o", "gen", "--check"], dir).status).toBe(0);
    expect(runCli(cli, ["schemas", "-o", "gen", "--quiet"], dir).status).toBe(0);
    expect(readFileSync(join(dir, "gen/helper.ts"), "utf8")).toBe(helper);
    expect(existsSync(join(dir, "gen/old.ts"))).toBe(true);
  });

  it("2: two schemas wanting one class name", () => {
    const result = runCli(cli, ["test/fixtures/generator/clash/one.json", "test/fixtures/generator/clash/two.json"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('test/fixtures/generator/clash/two.json: store name "Same"');
  });

  it("2: a missing input and an unknown flag", () => {
    expect(runCli(cli, ["no/such/dir"]).status).toBe(2);
    const flag = runCli(cli, ["schemas", "--chek"]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("unknown option --chek (did you mean --check?)");
  });

  it("--help and --version exit 0", () => {
    const help = runCli(cli, ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--check");
    const version = runCli(cli, ["--version"]);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });

  it("--help, --version and argument errors answer without loading the pipeline's libraries", () => {
    // Preloaded into the CLI's process: on exit, the libraries of the pipeline it loaded.
    const dir = join(OUT, "cli-lazy");
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, "loaded.cjs");
    writeFileSync(probe, `process.on("exit", () => process.stderr.write("loaded: " + JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules\\/(ts-morph|@ts-morph|json-schema-to-typescript|ajv|@apidevtools)\\//.test(f)).length) + "\\n"));`);
    const loaded = (args: string[]): string | undefined => /loaded: (\d+)/.exec(spawnSync(process.execPath, ["--require", probe, cli, ...args], { cwd: ROOT, encoding: "utf8" }).stderr)?.[1];
    for (const args of [["--help"], ["--version"], ["schemas", "--chek"], ["--check", "--watch", "schemas"]]) expect(loaded(args), args.join(" ")).toBe("0");
    // The probe sees a run's libraries: the check above is not vacuous.
    expect(Number(loaded(["test/fixtures/generator/clash/one.json", "--out", join(dir, "gen"), "--quiet"]))).toBeGreaterThan(0);
  });
});
