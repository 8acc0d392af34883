import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dumpInstance, openMemory, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./append-worker.ts", import.meta.url));

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<void>;
  readonly report: Promise<unknown>;
  readonly exit: Promise<number | null>;
}

function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const message = (key: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>): void => {
        if (key in m) {
          child.off("message", onMessage);
          resolve(m[key]);
        }
      };
      child.on("message", onMessage);
      void exit.then((code) => reject(new Error(`worker exited with ${code} before sending ${key}`)));
    });
  return {
    child,
    ready: message("ready").then(() => undefined),
    done: message("done").then(() => undefined),
    report: message("replica"),
    exit,
  };
}

describe("live sync across processes", () => {
  it("4 processes appending, writing keys and incrementing at once lose nothing and converge", async () => {
    const id = uniqueId("procs");
    const setup = await openMemory(id);
    setup.items = [];
    setup.keys = {};
    setup.counter = 0;
    await setup.$close();

    const workers = [0, 1, 2, 3].map((w) => startWorker([redisUrl(), id, String(w)]));
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.send({ go: true });
    // A replica is compared only once nobody writes any more.
    await Promise.all(workers.map((w) => w.done));
    for (const w of workers) w.child.send({ report: true });
    const replicas = await Promise.all(workers.map((w) => w.report));
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0, 0, 0]);

    const fresh = await openMemory(id);
    const data = fresh.$asdict() as { items: string[]; keys: Record<string, number>; counter: number };
    expect(data.items).toHaveLength(4_000);
    for (const w of [0, 1, 2, 3]) {
      const mine = data.items.filter((item) => item.startsWith(`w${w}:`));
      expect(mine).toEqual(Array.from({ length: 1_000 }, (_, i) => `w${w}:${i}`));
    }
    expect(Object.keys(data.keys)).toHaveLength(400);
    expect(data.counter).toBe(1_000);
    for (const replica of replicas) expect(replica).toEqual(data);

    const raw = rawClient();
    const dump = await dumpInstance(raw, fresh.$key);
    const lists = Object.values(dump).filter(Array.isArray) as string[][];
    expect(lists.map((l) => l.length)).toEqual([4_000]);
    expect(dump[`${fresh.$key}:root`]).toMatchObject({ counter: "1000" });
  });
});
