// `npm run bench`: starts a throwaway redis-server (unless REDIS_URL is set),
// measures every target figure (README, "Performance") against its peer in the same run, and prints
// one table (or, with --json, the same rows as JSON).
//
//   node dist/bench/run.js [--json [file]] [--quick] [--only id,id] [--strict]
//
// --json       JSON to stdout (the table goes to stderr), or to `file` when given
// --quick      small sizes and few rounds: a smoke run, not figures to quote
// --only       run only the named sections: everyday, history, appends, contains, records, transactions, wire, rewrite, open, reads, memory, live, fleet, migrate, generator
// --strict     exit 1 when a target is missed
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { startRedisServer, type RedisServerHandle } from "../scripts/redis-server.js";
import { cleanUp, createContext, type BenchContext } from "./context.js";
import { appendFigures } from "./figures/appends.js";
import { containsFigures } from "./figures/contains.js";
import { everydayFigures } from "./figures/everyday.js";
import { historyFigures } from "./figures/history.js";
import { fleetFigures } from "./figures/fleet.js";
import { generatorFigures } from "./figures/generator.js";
import { liveFigures } from "./figures/live.js";
import { memoryFigures } from "./figures/memory.js";
import { migrateFigures } from "./figures/migrate.js";
import { openFigures } from "./figures/open.js";
import { readFigures } from "./figures/reads.js";
import { recordFigures } from "./figures/records.js";
import { transactionFigures } from "./figures/transactions.js";
import { rewriteFigures } from "./figures/rewrite.js";
import { wireFigures, type BytesPoint } from "./figures/wire-bytes.js";
import { formatLegend, formatTable, type Row } from "./report.js";
import { WireMeter } from "./wire.js";

interface Args {
  json: boolean;
  jsonFile: string | undefined;
  quick: boolean;
  only: Set<string> | undefined;
  strict: boolean;
}

const SECTIONS = ["everyday", "history", "appends", "contains", "records", "transactions", "wire", "rewrite", "open", "reads", "memory", "live", "fleet", "migrate", "generator"] as const;
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, jsonFile: undefined, quick: false, only: undefined, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") {
      args.json = true;
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--")) args.jsonFile = argv[++i];
    } else if (arg.startsWith("--json=")) {
      args.json = true;
      args.jsonFile = arg.slice("--json=".length);
    } else if (arg === "--quick") args.quick = true;
    else if (arg === "--strict") args.strict = true;
    else if (arg === "--only") {
      const names = (argv[++i] ?? "").split(",").filter(Boolean);
      for (const name of names) {
        if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section ${name}; one of ${SECTIONS.join(", ")}`);
      }
      args.only = new Set(names);
    } else throw new Error(`unknown argument ${arg}; see the header of bench/run.ts`);
  }
  return args;
}

async function redisVersion(context: BenchContext): Promise<string> {
  const info = await context.redis.info("server");
  return /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const startedAt = new Date().toISOString();
  let server: RedisServerHandle | undefined;
  const url = process.env.REDIS_URL ?? (server = await startRedisServer()).url;
  const meter = await WireMeter.open(url);
  const context = createContext(url, meter, args.quick);
  const redis = await redisVersion(context);
  if (process.env.REDIS_URL) context.log(`using REDIS_URL; wire byte figures assume nothing else talks to that server`);

  const rows: Row[] = [];
  let bytes: BytesPoint[] = [];
  const wanted = (section: Section): boolean => args.only === undefined || args.only.has(section);
  try {
    if (wanted("everyday")) rows.push(...(await everydayFigures(context)));
    if (wanted("history")) rows.push(...(await historyFigures(context)));
    if (wanted("appends")) rows.push(...(await appendFigures(context)));
    if (wanted("contains")) rows.push(...(await containsFigures(context)));
    if (wanted("records")) rows.push(...(await recordFigures(context)));
    if (wanted("transactions")) rows.push(...(await transactionFigures(context)));
    if (wanted("wire")) {
      const wire = await wireFigures(context);
      rows.push(...wire.rows);
      bytes = wire.points;
    }
    if (wanted("rewrite")) rows.push(...(await rewriteFigures(context)));
    if (wanted("open")) rows.push(...(await openFigures(context)));
    if (wanted("live")) rows.push(...(await liveFigures(context)));
    if (wanted("fleet")) rows.push(...(await fleetFigures(context)));
    if (wanted("reads")) rows.push(...(await readFigures(context)));
    if (wanted("memory")) rows.push(...(await memoryFigures(context)));
    if (wanted("migrate")) rows.push(...(await migrateFigures(context)));
    if (wanted("generator")) rows.push(...(await generatorFigures(context)));
  } finally {
    await cleanUp(context).catch(() => {});
    await context.redis.quit().catch(() => {});
    await meter.close().catch(() => {});
    await server?.stop();
  }

  const order = (r: Row): number => (r.designTarget ? 0 : 1);
  const sorted = [...rows].sort((a, b) => order(a) - order(b));
  const design = sorted.filter((r) => r.designTarget);
  const summary = {
    designTargets: design.length,
    passed: design.filter((r) => r.pass === true).length,
    failed: design.filter((r) => r.pass === false).map((r) => r.id),
    notMeasured: design.filter((r) => r.pass === undefined).map((r) => r.id),
  };
  const durationS = (performance.now() - started) / 1000;
  const table = [
    formatTable(sorted),
    "",
    `targets: ${summary.passed}/${summary.designTargets} pass` +
      (summary.failed.length ? `; failed: ${summary.failed.join(", ")}` : "") +
      (summary.notMeasured.length ? `; not measured: ${summary.notMeasured.join(", ")}` : ""),
    `${durationS.toFixed(0)} s on ${cpus().length} x ${cpus()[0]?.model.trim() ?? "cpu"}, node ${process.version}${args.quick ? " (--quick: not figures to quote)" : ""}`,
  ].join("\n");

  if (args.json) {
    const report = {
      command: `node dist/bench/run.js ${process.argv.slice(2).join(" ")}`.trim(),
      startedAt,
      durationS,
      quick: args.quick,
      machine: {
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim(),
        redis,
        redisStartedByBench: server !== undefined,
      },
      summary,
      rows: sorted,
      bytesPerOp: bytes,
    };
    const text = JSON.stringify(report, null, 2) + "\n";
    process.stderr.write(table + "\n");
    if (args.jsonFile) {
      writeFileSync(args.jsonFile, text);
      process.stderr.write(`[bench] JSON written to ${args.jsonFile}\n`);
    } else process.stdout.write(text);
  } else {
    process.stdout.write(table + "\n\n" + formatLegend(sorted) + "\n");
  }
  if (args.strict && summary.failed.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
