// A child process of the retention test: appends COUNT messages "w<worker>:<i>" to
// the conversation, one batch each, then flushes and reports its replica's messages.
import { Chat } from "./chat-store.js";

const [url = "", id = "", worker = "0", count = "100"] = process.argv.slice(2);
const chat = await Chat.open({ redis: url, id, live: true });
process.send!({ ready: true });
await new Promise<void>((resolve) => process.once("message", () => resolve()));
for (let i = 0; i < Number(count); i++) {
  chat.messages.push({ role: "user", content: `w${worker}:${i}` });
  await new Promise((resolve) => setImmediate(resolve));
}
await chat.$flush();
process.send!({ done: chat.messages.length });
await chat.$close();
