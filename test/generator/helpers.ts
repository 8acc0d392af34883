// Shared by the generator suites: paths, a one-off build of the CLI (the CLI is run
// as users run it, from JavaScript), and running tsc on a set of files.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const FIXTURES = join(ROOT, "test/fixtures/generator");
/** Scratch space; excluded from the project's tsconfig. */
export const OUT = join(FIXTURES, "out");

/** Compiles generator/ to a private directory; returns the path of its cli.js. */
export function buildCli(name: string): string {
  const dir = join(OUT, `build-${name}`);
  mkdirSync(dir, { recursive: true });
  const tsconfig = join(dir, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, "tsconfig.json"),
      compilerOptions: { noEmit: false, rootDir: ROOT, outDir: join(dir, "dist"), sourceMap: false, declaration: false },
      include: [join(ROOT, "generator")],
    }),
  );
  const result = spawnSync("npx", ["tsc", "-p", tsconfig], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`building the CLI failed:\n${result.stdout}${result.stderr}`);
  return join(dir, "dist/generator/cli.js");
}

export function runCli(cli: string, args: readonly string[], cwd = ROOT): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8" });
}

/** Runs `tsc --strict --noEmit` with the project's options on `include`; returns its output and status. */
export function typecheck(name: string, include: readonly string[]): { status: number | null; output: string } {
  const dir = join(OUT, `tsc-${name}`);
  mkdirSync(dir, { recursive: true });
  const tsconfig = join(dir, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({ extends: join(ROOT, "tsconfig.json"), compilerOptions: { noEmit: true, strict: true }, include: include.map((p) => resolve(ROOT, p)), exclude: [] }),
  );
  const result = spawnSync("npx", ["tsc", "-p", tsconfig], { cwd: ROOT, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
