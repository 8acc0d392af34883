// A chat UI's messages, stored in the shape of the AI SDK's `UIMessage` ({ id, role,
// metadata?, parts }), so that a route handler can save what `useChat()` sends and load
// it back for the next request, from any server instance. Messages already stored are
// skipped by id; the assistant's reply is appended when it is complete.
// Run: `npm run build && node dist/examples/chat-ui.js`.
import { fileURLToPath } from "node:url";
import { Chat, type ChatMessage } from "../generated/index.js";
import { runExample } from "./run.js";

/** Saves the messages of a request that the store does not hold yet (by id), in order. */
export async function saveMessages(redis: string, chatId: string, messages: readonly ChatMessage[]): Promise<number> {
  await using chat = await Chat.open({ redis, id: chatId, ttl: 7 * 24 * 60 * 60_000 });
  const known = new Set(chat.messages.map((message) => message.id));
  const fresh = messages.filter((message) => !known.has(message.id));
  chat.messages.push(...fresh);
  return fresh.length;
}

/** The chat's messages as plain data: what `useChat({ messages })` takes to resume a chat. */
export async function loadMessages(redis: string, chatId: string): Promise<ChatMessage[]> {
  await using chat = await Chat.open({ redis, id: chatId, live: false });
  return chat.messages.aslist();
}

export async function chatUi(redis: string, chatId: string): Promise<ChatMessage[]> {
  const user: ChatMessage = { id: "m1", role: "user", parts: [{ type: "text", text: "What is redis-memory?" }] };
  await saveMessages(redis, chatId, [user]);
  // The next request resends the whole conversation plus the assistant's finished reply.
  const assistant: ChatMessage = {
    id: "m2",
    role: "assistant",
    metadata: { model: "example-model" },
    parts: [
      { type: "step-start" },
      { type: "reasoning", text: "The user asks about the library.", state: "done" },
      { type: "text", text: "Typed stores from JSON Schema, persisted to Redis.", state: "done" },
    ],
  };
  await saveMessages(redis, chatId, [user, assistant]);
  return loadMessages(redis, chatId);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runExample(async (redis) => {
    const chatId = `chat-${process.pid}`;
    for (const message of await chatUi(redis, chatId)) console.log(message.role, JSON.stringify(message.parts));
    await (await Chat.open({ redis, id: chatId, live: false })).$delete();
  });
}
