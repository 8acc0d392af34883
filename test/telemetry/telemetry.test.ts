import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { metrics, trace } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Memory, type UntypedMemory } from "redis-memory";
import { beforeAll, describe, expect, it } from "vitest";
import { debugPatternMatches } from "../../runtime/telemetry.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

// The providers are registered before the first open() of this file's process:
// OpenTelemetry's metrics API hands out no-op meters to code that asks earlier.
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 3_600_000 });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

/** The data points of metric `name` (after a collection). */
async function points(name: string): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).filter((metric) => metric.descriptor.name === name).flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
}

const WORKER = fileURLToPath(new URL("./debug-worker.ts", import.meta.url));
const NO_OTEL = fileURLToPath(new URL("./no-otel-hooks.mjs", import.meta.url));

/** Runs the debug worker; resolves to its stdout and stderr. */
function runWorker(url: string, env: Record<string, string>, imports: string[] = []): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...imports.flatMap((i) => ["--import", i]), "--import", "tsx", WORKER, url, uniqueId("debug")], {
      env: { ...process.env, NODE_DEBUG: "", DEBUG: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ stdout, stderr, code }));
  });
}

describe("telemetry through OpenTelemetry", () => {
  let mem: UntypedMemory;
  let id: string;
  beforeAll(async () => {
    id = uniqueId("otel");
    mem = track(await Memory.open({ redis: redisUrl(), id }));
    mem.turns = 0;
    mem.messages = ["hello"];
    await mem.$flush();
  });

  it("records the open as a client span named for the store, with the database attributes", () => {
    const open = spans.getFinishedSpans().find((span) => span.name === "open Memory");
    expect(open).toBeDefined();
    expect(open!.attributes).toMatchObject({ "db.system.name": "redis", "db.operation.name": "open", "db.collection.name": "Memory", "redis_memory.instance": `memory:{Memory:${id}}` });
  });

  it("records each batch's duration, operations and bytes, and no batch stays pending once flushed", async () => {
    mem.messages.push("a", "b");
    await mem.$flush();
    const durations = (await points("db.client.operation.duration")).filter((point) => point.attributes["db.operation.name"] === "batch");
    expect(durations.reduce((sum, point) => sum + (point.value as Histogram).count, 0)).toBeGreaterThanOrEqual(2);
    const bytes = await points("redis_memory.batch.size");
    expect(bytes.reduce((sum, point) => sum + ((point.value as Histogram).sum ?? 0), 0)).toBeGreaterThan(0);
    const pending = await points("redis_memory.batches.pending");
    expect(pending.reduce((sum, point) => sum + (point.value as number), 0)).toBe(0);
  });

  it("counts a transaction's conflict and records the transaction as a span", async () => {
    const other = track(await Memory.open({ redis: redisUrl(), id, live: false }));
    const before = (await points("redis_memory.transaction.conflicts")).reduce((sum, point) => sum + (point.value as number), 0);
    let attempts = 0;
    await mem.$transaction(async (store) => {
      attempts++;
      if (attempts === 1) {
        // Another writer moves the instance between this attempt's read and its commit.
        other.turns = 100;
        await other.$flush();
      }
      (store as UntypedMemory).turns = (store as UntypedMemory).turns + 1;
    });
    expect(attempts).toBe(2);
    const after = (await points("redis_memory.transaction.conflicts")).reduce((sum, point) => sum + (point.value as number), 0);
    expect(after - before).toBe(1);
    expect(spans.getFinishedSpans().some((span) => span.name === "transaction Memory")).toBe(true);
    expect(await rawClient().hget(`memory:{Memory:${id}}:root`, "turns")).toBe("101");
  });

  it("counts reloads and records them as spans", async () => {
    await mem.$refresh();
    const reloads = await points("redis_memory.reloads");
    expect(reloads.reduce((sum, point) => sum + (point.value as number), 0)).toBeGreaterThanOrEqual(1);
    expect(spans.getFinishedSpans().some((span) => span.name === "reload Memory")).toBe(true);
  });

  it("records the feed's lag when a live replica applies another writer's batch", async () => {
    const writer = track(await Memory.open({ redis: redisUrl(), id, live: false }));
    const heard = new Promise<void>((resolve) => {
      const off = mem.$on("change", (event) => {
        if (event.source === "remote") {
          off();
          resolve();
        }
      });
    });
    writer.messages.push("from the other writer");
    await writer.$flush();
    await heard;
    const lag = await points("redis_memory.feed.lag");
    expect(lag.reduce((sum, point) => sum + (point.value as Histogram).count, 0)).toBeGreaterThanOrEqual(1);
  });

  it("marks a failed open's span as an error with the error's class", async () => {
    await expect(Memory.open({ redis: redisUrl(), id: uniqueId("bad"), bogus: true } as never)).rejects.toThrow();
    await expect(Memory.open({ redis: "redis://127.0.0.1:1", id: uniqueId("down"), connectTimeout: 300 })).rejects.toMatchObject({ name: "ConnectionError" });
    const failed = spans.getFinishedSpans().filter((span) => span.name === "open Memory" && span.attributes["error.type"] === "ConnectionError");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.status.code).toBe(2 /* SpanStatusCode.ERROR */);
  });
});

describe("debug lines", () => {
  it("prints open, batches and close under DEBUG=redis-memory, and never the password of the URL", async () => {
    const user = uniqueId("dbguser");
    const secret = `pw-${uniqueId("secret")}`;
    const admin = rawClient();
    await admin.call("ACL", "SETUSER", user, "on", `>${secret}`, "~*", "&*", "+@all");
    try {
      const url = new URL(redisUrl());
      url.username = user;
      url.password = secret;
      const { stderr, code } = await runWorker(url.toString(), { DEBUG: "redis-memory" });
      expect(code).toBe(0);
      expect(stderr).toMatch(/^REDIS-MEMORY \d+: open done memory:\{Memory:debug-[^}]+\} ms=/m);
      expect(stderr).toMatch(/batch sent .* seq=1 ops=\d+ bytes=\d+/);
      expect(stderr).toMatch(/batch acknowledged .* seq=1 ms=/);
      expect(stderr).not.toContain(secret);
    } finally {
      await admin.call("ACL", "DELUSER", user);
    }
  });

  it("prints through Node's debuglog under NODE_DEBUG=redis-memory, and nothing without a switch", async () => {
    const on = await runWorker(redisUrl(), { NODE_DEBUG: "redis-memory" });
    expect(on.stderr).toMatch(/^REDIS-MEMORY \d+: batch acknowledged/m);
    const off = await runWorker(redisUrl(), {});
    expect(off.code).toBe(0);
    expect(off.stderr).not.toMatch(/REDIS-MEMORY/);
  });

  it("reads DEBUG as the debug package does: lists, wildcards and exclusions", () => {
    expect(debugPatternMatches("redis-memory", "redis-memory")).toBe(true);
    expect(debugPatternMatches("express:*,redis-*", "redis-memory")).toBe(true);
    expect(debugPatternMatches("*,-redis-memory", "redis-memory")).toBe(false);
    expect(debugPatternMatches("redis", "redis-memory")).toBe(false);
    expect(debugPatternMatches("", "redis-memory")).toBe(false);
  });
});

describe("without @opentelemetry/api", () => {
  it("opens, writes and closes as usual and loads no telemetry", async () => {
    const { stdout, code, stderr } = await runWorker(redisUrl(), {}, [NO_OTEL]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ otel: false });
  });

  it("loads it when it is installed (the same worker without the hook)", async () => {
    const { stdout, code } = await runWorker(redisUrl(), {});
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ otel: true });
  });
});
