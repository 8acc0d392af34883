// A child process of the Array/Object parity test: it holds live stores of the
// instances the test names and reports what each replica holds once it caught up
// with Redis. Protocol over IPC: {open: id} -> {opened: id}; {report: id} ->
// {state: {id, data}}; {exit: true} closes the stores and exits.
import { Redis } from "ioredis";
import { Store, openStore, type StoreSchema } from "../../runtime/index.js";
import { settle } from "../live/settle.js";

const [url = "", storeName = "Memory"] = process.argv.slice(2);

/** A store of the same name as the test's (so the same keys), reading whatever fields it holds. */
class Reader extends Store {
  static readonly schema: StoreSchema = { name: storeName, shape: { kind: "dict", additional: { kind: "any" } } };
  static override readonly extensible = true;
}

const raw = new Redis(url);
const stores = new Map<string, Store>();

process.on("message", (message: { open?: string; report?: string; exit?: true }) => {
  void (async () => {
    if (message.open !== undefined) {
      stores.set(message.open, await openStore(Reader, { redis: url, id: message.open, live: true }));
      process.send!({ opened: message.open });
    } else if (message.report !== undefined) {
      const store = stores.get(message.report)!;
      await settle([store], raw, 30_000);
      // Key order is part of the state: JSON text keeps it.
      process.send!({ state: { id: message.report, data: JSON.stringify(store.$asdict()) } });
    } else if (message.exit) {
      await Promise.all([...stores.values()].map((store) => store.$close()));
      await raw.quit();
      process.disconnect();
    }
  })();
});
process.send!({ ready: true });
