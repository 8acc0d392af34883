// The reader of bench/live-latency.ts: answers clock pings, and for each remote
// write of `probe` (the writer's clock at the write) reports when its replica
// applied it, on this process's clock.
import { Memory } from "redis-memory";
import { now, type FromReader, type ToReader } from "./live-latency.js";

const [url = "", id = "", prefix = ""] = process.argv.slice(2);
const mem = await Memory.open({ redis: url, id, prefix, live: true });
const send = (message: FromReader): void => {
  process.send!(message);
};
mem.$on("change", (event) => {
  if (event.source !== "remote" || event.path[0] !== "probe") return;
  send({ appliedAt: now(), wroteAt: mem.probe as number });
});
process.on("message", (message: ToReader) => {
  if ("ping" in message) return send({ pong: now() });
  void mem.$close().then(() => process.disconnect());
});
send({ ready: true });
