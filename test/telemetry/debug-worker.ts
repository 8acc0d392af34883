// A child process for the telemetry tests: opens a Memory at argv[2] (a Redis URL),
// writes, flushes and closes, then prints whether OpenTelemetry was loaded.
import { Memory } from "redis-memory";
import { telemetryLoaded } from "../../runtime/telemetry.js";

const [url, id] = process.argv.slice(2) as [string, string];
const mem = await Memory.open({ redis: url, id });
mem.tasks = [1, 2];
mem.tasks.push(3);
await mem.$flush();
await mem.$close();
process.stdout.write(JSON.stringify({ otel: telemetryLoaded() }) + "\n");
