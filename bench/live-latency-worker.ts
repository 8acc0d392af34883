// The reader of bench/live-latency.ts: a live store that reports, for each remote
// write of `probe`, how long after the write call its replica applied it.
import { Memory } from "../runtime/index.js";
import { now, type ReaderMessage } from "./live-latency.js";

const [url = "", id = "", prefix = ""] = process.argv.slice(2);
const mem = await Memory.open({ redis: url, id, prefix, live: true });
const send = (message: ReaderMessage): void => {
  process.send!(message);
};
mem.$on("change", (event) => {
  if (event.source !== "remote" || event.path[0] !== "probe") return;
  const at = now();
  send({ latencyMs: at - (mem.probe as number) });
});
process.once("message", () => {
  void mem.$close().then(() => process.disconnect());
});
send({ ready: true });
