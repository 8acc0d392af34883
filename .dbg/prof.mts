import { Memory } from "../runtime/index.ts";
import { Redis } from "ioredis";
const url = "redis://127.0.0.1:6399";
const redis = new Redis(url);
const m = await Memory.open({ redis, id: "prof-" + Date.now(), live: false }) as any;
m.items = []; m.items.push("x"); await m.$flush();
const kind = process.argv[2] ?? "s";
const values = Array.from({ length: 100_000 }, (_, i) => kind === "s" ? `value-${i}` : { role: "user", content: `message ${i} lorem ipsum dolor sit amet lorem ipsum dolor` });
for (let round = 0; round < 5; round++) {
  m.items.clear(); await m.$flush();
  const t0 = performance.now();
  const items = m.items;
  for (let i = 0; i < values.length; i++) items.push(values[i]);
  const t1 = performance.now();
  await m.$flush();
  const t2 = performance.now();
  const p = redis.pipeline(); for (let i = 0; i < values.length; i += 10000) p.rpush("raw", ...values.slice(i, i + 10000).map((v) => JSON.stringify(v)));
  await redis.del("raw"); const t3 = performance.now(); await p.exec(); const t4 = performance.now();
  console.log(kind, "push loop", (t1 - t0).toFixed(1), "flush", (t2 - t1).toFixed(1), "raw", (t4 - t3).toFixed(1));
}
await m.$delete(); await m.$close(); redis.disconnect();
