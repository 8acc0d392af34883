// $transaction with an async fn while other writers write: the store must go on
// (its change feed may need a reload while the transaction holds its writes).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { redisUrl, uniqueId } from "../helpers/redis.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("./async-fn-worker.ts", import.meta.url));

describe("$transaction", () => {
  it("an async fn that awaits while the change feed must reload completes, runs again after the conflict, and writes once", async () => {
    const id = uniqueId("txn-async");
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, redisUrl(), id], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const messages: Record<string, unknown>[] = [];
    child.on("message", (m: Record<string, unknown>) => messages.push(m));
    const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
    // A store that spins in a microtask loop never exits: stop it rather than hang the run.
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await exit;
    clearTimeout(guard);
    expect(code).toBe(0);
    expect(messages).toEqual([
      { result: "done", runs: 2, root: { counter: "1", title: JSON.stringify("run 2"), other: JSON.stringify("concurrent") } },
    ]);
  });
});
