import { Memory } from "../runtime/index.ts";
const url = "redis://127.0.0.1:6399";
const id = "dbg-" + Math.random().toString(36).slice(2);
const s = await Memory.open({ redis: url, id, live: false }) as any;
s.items = []; await s.$close();
const a = await Memory.open({ redis: url, id, live: true }) as any;
const b = await Memory.open({ redis: url, id, live: true }) as any;
for (const m of [a, b]) m.$on("error", (e: Error) => console.log("error", e.message));
for (const m of [a, b]) m.$on("status", (e: any) => console.log("status", e));
const ia = a.items, ib = b.items;
for (let r = 0; r < 20; r++) { ia.push("a" + r); ib.push("b" + r); await new Promise((r) => setImmediate(r)); }
await a.$flush(); await b.$flush();
await new Promise((r) => setTimeout(r, 300));
console.log(a.$asdict().items.length, b.$asdict().items.length);
await a.$close(); await b.$close();
