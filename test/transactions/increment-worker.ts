// A child process of test/transactions/transaction.test.ts: on "go" it runs `count`
// transactions that read the counter and write it back plus one, then says how many it
// ran and exits.
import { Memory } from "../../runtime/index.js";

const [url = "", id = "", count = "0"] = process.argv.slice(2);
const mem = await Memory.open({ redis: url, id, live: true });
await new Promise<void>((resolve) => {
  process.once("message", () => resolve());
  process.send!({ ready: true });
});
let ran = 0;
for (let i = 0; i < Number(count); i++) {
  await mem.$transaction((m) => {
    m.counter = (m.counter as number) + 1;
  }, { attempts: 1_000 });
  ran++;
}
process.send!({ ran });
await mem.$close();
process.disconnect();
