// The reader of bench/fanout.ts: `count` live stores, one per instance. Answers clock
// pings; for each remote write of `probe` (the writer's clock at the write) it notes
// the time its store applied it minus that clock, and after {expect: n} sends the
// latencies once it holds n of them (writes may land before the message does).
import { Memory } from "redis-memory";
import type { FromFanoutReader, ToFanoutReader } from "./fanout.js";
import { now } from "./live-latency.js";

const [url = "", prefix = "", countText = "0"] = process.argv.slice(2);
const count = Number(countText);
const stores = await Promise.all(Array.from({ length: count }, (_, i) => Memory.open({ redis: url, id: `fanout-${i}`, prefix, live: true })));
const send = (message: FromFanoutReader): void => {
  process.send!(message);
};
let wanted = 0;
let latencies: number[] = [];
const report = (): void => {
  if (wanted === 0 || latencies.length < wanted) return;
  send({ latencies });
  latencies = [];
  wanted = 0;
};
for (const store of stores) {
  store.$on("change", (event) => {
    if (event.source !== "remote" || event.path[0] !== "probe") return;
    latencies.push(now() - (store.probe as number));
    report();
  });
}
process.on("message", (message: ToFanoutReader) => {
  if ("ping" in message) return send({ pong: now() });
  if ("expect" in message) {
    wanted = message.expect;
    return report();
  }
  void Promise.all(stores.map((store) => store.$close())).then(() => process.disconnect());
});
send({ ready: true });
