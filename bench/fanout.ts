// Fan-out: a child process holds `count` live stores, one per instance; this process
// writes to every instance, one write at a time (the latency each store sees among
// `count` live ones) and then all in one tick (a burst: the writes queue up in Redis),
// and the child notes, on its clock, when each of its stores applied its write. The
// clocks' offset is measured first (as in bench/live-latency.ts), so a figure is:
// write call -> applied in the other process.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Memory } from "redis-memory";
import { clockOffset, now } from "./live-latency.js";
import { percentile } from "./measure.js";

/** Messages to the fan-out reader (bench/fanout-worker.ts) and from it. */
export type ToFanoutReader = { readonly ping: true } | { readonly expect: number } | { readonly stop: true };
export type FromFanoutReader = { readonly ready: true } | { readonly pong: number } | { readonly latencies: readonly number[] };

function startReader(args: string[]): ReturnType<typeof spawn> {
  const fromSource = import.meta.url.endsWith(".ts");
  const worker = fileURLToPath(new URL(`./fanout-worker.${fromSource ? "ts" : "js"}`, import.meta.url));
  const root = fileURLToPath(new URL(fromSource ? ".." : "../..", import.meta.url));
  return spawn(process.execPath, [...(fromSource ? ["--import", "tsx"] : []), worker, ...args], { cwd: root, stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

export interface Fanout {
  /** One write at a time, to each instance in turn. */
  readonly single: { readonly p50Ms: number; readonly p99Ms: number };
  /** A write to every instance in one tick. */
  readonly burst: { readonly p50Ms: number; readonly p99Ms: number };
}

export async function measureFanout(redisUrl: string, prefix: string, count: number, rounds: number): Promise<Fanout> {
  const ids = Array.from({ length: count }, (_, i) => `fanout-${i}`);
  const writers = await Promise.all(ids.map((id) => Memory.open({ redis: redisUrl, id, prefix, live: false })));
  const reader = startReader([redisUrl, prefix, String(count)]);
  const exited = new Promise<number | null>((resolve) => reader.once("exit", resolve));
  const single: number[] = [];
  const burst: number[] = [];
  try {
    let next: ((message: FromFanoutReader) => void) | undefined;
    reader.on("message", (message: FromFanoutReader) => next?.(message));
    const receive = (): Promise<FromFanoutReader> =>
      new Promise((resolve, reject) => {
        next = resolve;
        void exited.then((code) => reject(new Error(`the fan-out reader exited (code ${code}) before it was done`)));
      });
    const send = (message: ToFanoutReader): void => {
      reader.send(message);
    };
    await receive();
    const offset = await clockOffset(receive, send);
    for (const writer of writers) {
      const seen = receive();
      send({ expect: 1 });
      writer.probe = now();
      const message = await seen;
      if ("latencies" in message) for (const latency of message.latencies) single.push(latency - offset);
    }
    for (let round = 0; round < rounds; round++) {
      const seen = receive();
      send({ expect: count });
      const at = now();
      for (const writer of writers) writer.probe = at;
      await Promise.all(writers.map((writer) => writer.$flush()));
      const message = await seen;
      if ("latencies" in message) for (const latency of message.latencies) burst.push(latency - offset);
    }
    send({ stop: true });
    if ((await exited) !== 0) throw new Error("the fan-out reader failed");
  } finally {
    if (reader.exitCode === null) reader.kill();
    await Promise.all(writers.map(async (writer) => {
      await writer.$delete();
      await writer.$close();
    }));
  }
  const summary = (values: number[]) => ({ p50Ms: percentile(values, 50), p99Ms: percentile(values, 99) });
  return { single: summary(single), burst: summary(burst) };
}
