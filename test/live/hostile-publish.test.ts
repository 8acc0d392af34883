import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openMemory, rawClient, redisUrl, uniqueId } from "../helpers/redis.js";
import { storeInternals } from "../../runtime/store.js";
import { settle } from "./settle.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./hostile-worker.ts", import.meta.url));

interface Worker {
  readonly child: ChildProcess;
  readonly exited: () => boolean;
  ask<T>(request: string): Promise<T>;
}

function startWorker(id: string): Promise<Worker> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, redisUrl(), id], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let code: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once("exit", (c) => ((code = c), resolve())));
  const next = <T>(key: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>): void => {
        if (!(key in m)) return;
        child.off("message", onMessage);
        resolve((key === "replica" ? m : m[key]) as T);
      };
      child.on("message", onMessage);
      void exit.then(() => reject(new Error(`worker exited with ${code} before answering ${key}`)));
    });
  const worker: Worker = {
    child,
    exited: () => code !== undefined,
    ask: <T>(request: string) => {
      const answer = next<T>(request === "report" ? "replica" : request);
      child.send({ [request]: true });
      return answer;
    },
  };
  return next<boolean>("ready").then(() => worker);
}

/** Messages anyone allowed to publish on the channel may send; each names what it tries. */
function hostileMessages(seq: number, epoch: string, clients: readonly string[]): (string | Buffer)[] {
  const forged = (fields: Record<string, unknown>): string => JSON.stringify({ s: seq + 1, e: epoch, c: "intruder", b: 1, id: "18446744073709551615-18446744073709551615", x: -1, o: [["set", "", "title", '"forged"']], ...fields });
  return [
    "{}", "[]", '{"s":2}', "null", "0", '"text"', "garbage", "", "{", "1e400",
    '{"s":"1","id":{},"c":[],"b":"x"}',
    '{"s":1e308,"id":"99999999999999999999999-0"}',
    '{"s":-1,"id":"-1-0","o":"not ops"}',
    '{"__proto__":{"polluted":true},"s":1}',
    "[".repeat(200_000),
    Buffer.from([0xff, 0xfe, 0x00, 0x80]),
    // Plausible entries: the next seq and the real epoch, with ops Redis never applied.
    forged({}),
    forged({ id: "1-0" }),
    forged({ o: [["push", "", "x"]] }),
    forged({ o: [["replace", "nosuchnode", ['"a"']]] }),
    forged({ r: [1, 2], a: ["x"] }),
    forged({ i: ["", "nosuchnode"], o: undefined }),
    // Claiming to be the stores' own clients: only their batches' replies place those.
    ...clients.map((client) => forged({ c: client, b: 999 })),
  ];
}

describe("change feed: untrusted messages", () => {
  it("hostile PUBLISHes on an instance's channel crash no process, change no replica, and later real writes still arrive", async () => {
    const id = uniqueId("hostile");
    const writer = await openMemory(id, { live: true });
    writer.title = "before";
    writer.items = [1, 2];
    await writer.$flush();
    const workers = await Promise.all([startWorker(id), startWorker(id)]);
    const raw = rawClient();
    const ns = writer.$key;
    const meta = await raw.hgetall(`${ns}:meta`);
    const clients = Object.keys(meta).filter((field) => field.startsWith("c:")).map((field) => field.slice(2));
    clients.push(storeInternals(writer).replica.clientId);
    const before = await raw.hgetall(`${ns}:root`);

    for (const message of hostileMessages(Number(meta.seq), meta.epoch ?? "", clients)) await raw.publish(`${ns}:log`, message);
    // A real write after the hostile ones: every replica must apply it.
    writer.title = "after";
    (writer.items as number[]).push(3);
    await writer.$flush();
    for (const message of hostileMessages(Number(await raw.hget(`${ns}:meta`, "seq")), meta.epoch ?? "", clients)) await raw.publish(`${ns}:log`, message);
    writer.items = [9];
    await writer.$flush();
    await settle([writer], raw);

    const fresh = await openMemory(id);
    const reports = await Promise.all(workers.map((w) => w.ask<{ replica: unknown; errors: string[] }>("report")));
    expect(workers.map((w) => w.exited())).toEqual([false, false]);
    for (const report of reports) {
      expect(report.replica).toEqual(fresh.$asdict());
      expect(report.errors.filter((name) => name.startsWith("not a"))).toEqual([]);
    }
    expect(writer.$asdict()).toEqual(fresh.$asdict());
    expect(fresh.$asdict()).toEqual({ title: "after", items: [9] });
    // What Redis holds is only what the writer wrote.
    expect(before.title).toBe('"before"');
    expect(await raw.hget(`${ns}:root`, "title")).toBe('"after"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await Promise.all(workers.map((w) => w.ask("close").catch(() => undefined)));
  });
});
