import { Memory } from "../runtime/index.ts";
import { Redis } from "ioredis";
const url = "redis://127.0.0.1:46399";
const raw = new Redis(url);
async function slow(): Promise<string> {
  const log = (await raw.call("SLOWLOG", "GET", "5")) as [number, number, number, string[]][];
  return log.map((e) => `${(e[2] / 1000).toFixed(1)}ms ${e[3].length}args`).join(" | ");
}
for (const n of [10_000]) {
  await raw.call("SLOWLOG", "RESET");
  await raw.config("SET", "slowlog-log-slower-than", "1000");
  const mem = (await Memory.open({ redis: url, id: `d${n}`, live: false })) as any;
  mem.d = {};
  await mem.$flush();
  let t = Date.now();
  for (let i = 0; i < n; i++) mem.d[`key${i}`] = i;
  await mem.$flush();
  console.log(`dict ${n} keys: ${Date.now() - t}ms total; slowlog: ${await slow()}`);
  await raw.call("SLOWLOG", "RESET");
  mem.l = [];
  await mem.$flush();
  t = Date.now();
  for (let i = 0; i < n * 4; i++) mem.l.push({ i, text: "hello world" });
  await mem.$flush();
  console.log(`push ${n * 4} records: ${Date.now() - t}ms total; slowlog: ${await slow()}`);
  await mem.$close();
}
await raw.quit();
process.exit(0);
