// A child process of the dict key order test: it holds a live store of an instance and
// adds keys to its dict `d`, one batch each, while another process does the same.
// Protocol over IPC: {open: id} -> {opened}; {add: {keys, value}} -> {added};
// {report: true} -> {keys} (once the replica caught up with Redis); {exit: true}.
import { Redis } from "ioredis";
import { Memory } from "../../runtime/index.js";
import { settle } from "../live/settle.js";

const [url = ""] = process.argv.slice(2);
const raw = new Redis(url);
let store: (Memory & Record<string, any>) | undefined;

process.on("message", (message: { open?: string; add?: { keys: string[]; value: string }; report?: true; exit?: true }) => {
  void (async () => {
    if (message.open !== undefined) {
      store = (await Memory.open({ redis: url, id: message.open, live: true })) as Memory & Record<string, any>;
      process.send!({ opened: true });
    } else if (message.add) {
      for (const key of message.add.keys) {
        store!.d[key] = message.add.value;
        await store!.$flush();
      }
      process.send!({ added: true });
    } else if (message.report) {
      await settle([store!], raw, 30_000);
      process.send!({ keys: Object.keys(store!.d) });
    } else if (message.exit) {
      await store?.$close();
      await raw.quit();
      process.disconnect();
    }
  })();
});
process.send!({ ready: true });
