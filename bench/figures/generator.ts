// The generator on 100 schemas, cold: a fresh node process runs the built CLI
// on 100 schema files in a temporary directory.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "../context.js";
import { median, timeOnce } from "../measure.js";
import { row, type Row } from "../report.js";
import { benchSchema } from "../schemas.js";

const CLI = fileURLToPath(new URL("../../../generator/dist/cli.js", import.meta.url));

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

export async function generatorFigures(context: BenchContext): Promise<Row[]> {
  const count = 100;
  const runs = context.quick ? 1 : 3;
  const base = {
    id: "generator-100-schemas",
    figure: `generator on ${count} schemas, cold`,
    oursLabel: `a fresh \`node generator/dist/cli.js <dir> --out <dir>/out\` on ${count} schema files (median of up to ${runs} runs)`,
    target: { kind: "ours-at-most", bound: 5, text: "<= 5 s" } as const,
    designTarget: true,
  };
  if (!existsSync(CLI)) {
    context.log("generator: not measured (generator/dist/cli.js is not built)");
    return [row({ ...base, note: "not measured: generator/dist/cli.js is not built yet" })];
  }
  const dir = mkdtempSync(join(tmpdir(), "redis-memory-bench-gen-"));
  try {
    const schemas = join(dir, "schemas");
    mkdirSync(schemas);
    for (let i = 0; i < count; i++) {
      writeFileSync(join(schemas, `store-${String(i).padStart(3, "0")}.json`), JSON.stringify(benchSchema(i), null, 2));
    }
    context.log(`generator: ${count} schemas, ${runs} cold runs`);
    const times: number[] = [];
    let failure: string | undefined;
    for (let r = 0; r < runs && failure === undefined; r++) {
      const out = join(dir, `out-${r}`);
      let result: { code: number | null; output: string } = { code: 0, output: "" };
      const ms = await timeOnce(async () => {
        result = await run([CLI, schemas, "--out", out, "--quiet"]);
      });
      if (result.code !== 0) failure = `exit ${result.code}: ${result.output.trim().split("\n").slice(0, 5).join(" | ")}`;
      else times.push(ms);
      // A run far over the target says enough; more would only stretch the bench past its time budget.
      if (ms > 10_000) break;
    }
    if (failure !== undefined) {
      context.log(`generator: failed (${failure})`);
      return [row({ ...base, note: `not measured: the CLI failed on the bench schemas (${failure.slice(0, 300)})` })];
    }
    return [row({ ...base, ours: { value: median(times) / 1000, unit: "s" }, note: `${times.length} run(s): ${times.map((t) => (t / 1000).toFixed(1)).join(", ")} s` })];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
