// Change seen by a second process: this process writes `count` times, one write at
// a time; a child process with a live store notes when its replica applies each
// one. The value written is the write's time; both processes read the clock as
// `performance.timeOrigin + performance.now()` (one system clock, sub-millisecond),
// so a figure is: write call -> applied by the other process's replica.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Memory } from "../runtime/index.js";
import { percentile } from "./measure.js";

export interface LiveLatency {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Messages from the reader (bench/live-latency-worker.ts). */
export type ReaderMessage = { readonly ready: true } | { readonly latencyMs: number };

export const now = (): number => performance.timeOrigin + performance.now();

/** Runs the reader: compiled JS as is, TypeScript source (tests) through tsx. */
function startReader(args: string[]): ReturnType<typeof spawn> {
  const fromSource = import.meta.url.endsWith(".ts");
  const worker = fileURLToPath(new URL(`./live-latency-worker.${fromSource ? "ts" : "js"}`, import.meta.url));
  const root = fileURLToPath(new URL(fromSource ? ".." : "../..", import.meta.url));
  return spawn(process.execPath, [...(fromSource ? ["--import", "tsx"] : []), worker, ...args], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

export async function measureLiveLatency(redisUrl: string, count: number): Promise<LiveLatency> {
  const id = `live-latency-${randomBytes(4).toString("hex")}`;
  const prefix = "rmbench:";
  const writer = await Memory.open({ redis: redisUrl, id, prefix, live: false });
  const reader = startReader([redisUrl, id, prefix]);
  const exited = new Promise<number | null>((resolve) => reader.once("exit", resolve));
  const latencies: number[] = [];
  try {
    let next: ((message: ReaderMessage) => void) | undefined;
    reader.on("message", (message: ReaderMessage) => next?.(message));
    const receive = (): Promise<ReaderMessage> =>
      new Promise((resolve, reject) => {
        next = resolve;
        void exited.then((code) => reject(new Error(`the live-latency reader exited (code ${code}) before it was done`)));
      });
    await receive();
    for (let i = 0; i < count; i++) {
      const seen = receive();
      writer.probe = now();
      const message = await seen;
      if ("latencyMs" in message) latencies.push(message.latencyMs);
    }
    reader.send({ stop: true });
    if ((await exited) !== 0) throw new Error("the live-latency reader failed");
  } finally {
    if (reader.exitCode === null) reader.kill();
    await writer.$delete();
    await writer.$close();
  }
  latencies.sort((a, b) => a - b);
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}
