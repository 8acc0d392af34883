import { createServer } from "node:http";
import { inspect } from "node:util";
import { Memory } from "/work/wt-feed/runtime/index.js";
const server = createServer((req, res) => { res.end("hello"); });
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const port = (server.address() as { port: number }).port;
const t = Date.now();
try { await Memory.open({ redis: `redis://127.0.0.1:${port}`, id: "x", connectTimeout: 2000 }); } catch (e) { console.log(Date.now() - t, inspect(e, { depth: 4 })); }
server.close(); process.exit(0);
