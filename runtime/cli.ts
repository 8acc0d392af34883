#!/usr/bin/env node
// redis-memory: the runtime's command line, for production scripts (the generator is a
// devDependency; this ships with the package apps install). Two commands:
//   redis-memory load-library [--redis URL] [--prune]
//     loads the batch script's function library (docs/guides/acl.md: where tenants may
//     not run FUNCTION LOAD, an admin loads it once per version) and, with --prune,
//     deletes the libraries of other versions; exit 0 loaded and checked, 1 it cannot
//     be used there (batches then go by EVAL), 2 bad arguments.
//   redis-memory migrate <module> [--store Name] [--import module]... [--redis URL]
//     [--prefix P] [--concurrency N] [--dry-run] [--json] [--quiet] [--progress]
//     [--progress-every N]
// It imports the module that exports the store class (and registers its migrations,
// or names them with --import), then runs migrateAll() on it. Exit codes: 0 every
// instance is at the store's version (or would be, in a dry run), 1 some failed (listed),
// 2 bad arguments, 130 interrupted (Ctrl-C: instances under way finish; run it again to go on).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { APPLY_LIBRARY_NAME, libraryStatus, pruneLibraries } from "./batch-script.js";
import { connectTarget, targetOf } from "./connect.js";
import { migrateAll, type MigrationProgress, type MigrationReport } from "./migrate-all.js";
import type { StoreSchema } from "./shape.js";

const USAGE = `Usage: redis-memory migrate <module> [options]

Brings every instance of a store to the schema version of its class, with the
migrations registered by Store.migrations({ ... }). Resumable: run it again after an
interruption and the instances already migrated are skipped.

  <module>            the JavaScript module exporting the store class (and registering its migrations)
  --store <Name>      the export to migrate when the module exports several stores
  --import <module>   a module to import first (e.g. the one registering the migrations); repeatable
  --redis <url>       Redis URL (default: REDIS_URL, else REDIS_HOST/REDIS_PORT, else 127.0.0.1:6379)
  --prefix <prefix>   key prefix (default: REDIS_PREFIX, else "memory:")
  --concurrency <n>   instances migrated at once (default 16)
  --dry-run           run every migration and check every result; write nothing
  --json              print the report as JSON (every failure with its message)
  --quiet             no progress line
  --progress          the terminal's progress line even when stderr is not a terminal
  --progress-every <n>  when stderr is not a terminal: a progress line every n instances (default 10000)
`;

const LOAD_USAGE = `Usage: redis-memory load-library [--redis <url>] [--prune]

Loads the batch script's function library on the server (every master of a Cluster)
and checks its code. Stores load it themselves when their user may run FUNCTION LOAD;
where tenants may not, an admin runs this once per version of redis-memory.

  --redis <url>       Redis URL (default: REDIS_URL, else REDIS_HOST/REDIS_PORT, else 127.0.0.1:6379)
  --prune             also delete the libraries of other versions (redis_memory_<hash>) left by
                      earlier deploys; a process of such a version still running loads its own again
`;

class UsageError extends Error {}

interface StoreExport {
  readonly schema: StoreSchema;
}

const isStore = (value: unknown): value is StoreExport => {
  if (typeof value !== "function") return false;
  const schema = (value as unknown as { schema?: { name?: unknown; shape?: unknown } }).schema;
  return typeof schema?.name === "string" && typeof schema.shape === "object";
};

async function importModule(specifier: string): Promise<Record<string, unknown>> {
  const url = /^[./]/.test(specifier) || /\.[cm]?js$/.test(specifier) ? pathToFileURL(resolve(process.cwd(), specifier)).href : specifier;
  return (await import(url)) as Record<string, unknown>;
}

function pickStore(module: Record<string, unknown>, name: string | undefined, specifier: string): StoreExport {
  const stores = Object.entries(module).filter(([, value]) => isStore(value)) as [string, StoreExport][];
  if (name !== undefined) {
    const found = stores.find(([key]) => key === name);
    if (!found) throw new UsageError(`${specifier} exports no store named ${name} (its stores: ${stores.map(([key]) => key).join(", ") || "none"})`);
    return found[1];
  }
  if (stores.length === 1) return stores[0]![1];
  throw new UsageError(stores.length === 0 ? `${specifier} exports no store class` : `${specifier} exports several stores (${stores.map(([key]) => key).join(", ")}): pass --store <Name>`);
}

function progressLine(store: string, version: number, p: MigrationProgress, dryRun: boolean): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  return `${dryRun ? "dry run: " : ""}${store} -> version ${version}: ${n(p.seen)} seen, ${n(p.migrated)} ${dryRun ? "would migrate" : "migrated"}, ${n(p.current)} current, ${n(p.failed)} failed, ${n(p.newer)} newer`;
}

function summary(report: MigrationReport): string {
  const lines = [progressLine(report.store, report.version, report, report.dryRun) + (report.interrupted ? " (interrupted: run again to go on)" : "")];
  for (const { id, error } of report.failures.slice(0, 100)) lines.push(`  failed ${id}: ${error.message.split("\n").join("\n    ")}`);
  if (report.failures.length > 100) lines.push(`  ... and ${report.failures.length - 100} more (--json lists them all)`);
  return lines.join("\n") + "\n";
}

async function migrate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      store: { type: "string" },
      import: { type: "string", multiple: true },
      redis: { type: "string" },
      prefix: { type: "string" },
      concurrency: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      progress: { type: "boolean", default: false },
      "progress-every": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [specifier, ...extra] = positionals;
  if (specifier === undefined || extra.length > 0) throw new UsageError("give exactly one module: redis-memory migrate <module>");
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isSafeInteger(concurrency) || concurrency < 1)) throw new UsageError("--concurrency must be a positive integer");
  const every = values["progress-every"] === undefined ? 10_000 : Number(values["progress-every"]);
  if (!Number.isSafeInteger(every) || every < 1) throw new UsageError("--progress-every must be a positive integer");
  for (const first of values.import ?? []) await importModule(first);
  const store = pickStore(await importModule(specifier), values.store, specifier);
  const dryRun = values["dry-run"];
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  // The redrawn line on a terminal (or when asked for); else a line every `every` instances.
  const tty = !values.quiet && (values.progress || (process.stderr.isTTY && !values.json));
  const lines = !tty && !values.quiet && !values.json;
  const version = store.schema.version ?? 1;
  let shown = 0;
  const report = await migrateAll(store, {
    ...(values.redis !== undefined ? { redis: values.redis } : {}),
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    dryRun,
    signal: stop.signal,
    onProgress: (p) => {
      // A progress line on a terminal (redrawn at most every 100 ms); a line per `every` otherwise.
      const now = Date.now();
      if (tty && now - shown >= 100) {
        shown = now;
        process.stderr.write(`\r${progressLine(store.schema.name, version, p, dryRun)}\x1b[K`);
      } else if (lines && p.seen % every === 0) {
        process.stderr.write(`${progressLine(store.schema.name, version, p, dryRun)}\n`);
      }
    },
  });
  if (tty) process.stderr.write("\r\x1b[K");
  if (values.json) {
    const failures = report.failures.map(({ id, error }) => ({ id, error: error.name, message: error.message }));
    process.stdout.write(`${JSON.stringify({ ...report, failures }, null, 2)}\n`);
  } else process.stdout.write(summary(report));
  return report.interrupted ? 130 : report.failed > 0 ? 1 : 0;
}

async function loadLibrary(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { redis: { type: "string" }, prune: { type: "boolean", default: false }, help: { type: "boolean", default: false } } });
  if (values.help) {
    process.stdout.write(LOAD_USAGE);
    return 0;
  }
  const connection = await connectTarget(targetOf(values.redis), 10_000);
  try {
    const status = await libraryStatus(connection);
    const where = `${status.servers} server${status.servers === 1 ? "" : "s"}`;
    if (status.ready) process.stdout.write(`${APPLY_LIBRARY_NAME}: loaded and checked on ${where}\n`);
    else process.stderr.write(`redis-memory: ${APPLY_LIBRARY_NAME} cannot be used on ${where} (${status.reason}); batches go by EVAL there\n`);
    if (values.prune && status.ready) {
      const deleted = await pruneLibraries(connection);
      process.stdout.write(deleted.length === 0 ? "no library of another version to delete\n" : `deleted ${deleted.length} of other versions: ${deleted.join(", ")}\n`);
    }
    return status.ready ? 0 : 1;
  } finally {
    connection.disconnect();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "migrate") return migrate(rest);
  if (command === "load-library") return loadLibrary(rest);
  if (command === undefined || command === "--help" || command === "help") {
    process.stdout.write(`${USAGE}\n${LOAD_USAGE}`);
    return command === undefined ? 2 : 0;
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)} (redis-memory has: migrate, load-library)`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // The connections the run opened are released; nothing else keeps the process.
    setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`redis-memory: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`redis-memory: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
    setImmediate(() => process.exit(1));
  },
);
