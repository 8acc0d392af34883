// Change seen by a second process: this process writes `count` times, one write at
// a time; a child process with a live store notes, on its own clock, when its
// replica applied each one. The offset between the two processes' clocks is
// measured first over IPC (the ping with the shortest round trip), so a figure is:
// write call -> applied by the other process's replica, without the IPC hop.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Memory } from "redis-memory";
import { percentile } from "./measure.js";

export interface LiveLatency {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Messages to the reader (bench/live-latency-worker.ts) and from it. */
export type ToReader = { readonly ping: true } | { readonly stop: true };
export type FromReader = { readonly ready: true } | { readonly pong: number } | { readonly appliedAt: number; readonly wroteAt: number };

/** A process's clock in ms; processes differ by an offset that is measured. */
export const now = (): number => performance.timeOrigin + performance.now();

const PINGS = 50;

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

/** The other process's clock minus this one's, from the ping least delayed either way. */
export async function clockOffset(receive: () => Promise<unknown>, send: (message: { ping: true }) => void): Promise<number> {
  let offset = 0;
  let bestRoundTrip = Infinity;
  for (let i = 0; i < PINGS; i++) {
    const pong = receive();
    const sentAt = now();
    send({ ping: true });
    const message = (await pong) as { pong?: number };
    const receivedAt = now();
    if (message.pong === undefined) continue;
    if (receivedAt - sentAt < bestRoundTrip) {
      bestRoundTrip = receivedAt - sentAt;
      offset = message.pong - (sentAt + receivedAt) / 2;
    }
  }
  return offset;
}

export async function measureLiveLatency(redisUrl: string, count: number): Promise<LiveLatency> {
  const id = `live-latency-${randomBytes(4).toString("hex")}`;
  const prefix = "rmbench:";
  const writer = await Memory.open({ redis: redisUrl, id, prefix, live: false });
  const reader = startReader([redisUrl, id, prefix]);
  const exited = new Promise<number | null>((resolve) => reader.once("exit", resolve));
  const latencies: number[] = [];
  try {
    let next: ((message: FromReader) => void) | undefined;
    reader.on("message", (message: FromReader) => next?.(message));
    const receive = (): Promise<FromReader> =>
      new Promise((resolve, reject) => {
        next = resolve;
        void exited.then((code) => reject(new Error(`the live-latency reader exited (code ${code}) before it was done`)));
      });
    const send = (message: ToReader): void => {
      reader.send(message);
    };
    await receive();

    const offset = await clockOffset(receive, send);

    for (let i = 0; i < count; i++) {
      const seen = receive();
      writer.probe = now();
      const message = await seen;
      if ("appliedAt" in message) latencies.push(message.appliedAt - offset - message.wroteAt);
    }
    send({ stop: true });
    if ((await exited) !== 0) throw new Error("the live-latency reader failed");
  } finally {
    if (reader.exitCode === null) reader.kill();
    await writer.$delete();
    await writer.$close();
  }
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}
