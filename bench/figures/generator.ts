// The generator's figures, each from fresh node processes (cold, as a user runs it):
// - on 100 schemas (bench/schemas.ts), median of up to 3 runs;
// - on biome's ~1 MB configuration schema, interleaved with json-schema-to-typescript's
//   compileFromFile on the same file (its default options), medians;
// - on the real-schema corpus (test/fixtures/real-schemas): how many schemas give code
//   that compiles under tsc --strict, ours and json-schema-to-typescript's.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "../context.js";
import { interleave, median, timeOnce } from "../measure.js";
import { row, type Row } from "../report.js";
import { benchSchema, corpusStores, CORPUS, ROOT, BIOME } from "../schemas.js";

const CLI = fileURLToPath(new URL("../../../generator/dist/cli.js", import.meta.url));
const JSTT = `import { compileFromFile } from "json-schema-to-typescript";
import { writeFileSync } from "node:fs";
const [file, out] = process.argv.slice(1);
try { const ts = await compileFromFile(file, { $refOptions: { resolve: { http: false } } }); if (out) writeFileSync(out, ts); }
catch (error) { process.stderr.write(String(error && error.message || error).split("\\n")[0] + "\\n"); process.exitCode = 2; }`;

interface Result {
  readonly code: number | null;
  readonly output: string;
}

function run(args: string[], cwd = ROOT): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const jstt = (file: string, out?: string): Promise<Result> => run(["--input-type=module", "-e", JSTT, file, ...(out ? [out] : [])]);

function first(result: Result): string {
  return `exit ${result.code}: ${result.output.trim().split("\n").slice(0, 3).join(" | ").slice(0, 300)}`;
}

async function hundredSchemas(context: BenchContext): Promise<Row> {
  const count = 100;
  const runs = context.quick ? 1 : 3;
  const base = {
    id: "generator-100-schemas",
    figure: `generator on ${count} schemas, cold`,
    oursLabel: `a fresh \`node generator/dist/cli.js <dir> --out <dir>/out\` on ${count} schema files (median of ${runs} runs)`,
    target: { kind: "ours-at-most", bound: 2.5, text: "<= 2.5 s" } as const,
    designTarget: true,
  };
  const dir = mkdtempSync(join(tmpdir(), "redis-memory-bench-gen-"));
  try {
    const schemas = join(dir, "schemas");
    mkdirSync(schemas);
    for (let i = 0; i < count; i++) writeFileSync(join(schemas, `store-${String(i).padStart(3, "0")}.json`), JSON.stringify(benchSchema(i), null, 2));
    context.log(`generator: ${count} schemas, ${runs} cold runs`);
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      let result: Result = { code: 0, output: "" };
      const ms = await timeOnce(async () => {
        result = await run([CLI, schemas, "--out", join(dir, `out-${r}`), "--quiet"]);
      });
      if (result.code !== 0) return row({ ...base, note: `not measured: the CLI failed on the bench schemas (${first(result)})` });
      times.push(ms);
    }
    return row({ ...base, ours: { value: median(times) / 1000, unit: "s" }, note: `${times.length} run(s): ${times.map((t) => (t / 1000).toFixed(2)).join(", ")} s` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function largeSchema(context: BenchContext): Promise<Row> {
  const rounds = context.quick ? 1 : 3;
  const size = readFileSync(BIOME).length;
  const base = {
    id: "generator-large-schema",
    figure: `generator on a large real config schema (biome's, ${(size / 1024).toFixed(0)} KB) vs json-schema-to-typescript on it`,
    oursLabel: "a fresh `node generator/dist/cli.js <biome schema> --out <dir>` (store module, validators, index)",
    peerLabel: "a fresh node running json-schema-to-typescript's compileFromFile on it (its defaults, Prettier included)",
    ratioMeaning: "our time / its time",
    target: { kind: "ratio-at-most", bound: 2, text: "<= 2x the time" } as const,
    designTarget: true,
  };
  const dir = mkdtempSync(join(tmpdir(), "redis-memory-bench-large-"));
  try {
    let failure: string | undefined;
    const check = (result: Result, who: string): void => {
      if (result.code !== 0) failure ??= `${who} failed (${first(result)})`;
    };
    context.log(`generator: biome's schema, ours and json-schema-to-typescript interleaved, ${rounds} rounds`);
    const results = await interleave(
      [
        { name: "ours", run: async () => check(await run([CLI, BIOME, "--out", join(dir, "out"), "--quiet"]), "ours") },
        { name: "jstt", run: async () => check(await jstt(BIOME), "json-schema-to-typescript") },
      ],
      { rounds, warmup: 0 },
    );
    if (failure !== undefined) return row({ ...base, note: `not measured: ${failure}` });
    const ours = results.get("ours")!;
    const peer = results.get("jstt")!;
    const outBytes = ["configuration.ts", "configuration.validators.ts", "index.ts"].reduce((n, f) => n + readFileSync(join(dir, "out", f)).length, 0);
    return row({
      ...base,
      ours: { value: ours.medianMs / 1000, unit: "s" },
      peer: { value: peer.medianMs / 1000, unit: "s" },
      ratio: ours.medianMs / peer.medianMs,
      note: `ours ${ours.samples.map((t) => (t / 1000).toFixed(2)).join(", ")} s; json-schema-to-typescript ${peer.samples.map((t) => (t / 1000).toFixed(2)).join(", ")} s; our output ${(outBytes / 1e6).toFixed(1)} MB`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tsc --strict over `dirs` (inside the repo, so that the project's types resolve); the dirs with errors. */
async function failingDirs(dir: string, dirs: readonly string[]): Promise<Set<string>> {
  const tsconfig = join(dir, "tsconfig.json");
  writeFileSync(tsconfig, JSON.stringify({ extends: join(ROOT, "tsconfig.json"), compilerOptions: { noEmit: true, strict: true }, include: dirs, exclude: [] }));
  const result = await run([join(ROOT, "node_modules/typescript/bin/tsc"), "-p", tsconfig]);
  const failing = new Set<string>();
  for (const line of result.output.split("\n")) {
    for (const d of dirs) if (line.startsWith(`${relative(ROOT, d)}/`) || line.startsWith(`${d}/`)) failing.add(d);
  }
  return failing;
}

async function corpus(context: BenchContext): Promise<Row> {
  const stores = corpusStores();
  const dir = join(ROOT, "node_modules/.cache/redis-memory-bench-corpus");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    context.log(`generator: the real-schema corpus (${stores.length} schemas), ours and json-schema-to-typescript`);
    const oursDirs: string[] = [];
    const theirDirs: string[] = [];
    const names = stores.map((s) => s.replace(/[/.]/g, "_"));
    for (const [i, store] of stores.entries()) {
      const out = join(dir, "ours", names[i]!);
      if ((await run([CLI, join(CORPUS, store), "--out", out, "--quiet"])).code === 0) oursDirs.push(out);
      const theirs = join(dir, "jstt", names[i]!);
      mkdirSync(theirs, { recursive: true });
      if ((await jstt(join(CORPUS, store), join(theirs, "types.ts"))).code === 0) theirDirs.push(theirs);
    }
    const oursFailing = await failingDirs(join(dir, "ours"), oursDirs);
    const theirFailing = await failingDirs(join(dir, "jstt"), theirDirs);
    const ours = oursDirs.length - oursFailing.size;
    const theirs = theirDirs.length - theirFailing.size;
    return row({
      id: "generator-real-schemas",
      figure: `real schemas (${stores.length} files of ${new Set(stores.map((s) => s.split("/")[0])).size} npm packages, test/fixtures/real-schemas) giving code that compiles under tsc --strict`,
      oursLabel: "redis-memory-gen on each file",
      peerLabel: "json-schema-to-typescript's compileFromFile on each file",
      ours: { value: ours, unit: `of ${stores.length}` },
      peer: { value: theirs, unit: `of ${stores.length}` },
      note: `ours: ${stores.length - oursDirs.length} refused, ${oursFailing.size} not compiling; json-schema-to-typescript: ${stores.length - theirDirs.length} refused, ${theirFailing.size} not compiling`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function generatorFigures(context: BenchContext): Promise<Row[]> {
  if (!existsSync(CLI)) {
    context.log("generator: not measured (dist/generator/cli.js is not built)");
    return [row({ id: "generator-100-schemas", figure: "generator on 100 schemas, cold", oursLabel: "", note: "not measured: dist/generator/cli.js is not built yet" })];
  }
  return [await hundredSchemas(context), await largeSchema(context), await corpus(context)];
}
