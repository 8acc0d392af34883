import { migrateAll } from "../runtime/index.js";
import { Board as V1 } from "../test/evolution/stores/v1/board.js";
import { Board as V2 } from "../test/evolution/stores/v2/board.js";
import { toV2 } from "../test/evolution/board-migrations.js";
const redis = "redis://127.0.0.1:6399";
const n = Number(process.argv[2] ?? 2000);
const prefix = `p${Date.now()}:`;
let t = Date.now();
let next = 0;
await Promise.all(Array.from({ length: 64 }, async () => {
  for (let i = next++; i < n; i = next++) {
    const b = await V1.open({ redis, prefix, id: `b${i}`, live: false, init: { name: `board ${i}` } });
    b.tags = ["x"]; b.cards = [{ text: "c" }];
    await b.$close();
  }
}));
console.log("create", n, Date.now() - t, "ms");
V2.migrations({ 2: toV2 });
t = Date.now();
const r = await migrateAll(V2, { redis, prefix, concurrency: Number(process.argv[3] ?? 32) });
console.log("migrate", r.migrated, Date.now() - t, "ms");
process.exit(0);
