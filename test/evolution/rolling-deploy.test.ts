// A rolling deploy: a pod on schema version 1 and a pod on version 2 (a breaking change,
// with its migration) write one instance at once, in two processes. Nothing acknowledged
// is lost, the instance is migrated once, and the old pod never writes over the new shape:
// its writes after the migration are refused, and it is told.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Board as V1 } from "./stores/v1/board.js";
import { Board as V2 } from "./stores/v2/board.js";
import { toV2 } from "./board-migrations.js";
import { rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./board-worker.ts", import.meta.url));

function pod(args: string[]): { send: (m: object) => void; ready: Promise<void>; result: Promise<Record<string, unknown>>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const message = (key: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      child.on("message", (m: Record<string, unknown>) => {
        if (key in m) resolve(m[key]);
      });
      void exit.then((code) => reject(new Error(`pod exited with ${code} before sending ${key}`)));
    });
  // A pod that finished on its own (the old one, once refused) has closed its channel.
  return { send: (m) => { if (child.connected) child.send(m); }, ready: message("ready").then(() => undefined), result: message("result") as Promise<Record<string, unknown>>, exit };
}

describe("a rolling deploy from v1 to v2 (two processes)", () => {
  it("loses nothing acknowledged, migrates once, and refuses the old pod's writes over the new shape", async () => {
    V2.migrations({ 2: toV2 });
    const id = uniqueId("deploy");
    const setup = await V1.open({ redis: redisUrl(), id, live: false, init: { name: "board" } });
    setup.cards = [];
    await setup.$close();

    const old = pod([redisUrl(), id, "1"]);
    const next = pod([redisUrl(), id, "2", "100"]);
    await Promise.all([old.ready, next.ready]);
    old.send({ go: true });
    next.send({ go: true });
    const v2 = await next.result;
    old.send({ stop: true });
    const v1 = await old.result;
    expect(await Promise.all([old.exit, next.exit])).toEqual([0, 0]);

    // The old pod's write after the migration was refused, and it said so.
    expect(v1.refused).toBe(true);
    const board = track(await V2.open({ redis: redisUrl(), id, live: false }));
    const texts = board.cards!.map((c) => c.text);
    // Every acknowledged write of both pods is there, once; the migration ran once.
    for (const text of [...(v1.acked as string[]), ...(v2.acked as string[])]) expect(texts.filter((t) => t === text)).toEqual([text]);
    expect(texts.filter((t) => t === "migrated")).toEqual(["migrated"]);
    // Nothing the old pod was not told about: every v1 card in Redis was acknowledged to it.
    expect(texts.filter((t) => t.startsWith("v1-")).sort()).toEqual([...(v1.acked as string[])].sort());
    expect(board.title).toBe("board");
    expect(await rawClient().hgetall(`${board.$key}:meta`)).toMatchObject({ v: "2", vmin: "2" });
  }, 120_000);
});
