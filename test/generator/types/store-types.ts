// Type tests for generated stores: compiled by tsc (see types.test.ts). Each
// `@ts-expect-error` line must be an error; every other line must compile.
import { update, type SyncedList } from "redis-memory";
import { AgentMemory, AppMemory, Showcase, type AgentMemoryData } from "../../../generated/index.js";
import type { ScoredUserSynced, UserSynced } from "../../../generated/app-memory.js";

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

  // The function form of update() takes plain data, like the method.
  update(app.data, { user: { name: "x" } });
  app.data.update({ user: { name: "x" } });
  // @ts-expect-error update() checks the plain type
  update(app.data, { user: { name: 1 } });

  app.complex.users.push({ name: "ann", scores: [1] });
  app.complex.users[0]?.scores.push(96);
  // @ts-expect-error unknown property on a closed object
  app.complex.users.push({ name: "bob", scores: [], nickname: "b" });
  // @ts-expect-error unknown property on a closed object (store field)
  app.complex = { users: [], settings: {}, extra: 1 };

  // Nested plain writes: a setter takes plain data, its getter gives the synced form.
  app.data.user = { name: "x" };
  const user: UserSynced | undefined = app.data.user;
  void user?.asdict().name;
  app.complex.users.push({ name: "a", scores: [] });
  app.complex.users.append({ name: "b", scores: [1] });
  app.complex.users.insert(0, { name: "c", scores: [] });
  const first: ScoredUserSynced | undefined = app.complex.users[0];
  void first;
  app.complex.users[0]!.scores = [1, 2];
  app.complex.users[0]!.name = "ann";
  app.complex.settings.notifications = { email: true };
  app.complex.settings = { notifications: { digest: "daily" } };
  const scores: SyncedList<number> = app.complex.users[0]!.scores;
  void scores;
  app.config.theme = "dark";
  app.config.region = "eu";
  // Dict methods are still there.
  app.config.update({ lang: "en" });
  app.data.update({ user: { name: "y" } });
  void app.data.user?.asdict();
  void app.complex.users[0]?.asdict().scores;
  // Assigning undefined to an optional container deletes it.
  app.complex.settings.notifications = undefined;
  // @ts-expect-error a string in a nested integer list (plain write)
  app.complex.users[0]!.scores = [1, "2"];
  // @ts-expect-error a string pushed into a nested integer list
  app.complex.users[0]!.scores.push("3");
  // @ts-expect-error unknown property on a closed nested object
  app.data.user = { name: "x", nickname: "y" };
  // @ts-expect-error unknown property on a closed nested object (deeper)
  app.complex.settings.notifications = { email: true, sms: true };
  // @ts-expect-error wrong enum literal in a nested object
  app.complex.settings.notifications = { digest: "hourly" };
  // @ts-expect-error a required property is missing in a pushed element
  app.complex.users.push({ name: "d" });
  // @ts-expect-error a number assigned to a nested string property
  app.data.user!.name = 1;
  // @ts-expect-error a required nested property cannot be unset
  app.complex.users[0]!.name = undefined;
  // @ts-expect-error the config's extra settings are strings
  app.config.region = 1;

  app.data.user = undefined;

  const agent = await AgentMemory.open({ id: "conv-1", init: { conversationId: "conv-1" } });
  agent.messages.push({ role: "user", content: "hi" });
  // @ts-expect-error wrong enum literal for a role
  agent.messages.push({ role: "robot", content: "hi" });
  agent.messages[0]!.content = "edited";
  agent.facts.update({ topic: ["a"] });
  agent.facts.topic?.append("b");
  // @ts-expect-error facts hold lists of strings
  agent.facts.update({ topic: [1] });
  const data: AgentMemoryData = agent.$asdict() as AgentMemoryData;
  void data;

  const show = await Showcase.open();
  show.point = [1, 2];
  // @ts-expect-error a prefixItems tuple has two numbers
  show.point = [1, "2"];
  show.shape = { kind: "circle", radius: 1 };
  // @ts-expect-error a union member's required property is missing
  show.shape = { kind: "rect", width: 1 };
  if (show.shape?.kind === "circle") show.shape.radius = 2;
  show.employee = { name: "Eve", employeeNo: 1 };
  if (show.employee) show.employee.employeeNo = 2;
  show.labels.color = "red";
  // @ts-expect-error labels hold strings
  show.labels.color = 1;
  show.status = "done";
  // @ts-expect-error wrong enum literal
  show.status = "started";
  show.nickname = null;
  // @ts-expect-error const field
  show.version = 2;
}
