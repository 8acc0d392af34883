// Change seen by a second process (measured by bench/live-latency.ts).
import type { BenchContext } from "../context.js";
import { measureLiveLatency } from "../live-latency.js";
import { row, type Row } from "../report.js";

export async function liveFigures(context: BenchContext): Promise<Row[]> {
  const count = context.quick ? 200 : 1_000;
  context.log(`live: ${count} changes seen by a second process`);
  let result: { p50Ms: number; p99Ms: number } | undefined;
  let note: string | undefined;
  try {
    result = await measureLiveLatency(context.url, count);
  } catch (error) {
    note = `not measured: ${error instanceof Error ? error.message : String(error)}`;
    context.log(`live: ${note}`);
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
