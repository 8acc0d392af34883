#!/usr/bin/env node
// redis-memory-gen: parses arguments and calls the generator. Exit codes: 0 done,
// 1 `--check` found stale, missing or extra files, 2 bad input.
import { readFileSync, statSync, watch, type FSWatcher } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { packageRoot } from "./templates.js";
import { ConfigError, loadConfig } from "./config.js";
import { writeSummary } from "./summary.js";
import { DEFAULT_OUT, DEFAULT_RUNTIME } from "./defaults.js";
import type { GenerateOptions } from "./index.js";
import { placeOfProblem, SchemaProblemsError } from "./problems.js";
import { closest } from "./suggest.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

interface RunOptions extends GenerateOptions {
  readonly check: boolean;
  readonly quiet: boolean;
}

// The pipeline (TypeScript's parser, json-schema-to-typescript, ajv) is loaded where a
// run needs it: --help, --version and argument errors answer without it.
const pipeline = (): Promise<typeof import("./index.js")> => import("./index.js");

/** One generation run; returns the exit code. Never throws for bad input. `prefix` starts each line (--watch: the time). */
async function run(options: RunOptions, prefix = ""): Promise<number> {
  const { checkFiles, generate, prunes, writeFiles } = await pipeline();
  const cwd = options.cwd ?? process.cwd();
  const out = options.out ?? DEFAULT_OUT;
  const prune = prunes(options.inputs, cwd);
  let files: Map<string, string>;
  try {
    files = await generate({
      ...options,
      onWarning: (w) => {
        if (!options.quiet) process.stderr.write(`${prefix}redis-memory-gen: warning: ${placeOfProblem(w)}: ${w.rule}\n`);
      },
    });
  } catch (error) {
    if (error instanceof SchemaProblemsError) {
      const count = error.message.split("\n").length;
      process.stderr.write(`${prefix}redis-memory-gen: nothing written, ${count === 1 ? "1 problem" : `${count} problems`}:\n${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.check) {
    const result = checkFiles(files, out, cwd, prune);
    if (result.ok) {
      if (!options.quiet) process.stdout.write(`${prefix}redis-memory-gen: ${files.size} files in ${out} are up to date\n`);
      return 0;
    }
    process.stdout.write(result.diff);
    const parts = [
      result.stale.length > 0 ? `stale: ${result.stale.join(", ")}` : "",
      result.missing.length > 0 ? `missing: ${result.missing.join(", ")}` : "",
      result.extra.length > 0 ? `extra: ${result.extra.join(", ")}` : "",
    ].filter((p) => p !== "");
    process.stderr.write(`redis-memory-gen: generated code is out of date (${parts.join("; ")}); run without --check to update it\n`);
    return 1;
  }
  const result = writeFiles(files, out, cwd, prune);
  if (!options.quiet) process.stdout.write(`${prefix}${writeSummary(result, out, cwd)}`);
  return 0;
}

/** `[HH:MM:SS] `: when a --watch run happened, in local time. */
function clock(): string {
  const now = new Date();
  return `[${[now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":")}] `;
}

function watchInputs(options: RunOptions): void {
  const cwd = options.cwd ?? process.cwd();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const changed = new Set<string>();
  const watchers = new Map<string, FSWatcher>();
  const files = new Set<string>();
  let schemas = 0;
  // Watch directories, not files: editors and `sed -i` replace a file, which ends a file watch.
  const follow = async (): Promise<void> => {
    files.clear();
    const { referencedFiles } = await pipeline();
    for (const file of await referencedFiles(options.inputs, cwd)) files.add(file);
    const dirs = new Map<string, boolean>();
    for (const input of options.inputs) {
      const path = resolve(cwd, input);
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false) dirs.set(path, true);
    }
    const inside = (file: string): boolean => options.inputs.some((input) => {
      const path = resolve(cwd, input);
      return file === path || file.startsWith(`${path}/`);
    });
    schemas = [...files].filter(inside).length;
    for (const file of files) if (!dirs.has(dirname(file)) && ![...dirs.keys()].some((dir) => file.startsWith(`${dir}/`))) dirs.set(dirname(file), false);
    for (const [dir, recursive] of dirs) {
      if (watchers.has(dir)) continue;
      watchers.set(dir, watch(dir, { recursive }, (_event, name) => {
        const path = name === null ? dir : join(dir, String(name));
        if (name === null || (recursive && String(name).endsWith(".json")) || files.has(path)) again(path);
      }));
    }
    return;
  };
  const describe = (): string => {
    const outside = files.size - schemas;
    const refs = outside === 0 ? "" : ` and ${outside === 1 ? "1 file" : `${outside} files`} their $refs reach`;
    return `watching ${options.inputs.join(" ")} (${schemas === 1 ? "1 schema file" : `${schemas} schema files`})${refs}; Ctrl-C to stop`;
  };
  const again = (path: string): void => {
    changed.add(relative(cwd, path) || path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      if (running) return again(path);
      running = true;
      const prefix = clock();
      if (!options.quiet) process.stdout.write(`${prefix}redis-memory-gen: ${[...changed].sort().join(", ")} changed\n`);
      changed.clear();
      run(options, prefix)
        .then(follow)
        .catch((error: unknown) => process.stderr.write(`${prefix}redis-memory-gen: ${String(error)}\n`))
        .finally(() => {
          running = false;
        });
    }, 100);
  };
  follow().then(
    () => process.stdout.write(`${clock()}redis-memory-gen: ${describe()}\n`),
    (error: unknown) => process.stderr.write(`redis-memory-gen: ${String(error)}\n`),
  );
}

const FLAGS = ["out", "check", "watch", "runtime", "strict", "quiet", "help", "version"];

/** yargs' "Unknown argument(s): a, b" as one line per flag, with the flag it most likely meant. */
function unknownFlags(message: string): string | undefined {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (match === null) return undefined;
  return match[1]!
    .split(", ")
    .map((name) => {
      const flag = name.length === 1 ? `-${name}` : `--${name}`;
      const near = closest(name, FLAGS);
      return `unknown option ${flag}${near === undefined ? "" : ` (did you mean --${near}?)`}`;
    })
    .join("\n");
}

const EPILOGUE = `Exit codes:
  0  done (warnings or not)
  1  --check found stale, missing or extra generated files (a diff is printed)
  2  bad input: a missing file, invalid JSON, an invalid schema, a $ref that cannot be
     resolved, a root that cannot be a store, an unknown option or config key
  3  internal error of the generator (please report it, with the schema)

Files of the output directory: a run over directories removes the generated files that no
schema produces any more (--check reports them as extra); a run over named files writes
those stores and index.ts and keeps the other stores' files. Files without the generated
banner are never touched. A file with only $defs/definitions (no root object schema) is
shared definitions, not a store.`;

async function main(): Promise<number> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName("redis-memory-gen")
    .usage("$0 [files-or-dirs...] [options]\n\nGenerates typed redis-memory stores from JSON Schemas: one store per schema file.\nDefaults come from redis-memory-gen.config.json or a \"redis-memory-gen\" key in package.json; flags win.")
    .example("$0 schemas/ --out generated", "generate a store for every *.json under schemas/")
    .example("$0 schemas/ --out generated --check", "in CI: exit 1 with a diff when generated/ is out of date")
    .example("$0 schemas/notes.json -o generated", "regenerate one store; the other stores' files stay")
    .example("$0 --watch", "regenerate on every change of the config's inputs")
    .epilogue(EPILOGUE)
    .wrap(Math.min(100, yargs().terminalWidth()))
    .command("$0 [inputs..]", false)
    .positional("inputs", { type: "string", array: true, describe: "schema files (*.json) or directories (default: the config's inputs)" })
    .option("out", { alias: "o", type: "string", describe: `output directory (default: the config's out, else ${DEFAULT_OUT})` })
    .option("check", { type: "boolean", default: false, describe: "exit 1 with a diff if the output is stale, missing or extra" })
    .option("watch", { type: "boolean", default: false, describe: "regenerate when a schema, or a file its $refs reach, changes; prints the time and what it wrote" })
    .option("runtime", { type: "string", describe: `import specifier of the runtime in generated code (default: the config's, else ${DEFAULT_RUNTIME})` })
    .option("strict", { type: "boolean", describe: "turn every warning (what the generator did instead of refusing) into an error" })
    .option("quiet", { type: "boolean", default: false, describe: "print nothing on success" })
    .strict()
    .version(version())
    .help()
    .exitProcess(false)
    .fail((message, error) => {
      const text = message || (error ? error.message : "invalid arguments");
      throw new UsageError(unknownFlags(text) ?? text);
    })
    .parseAsync();
  if (argv.help || argv.version) return 0;
  if (argv.check && argv.watch) throw new UsageError("--check and --watch cannot be used together");
  const config = loadConfig(process.cwd());
  const inputs = (argv.inputs as string[] | undefined) ?? [];
  const options: RunOptions = {
    inputs: inputs.length > 0 ? inputs : (config.inputs ?? []),
    out: argv.out ?? config.out ?? DEFAULT_OUT,
    runtime: argv.runtime ?? config.runtime ?? DEFAULT_RUNTIME,
    strict: argv.strict ?? config.strict ?? false,
    check: argv.check,
    quiet: argv.quiet,
  };
  if (options.inputs.length === 0) {
    throw new UsageError(`no schema files or directories given (pass them, or set "inputs" in redis-memory-gen.config.json or package.json's "redis-memory-gen")`);
  }
  const code = await run(options);
  if (argv.watch) {
    watchInputs(options);
    return new Promise<number>(() => undefined);
  }
  return code;
}

class UsageError extends Error {}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`redis-memory-gen: ${error.message}\nRun redis-memory-gen --help for usage.\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`redis-memory-gen: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  },
);
