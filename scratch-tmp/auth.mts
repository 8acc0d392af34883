import { inspect } from "node:util";
import { Redis } from "ioredis";
import { Memory } from "/work/wt-feed/runtime/index.js";
import { startRedisServer } from "/work/wt-feed/scripts/redis-server.js";
const server = await startRedisServer({});
const admin = new Redis(server.url);
await admin.call("ACL", "SETUSER", "alice", "on", ">s3cretPW", "~*", "&*", "+@all");
await admin.call("ACL", "SETUSER", "nochan", "on", ">s3cretPW2", "~*", "resetchannels", "+@all");
await admin.call("ACL", "SETUSER", "off1", "off", ">s3cretPW3", "~*", "&*", "+@all");
const u = new URL(server.url);
const tries: [string, unknown][] = [
  ["wrong url pw", `redis://alice:WRONGpw@${u.host}`],
  ["options pw", { host: u.hostname, port: Number(u.port), username: "alice", password: "WRONGpw2" }],
  ["disabled", `redis://off1:s3cretPW3@${u.host}`],
  ["nochan", `redis://nochan:s3cretPW2@${u.host}`],
];
for (const [name, redis] of tries) {
  const t = Date.now();
  try { await Memory.open({ redis: redis as string, id: "x", connectTimeout: 3000 }); console.log(name, "opened"); }
  catch (e) { console.log(name, Date.now() - t, "ms", inspect(e, { depth: 6 })); }
}
await admin.quit(); await server.stop(); process.exit(0);
