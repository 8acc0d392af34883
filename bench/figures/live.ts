// Change seen by a second process: measured by bench/live-latency.ts when it is
// there (loaded at run time, so that this file compiles without it).
import type { BenchContext } from "../context.js";
import { row, type Row } from "../report.js";

type MeasureLiveLatency = (redisUrl: string, count: number) => Promise<{ p50Ms: number; p99Ms: number }>;

async function loadMeasure(): Promise<MeasureLiveLatency | string> {
  const specifier = new URL("../live-latency.js", import.meta.url).href;
  try {
    const mod = (await import(specifier)) as { measureLiveLatency?: MeasureLiveLatency };
    return typeof mod.measureLiveLatency === "function" ? mod.measureLiveLatency : "bench/live-latency.ts exports no measureLiveLatency";
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND") return "bench/live-latency.ts is not there yet";
    throw error;
  }
}

export async function liveFigures(context: BenchContext): Promise<Row[]> {
  const count = context.quick ? 200 : 1_000;
  const measure = await loadMeasure();
  let result: { p50Ms: number; p99Ms: number } | undefined;
  let note: string | undefined;
  if (typeof measure === "string") {
    note = `not measured: ${measure}`;
    context.log(`live: ${note}`);
  } else {
    context.log(`live: ${count} changes seen by a second process`);
    result = await measure(context.url, count);
  }
  const label = `a write in one process, until a live store in a second process has applied it (${count} changes)`;
  return [
    row({
      id: "live-latency-p50",
      figure: "change seen by a second process, p50",
      oursLabel: label,
      ...(result ? { ours: { value: result.p50Ms, unit: "ms" } } : {}),
      target: { kind: "ours-at-most", bound: 2, text: "p50 <= 2 ms" },
      designTarget: true,
      ...(note ? { note } : {}),
    }),
    row({
      id: "live-latency-p99",
      figure: "change seen by a second process, p99",
      oursLabel: label,
      ...(result ? { ours: { value: result.p99Ms, unit: "ms" } } : {}),
      target: { kind: "ours-at-most", bound: 10, text: "p99 <= 10 ms" },
      designTarget: true,
      ...(note ? { note } : {}),
    }),
  ];
}
