// A child process of the rolling-deploy test: a pod running schema version 1 or 2 of the
// test Board (test/evolution/stores). Over IPC: it says "ready", waits for "go", then
//   v1: appends cards one batch at a time (each flushed) until told to "stop", then makes
//       one last write; reports the texts acknowledged and whether a write was refused
//       for the instance's schema version (WriteError code "version");
//   v2: opens (migrating the instance), appends `count` cards one batch at a time, and
//       reports the texts acknowledged.
import { WriteError } from "../../runtime/index.js";
import { Board as V1 } from "./stores/v1/board.js";
import { Board as V2 } from "./stores/v2/board.js";
import { toV2 } from "./board-migrations.js";

const [url = "", id = "", version = "1", count = "100"] = process.argv.slice(2);
let stopping = false;
const said = (key: string): Promise<void> =>
  new Promise((resolve) => {
    const on = (m: Record<string, unknown>): void => {
      if (!(key in m)) return;
      process.off("message", on);
      resolve();
    };
    process.on("message", on);
  });
void said("stop").then(() => {
  stopping = true;
});

async function v1(): Promise<{ acked: string[]; refused: boolean }> {
  const board = await V1.open({ redis: url, id, live: true });
  board.$on("error", () => undefined);
  process.send!({ ready: true });
  await said("go");
  const acked: string[] = [];
  for (let n = 0; ; n++) {
    const last = stopping;
    const text = `v1-${n}`;
    try {
      board.cards!.push({ text });
      await board.$flush();
      acked.push(text);
    } catch (error) {
      if (error instanceof WriteError && error.code === "version") return { acked, refused: true };
      // A refused batch reloads the replica: another shape arrives; keep going on the new data.
      if (!(error instanceof Error)) throw error;
    }
    if (last) return { acked, refused: false };
  }
}

async function v2(): Promise<{ acked: string[] }> {
  V2.migrations({ 2: toV2 });
  process.send!({ ready: true });
  await said("go");
  const board = await V2.open({ redis: url, id, live: true });
  const acked: string[] = [];
  for (let n = 0; n < Number(count); n++) {
    const text = `v2-${n}`;
    board.cards!.push({ text, at: n });
    await board.$flush();
    acked.push(text);
  }
  await board.$close();
  return { acked };
}

const result = version === "1" ? await v1() : await v2();
process.send!({ result }, () => process.exit(0));
