import { Redis } from "ioredis";
const url = "redis://127.0.0.1:46399";
const monitor = await new Redis(url).monitor();
monitor.on("monitor", (...a: unknown[]) => console.log("MON", JSON.stringify(a)));
const probe = new Redis(url);
await probe.get("marker1");
await probe.eval("return redis.call('GET', 'x')", 0);
await new Promise((r) => setTimeout(r, 300));
process.exit(0);
