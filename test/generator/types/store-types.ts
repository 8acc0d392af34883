// Type tests for generated stores: compiled by tsc (see types.test.ts). Each
// `@ts-expect-error` line must be an error; every other line must compile.
import { AgentMemory, AppMemory, Showcase, type AgentMemoryData } from "../../../generated/index.js";

export async function typeTests(): Promise<void> {
  const app = await AppMemory.open({ id: "types" });
  app.tasks.push(1);
  app.tasks = [1, 2, 3];
  // @ts-expect-error a string pushed into an integer list
  app.tasks.push("four");
  // @ts-expect-error a string list assigned to an integer list
  app.tasks = ["a"];

  app.title = "hello";
  app.title = undefined;
  // @ts-expect-error a number assigned to a string field
  app.title = 42;

  app.config.theme = "dark";
  // @ts-expect-error wrong enum literal
  app.config.theme = "blue";

  app.complex.users.push({ name: "ann", scores: [1] });
  app.complex.users[0]?.scores.push(96);
  // @ts-expect-error unknown property on a closed object
  app.complex.users.push({ name: "bob", scores: [], nickname: "b" });
  // @ts-expect-error unknown property on a closed object (store field)
  app.complex = { users: [], settings: {}, extra: 1 };

  const agent = await AgentMemory.open({ id: "conv-1", init: { conversationId: "conv-1" } });
  agent.messages.push({ role: "user", content: "hi" });
  // @ts-expect-error wrong enum literal for a role
  agent.messages.push({ role: "robot", content: "hi" });
  const data: AgentMemoryData = agent.$asdict() as AgentMemoryData;
  void data;

  const show = await Showcase.open();
  show.point = [1, 2];
  // @ts-expect-error a prefixItems tuple has two numbers
  show.point = [1, "2"];
  show.shape = { kind: "circle", radius: 1 };
  // @ts-expect-error a union member's required property is missing
  show.shape = { kind: "rect", width: 1 };
  show.status = "done";
  // @ts-expect-error wrong enum literal
  show.status = "started";
  show.nickname = null;
  // @ts-expect-error const field
  show.version = 2;
}
