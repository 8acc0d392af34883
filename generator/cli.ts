#!/usr/bin/env node
// redis-memory-gen: parses arguments and calls the generator. Exit codes: 0 done,
// 1 `--check` found stale, missing or extra files, 2 bad input.
import { readFileSync, statSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { packageRoot } from "./templates.js";
import { ConfigError, loadConfig } from "./config.js";
import { writeSummary } from "./summary.js";
import { checkFiles, DEFAULT_OUT, DEFAULT_RUNTIME, generate, referencedFiles, SchemaProblemsError, writeFiles, type GenerateOptions } from "./index.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

interface RunOptions extends GenerateOptions {
  readonly check: boolean;
  readonly quiet: boolean;
}

/** One generation run; returns the exit code. Never throws for bad input. */
async function run(options: RunOptions): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const out = options.out ?? DEFAULT_OUT;
  let files: Map<string, string>;
  try {
    files = await generate({
      ...options,
      onWarning: (w) => {
        if (!options.quiet) process.stderr.write(`redis-memory-gen: warning: ${w.file}#${w.pointer}: ${w.rule}\n`);
      },
    });
  } catch (error) {
    if (error instanceof SchemaProblemsError) {
      process.stderr.write(`redis-memory-gen: ${error.message.split("\n").length} problem(s) in the schemas:\n${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.check) {
    const result = checkFiles(files, out, cwd);
    if (result.ok) {
      if (!options.quiet) process.stdout.write(`redis-memory-gen: ${files.size} files in ${out} are up to date\n`);
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
  const result = writeFiles(files, out, cwd);
  if (!options.quiet) process.stdout.write(writeSummary(result, out, cwd));
  return 0;
}

function watchInputs(options: RunOptions): void {
  const cwd = options.cwd ?? process.cwd();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const watchers = new Map<string, FSWatcher>();
  const files = new Set<string>();
  // Watch directories, not files: editors and `sed -i` replace a file, which ends a file watch.
  const follow = async (): Promise<void> => {
    files.clear();
    for (const file of await referencedFiles(options.inputs, cwd)) files.add(file);
    const dirs = new Map<string, boolean>();
    for (const input of options.inputs) {
      const path = resolve(cwd, input);
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false) dirs.set(path, true);
    }
    for (const file of files) if (!dirs.has(dirname(file))) dirs.set(dirname(file), false);
    for (const [dir, recursive] of dirs) {
      if (watchers.has(dir)) continue;
      watchers.set(dir, watch(dir, { recursive }, (_event, name) => {
        if (name === null || (recursive && String(name).endsWith(".json")) || files.has(join(dir, String(name)))) again();
      }));
    }
  };
  const again = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      if (running) return again();
      running = true;
      run(options)
        .then(follow)
        .catch((error: unknown) => process.stderr.write(`redis-memory-gen: ${String(error)}\n`))
        .finally(() => {
          running = false;
        });
    }, 100);
  };
  follow().then(
    () => process.stdout.write(`redis-memory-gen: watching ${options.inputs.join(" ")} and ${files.size} schema file(s) they refer to\n`),
    (error: unknown) => process.stderr.write(`redis-memory-gen: ${String(error)}\n`),
  );
}

async function main(): Promise<number> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName("redis-memory-gen")
    .usage("$0 [files-or-dirs...] [options]\n\nGenerates typed redis-memory stores from JSON Schemas.\nDefaults come from redis-memory-gen.config.json or a \"redis-memory-gen\" key in package.json; flags win.")
    .command("$0 [inputs..]", false)
    .positional("inputs", { type: "string", array: true, describe: "schema files (*.json) or directories (default: the config's inputs)" })
    .option("out", { alias: "o", type: "string", describe: `output directory (default: the config's out, else ${DEFAULT_OUT})` })
    .option("check", { type: "boolean", default: false, describe: "exit 1 with a diff if the output is stale, missing or extra" })
    .option("watch", { type: "boolean", default: false, describe: "regenerate when a schema changes" })
    .option("runtime", { type: "string", describe: `import specifier of the runtime in generated code (default: the config's, else ${DEFAULT_RUNTIME})` })
    .option("strict", { type: "boolean", describe: "turn every warning (what the generator did instead of refusing) into an error" })
    .option("quiet", { type: "boolean", default: false, describe: "print nothing on success" })
    .strict()
    .version(version())
    .help()
    .exitProcess(false)
    .fail((message, error) => {
      throw new UsageError(message || (error ? error.message : "invalid arguments"));
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
