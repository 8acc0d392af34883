// A child process of the telemetry figure: N awaited appends (push + $flush) through a
// store, timed; with `otel` as argv[4], an OpenTelemetry SDK (in-memory exporters) is
// registered before the first open(), as an app that exports telemetry would. Prints
// the milliseconds the appends took.
import { metrics, trace } from "@opentelemetry/api";
import { InMemoryMetricExporter, AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { performance } from "node:perf_hooks";
import { AgentMemory } from "../generated/index.js";

const [url = "", prefix = "", id = "", mode = "off", count = "200"] = process.argv.slice(2);
if (mode === "otel") {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 })] }));
}
const memory = await AgentMemory.open({ redis: url, prefix, id, live: false, init: { conversationId: id } });
const message = { role: "user" as const, content: "x".repeat(200) };
for (let i = 0; i < 20; i++) {
  memory.messages.push(message);
  await memory.$flush();
}
const started = performance.now();
for (let i = 0; i < Number(count); i++) {
  memory.messages.push(message);
  await memory.$flush();
}
const ms = performance.now() - started;
await memory.$delete();
await memory.$close();
process.stdout.write(`${ms}\n`);
