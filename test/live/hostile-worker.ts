// A child process holding a live store of one instance, for the hostile-publisher
// test. Over IPC: "ready" once open; on "report" it waits until its replica has
// caught up with Redis and sends { replica, errors } (the names of its `error`
// events, each of which must be a RedisMemoryError); on "close" it closes and exits.
import { Redis } from "ioredis";
import { Memory, RedisMemoryError } from "../../runtime/index.js";
import { settle } from "./settle.js";

const [url = "", id = ""] = process.argv.slice(2);
const mem = await Memory.open({ redis: url, id, live: true });
const raw = new Redis(url);
const errors: string[] = [];
mem.$on("error", (error) => errors.push(error instanceof RedisMemoryError ? error.name : `not a RedisMemoryError: ${String(error)}`));

process.on("message", (message: { report?: boolean; close?: boolean }) => {
  if (message.report) {
    void settle([mem], raw).then(() => process.send!({ replica: mem.$asdict(), errors }));
  }
  if (message.close) {
    void mem.$close().then(async () => {
      await raw.quit();
      process.exit(0);
    });
  }
});
process.send!({ ready: true });
