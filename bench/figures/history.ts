// Agent memory beyond the peers: what a kept history entry costs in Redis against the
// batch's operations as JSON, and what retention (keepLast) costs an append.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AgentConversation, type Turn } from "../../generated/index.js";
import type { BenchContext } from "../context.js";
import { interleave, median } from "../measure.js";
import { row, type Row } from "../report.js";

const turn = (i: number): Turn => ({ role: i % 2 === 0 ? "user" : "assistant", content: `message ${i} `.padEnd(200, "lorem ipsum dolor sit amet ") });

export async function historyFigures(context: BenchContext): Promise<Row[]> {
  return [...(await historyBytes(context)), ...(await retentionCost(context)), ...(await telemetryFigures(context))];
}

async function historyBytes(context: BenchContext): Promise<Row[]> {
  const batches = context.quick ? 100 : 400;
  const id = context.uniqueId("history");
  // history: { maxEntries: 500 } from schemas/agent-conversation.json; every batch is one append.
  const conversation = await AgentConversation.open({ redis: context.url, prefix: context.prefix, id, live: false, history: { maxEntries: batches + 10 } });
  conversation.summary = "";
  await conversation.$flush();
  const before = Number((await context.redis.memory("USAGE", `${conversation.$key}:log`, "SAMPLES", "0")) ?? 0);
  for (let i = 0; i < batches; i++) {
    conversation.messages.push(turn(i));
    await conversation.$flush();
  }
  const after = Number(await context.redis.memory("USAGE", `${conversation.$key}:log`, "SAMPLES", "0"));
  // The entry's operations as JSON: a push of the message's JSON text onto the list, then the trim.
  const opsJson = JSON.stringify([["push", "abcdefghijkl", [JSON.stringify(turn(1))]], ["keep", "abcdefghijkl", 6]]).length;
  const perEntry = (after - before) / batches;
  await conversation.$delete();
  await conversation.$close();
  return [
    row({
      id: "history-bytes",
      figure: "Redis bytes per kept history entry of a one-append batch vs the entry's operations as JSON",
      oursLabel: `MEMORY USAGE of the log key over ${batches} one-append batches (messages of ~200 chars, keepLast 6), per batch`,
      peerLabel: "JSON.stringify of the batch's operations (push + keep)",
      ours: { value: perEntry, unit: "B" },
      peer: { value: opsJson, unit: "B" },
      ratio: perEntry / opsJson,
      ratioMeaning: "bytes per entry / operations JSON bytes",
      target: { kind: "ratio-at-most", bound: 2, text: "<= 2x" },
      designTarget: true,
    }),
  ];
}

async function retentionCost(context: BenchContext): Promise<Row[]> {
  const appends = context.quick ? 50 : 200;
  const rounds = context.quick ? 2 : 7;
  const kept = await AgentConversation.open({ redis: context.url, prefix: context.prefix, id: context.uniqueId("kept"), live: false, history: false });
  const rawPlain = `${context.prefix}raw:{plain}:messages`;
  context.log(`history: ${appends} awaited appends with keepLast vs a raw RPUSH each, ${rounds} rounds`);
  const runs = await interleave(
    [
      {
        name: "keep",
        run: async () => {
          for (let i = 0; i < appends; i++) {
            kept.messages.push(turn(i));
            await kept.$flush();
          }
        },
      },
      {
        name: "rpush",
        run: async () => {
          for (let i = 0; i < appends; i++) await context.redis.rpush(rawPlain, JSON.stringify(turn(i)));
        },
      },
    ],
    { rounds },
  );
  await kept.$delete();
  await kept.$close();
  await context.redis.del(rawPlain);
  const keep = (appends / runs.get("keep")!.medianMs) * 1000;
  const rpush = (appends / runs.get("rpush")!.medianMs) * 1000;
  return [
    row({
      id: "keep-last-append",
      figure: "one append awaited onto a list with keepLast (each append drops one), vs raw awaited RPUSH (info)",
      oursLabel: `${appends} x (messages.push + await $flush()), keepLast 6, the list full`,
      peerLabel: `${appends} x await RPUSH (no trim)`,
      ours: { value: keep, unit: "/s" },
      peer: { value: rpush, unit: "/s" },
      ratio: keep / rpush,
      ratioMeaning: "appends/s with keepLast / RPUSH/s (compare with the awaited-append row)",
    }),
  ];
}

/** Awaited appends in a child process with an OpenTelemetry SDK registered vs without (info). */
export async function telemetryFigures(context: BenchContext): Promise<Row[]> {
  const count = context.quick ? 100 : 300;
  const rounds = context.quick ? 2 : 5;
  const worker = fileURLToPath(new URL("../telemetry-worker.js", import.meta.url));
  const run = (mode: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [worker, context.url, context.prefix, context.uniqueId(`otel-${mode}`), mode, String(count)], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.on("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`telemetry worker exited with ${code}`))));
    });
  context.log(`telemetry: ${count} awaited appends in a child process, OpenTelemetry SDK registered vs not, ${rounds} rounds`);
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      on.push(await run("otel"));
      off.push(await run("off"));
    } else {
      off.push(await run("off"));
      on.push(await run("otel"));
    }
  }
  const withOtel = (count / median(on)) * 1000;
  const without = (count / median(off)) * 1000;
  return [
    row({
      id: "telemetry-awaited-append",
      figure: "one append awaited with OpenTelemetry on (SDK registered, in-memory exporters) vs off (info)",
      oursLabel: `${count} x (push + await $flush()), OpenTelemetry SDK registered`,
      peerLabel: `the same without an SDK (the API package is installed: no-op instruments)`,
      ours: { value: withOtel, unit: "/s" },
      peer: { value: without, unit: "/s" },
      ratio: withOtel / without,
      ratioMeaning: "appends/s with telemetry / without",
    }),
  ];
}
