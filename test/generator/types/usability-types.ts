// Type tests for the types a user meets first (compiled by tsc, see types.test.ts):
// every plain line must compile; each `@ts-expect-error` line must be an error.
import { Redis as Redis5, Cluster as Cluster5 } from "ioredis";
import { Redis as Redis6, Cluster as Cluster6 } from "ioredis6";
import { asdict, incr, type SyncedList } from "redis-memory";
import { AgentMemory, AppMemory, Showcase } from "../../../generated/index.js";
import type { Message } from "../../../generated/agent-memory.js";
import type { AppMemoryDataComplex, AppMemoryDataComplexSettings, ScoredUser } from "../../../generated/app-memory.js";

function countWords(messages: Message[]): number {
  return messages.reduce((n, m) => n + m.content.split(" ").length, 0);
}
function firstScores(users: readonly ScoredUser[]): number[] {
  return users[0]?.scores ?? [];
}

export async function usabilityTypeTests(): Promise<void> {
  const app = await AppMemory.open({ id: "types" });
  const agent = await AgentMemory.open({ id: "types", init: { conversationId: "types" } });

  // `redis` takes clients of ioredis 5 and 6 (another copy's classes are other types).
  await AppMemory.open({ redis: new Redis5({ lazyConnect: true }) });
  await AppMemory.open({ redis: new Redis6({ lazyConnect: true }) });
  await AppMemory.open({ redis: new Cluster5([{ port: 7000 }], { lazyConnect: true }) });
  await AppMemory.open({ redis: new Cluster6([{ port: 7000 }], { lazyConnect: true }) });
  // @ts-expect-error a port number is not a `redis` option
  await AppMemory.open({ redis: 6379 });

  // aslist() is the plain element type.
  const tasks: number[] = app.tasks.aslist();
  const messages: Message[] = agent.messages.aslist();
  const json: number[] = app.tasks.toJSON();
  // @ts-expect-error aslist() of an integer list is not a string list
  const wrong: string[] = app.tasks.aslist();

  // asdict(d), the function form, is typed like the method.
  const config = asdict(app.config);
  const theme: "light" | "dark" | undefined = config.theme;
  const user = asdict(app.complex.users[0]!);
  const name: string = user.name;
  // @ts-expect-error asdict() gives the plain type: scores are numbers
  const badScores: string[] = asdict(app.complex.users[0]!).scores;

  // $incr and incr only on numeric fields.
  const count: number = await app.$incr("counter");
  await agent.$incr("turns", 2);
  // @ts-expect-error summary is a string field
  await agent.$incr("summary");
  // @ts-expect-error title is a string field
  await app.$incr("title");
  // @ts-expect-error no such field
  await app.$incr("nothing");
  // @ts-expect-error name is a string key of a message
  await agent.messages[0]!.incr("name");
  const show = await Showcase.open({ id: "types" });
  if (show.employee !== undefined) {
    await incr(show.employee, "employeeNo");
    await show.employee.incr("employeeNo", 10);
    // @ts-expect-error an employee's name is a string
    await show.employee.incr("name");
  }
  // @ts-expect-error a user's name is a string
  await incr(app.complex.users[0]!, "name");

  // Writes take readonly arrays (`as const` data, ReadonlyArray parameters).
  const greeting = [{ role: "user", content: "hi" }] as const;
  agent.messages = greeting;
  agent.messages.push(...greeting);
  agent.messages.extend(greeting);
  const ids: readonly number[] = [1, 2, 3];
  app.tasks = ids;
  app.complex.users.push({ name: "ann", scores: ids });
  app.complex.users[0]!.scores = ids;
  app.complex = { users: [{ name: "bob", scores: [1, 2] as const }], settings: {} };
  agent.facts.update({ topic: ["a", "b"] as const });
  await AgentMemory.open({ id: "types-2", init: { conversationId: "c", messages: greeting } });
  // @ts-expect-error a readonly array of strings is still not an integer list
  app.tasks = ["a"] as const;

  // A synced list is its plain array type wherever that is expected.
  const words: number = countWords(agent.messages);
  const plain: Message[] = agent.messages;
  const scored: ScoredUser[] = app.complex.users;
  const first: number[] = firstScores(app.complex.users);
  const list: SyncedList<Message> = agent.messages;
  const asPlain: Message[] = list;
  // ... and a synced dict its plain type, optional containers included.
  const settings: AppMemoryDataComplexSettings = app.complex.settings;
  const complex: AppMemoryDataComplex = app.complex;
  void [tasks, messages, json, wrong, theme, name, badScores, count, words, plain, scored, first, asPlain, settings, complex];
}
