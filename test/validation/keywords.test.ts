// Every validation keyword the generator covers, enforced on writes through generated
// stores: the error is a ValidationError with the data path and schema pointer,
// and neither the replica nor Redis changes.
import { describe, expect, it } from "vitest";
import { ValidationError } from "redis-memory";
import { AgentMemory, AppMemory, Showcase } from "../../generated/index.js";
import { dumpInstance, rawClient, redisUrl, track, uniqueId } from "../helpers/redis.js";

type AnyStore = { $flush(): Promise<void>; $asdict(): unknown; $key: string; $close(): Promise<void> } & Record<string, any>;

interface Case {
  name: string;
  open: (id: string) => Promise<AnyStore>;
  setup?: (s: any) => void;
  attempt: (s: any) => unknown;
  path: (string | number)[];
  pointer: RegExp;
  message?: RegExp;
}

const app = async (id: string) => track(await AppMemory.open({ redis: redisUrl(), id, live: false })) as unknown as AnyStore;
const show = async (id: string) => track(await Showcase.open({ redis: redisUrl(), id, live: false })) as unknown as AnyStore;
const agent = async (id: string) =>
  track(await AgentMemory.open({ redis: redisUrl(), id, live: false, init: { conversationId: id } })) as unknown as AnyStore;

const cases: Case[] = [
  { name: "type (string into an integer list)", open: app, attempt: (s) => s.tasks.push("x"), path: ["tasks", 0], pointer: /tasks\/items\/type$/ },
  { name: "integer vs number", open: app, attempt: (s) => { s.counter = 1.5; }, path: ["counter"], pointer: /counter\/type$/ },
  { name: "enum", open: app, attempt: (s) => { s.config.theme = "blue"; }, path: ["config", "theme"], pointer: /Config\/properties\/theme\/enum$/ },
  { name: "const", open: show, attempt: (s) => { s.version = 2; }, path: ["version"], pointer: /version\/const$/ },
  { name: "minimum", open: app, attempt: (s) => { s.counter = -1; }, path: ["counter"], pointer: /counter\/minimum$/ },
  { name: "maximum (nested list item)", open: app, setup: (s) => s.complex.users.push({ name: "a", scores: [1, 2, 3] }), attempt: (s) => s.complex.users[0].scores.push(101), path: ["complex", "users", 0, "scores", 3], pointer: /scores\/items\/maximum$/ },
  { name: "exclusiveMinimum", open: show, attempt: (s) => { s.shape = { kind: "circle", radius: 0 }; }, path: ["shape"], pointer: /oneOf$|exclusiveMinimum$/ },
  { name: "maxLength", open: app, attempt: (s) => { s.title = "x".repeat(201); }, path: ["title"], pointer: /title\/maxLength$/ },
  { name: "minLength", open: app, setup: (s) => { s.data.user = { name: "n" }; }, attempt: (s) => { s.data.user.name = ""; }, path: ["data", "user", "name"], pointer: /User\/properties\/name\/minLength$/ },
  { name: "pattern", open: app, attempt: (s) => { s.config.lang = "english"; }, path: ["config", "lang"], pointer: /lang\/pattern$/ },
  { name: "format (email)", open: app, setup: (s) => { s.data.user = { name: "n" }; }, attempt: (s) => { s.data.user.email = "not-an-email"; }, path: ["data", "user", "email"], pointer: /email\/format$/ },
  { name: "format (date-time)", open: agent, attempt: (s) => s.messages.push({ role: "user", content: "hi", at: "yesterday" }), path: ["messages", 0, "at"], pointer: /at\/format$/ },
  { name: "uniqueItems", open: show, setup: (s) => s.tags.push("a", "b"), attempt: (s) => s.tags.push("a"), path: ["tags", 2], pointer: /tags\/uniqueItems$/ },
  { name: "maxItems", open: show, setup: (s) => s.tags.push(...Array.from({ length: 10 }, (_, i) => `t${i}`)), attempt: (s) => s.tags.push("more"), path: ["tags"], pointer: /tags\/maxItems$/ },
  { name: "minItems", open: show, setup: (s) => { s.point = [1, 2]; }, attempt: (s) => s.point.pop(), path: ["point"], pointer: /point\/minItems$/ },
  { name: "prefixItems (tuple position type)", open: show, setup: (s) => { s.point = [1, 2]; }, attempt: (s) => { s.point[1] = "y"; }, path: ["point", 1], pointer: /prefixItems\/1\/type$/ },
  { name: "items: false (tuple length)", open: show, setup: (s) => { s.point = [1, 2]; }, attempt: (s) => s.point.push(3), path: ["point", 2], pointer: /point\/items$/, message: /no value is allowed here \(the schema is false\)/ },
  { name: "required (nested object written)", open: app, attempt: (s) => { s.data.user = { email: "a@b.co" }; }, path: ["data", "user"], pointer: /\$defs\/User\/required$/ },
  { name: "required (delete)", open: app, setup: (s) => { s.data.user = { name: "n" }; }, attempt: (s) => { delete s.data.user.name; }, path: ["data", "user", "name"], pointer: /#\/\$defs\/User\/required$/ },
  { name: "required (assign undefined on the store)", open: app, attempt: (s) => { s.tasks = undefined; }, path: ["tasks"], pointer: /#\/required$/ },
  { name: "required (dict pop)", open: app, setup: (s) => s.complex.users.push({ name: "a", scores: [] }), attempt: (s) => s.complex.users[0].pop("scores"), path: ["complex", "users", 0, "scores"], pointer: /#\/\$defs\/ScoredUser\/required$/ },
  { name: "closed object (unknown property)", open: app, setup: (s) => { s.data.user = { name: "n" }; }, attempt: (s) => { s.data.user.nickname = "x"; }, path: ["data", "user", "nickname"], pointer: /#\/\$defs\/User\/additionalProperties$/ },
  { name: "closed object (unknown property in a written value)", open: app, attempt: (s) => { s.data.user = { name: "n", extra: 1 }; }, path: ["data", "user"], pointer: /additionalProperties$/ },
  { name: "additionalProperties schema", open: app, attempt: (s) => { s.config.anything = 5; }, path: ["config", "anything"], pointer: /Config\/additionalProperties\/type$/ },
  { name: "patternProperties", open: show, attempt: (s) => { s.labels.ok = "x".repeat(41); }, path: ["labels", "ok"], pointer: /patternProperties\/.*maxLength$/ },
  { name: "patternProperties (key matches no pattern)", open: show, attempt: (s) => { s.labels.Upper = "x"; }, path: ["labels", "Upper"], pointer: /labels\/additionalProperties$/ },
  { name: "oneOf", open: show, attempt: (s) => { s.shape = { kind: "square", side: 1 }; }, path: ["shape"], pointer: /shape\/oneOf$/ },
  { name: "oneOf (write inside the chosen option)", open: show, setup: (s) => { s.shape = { kind: "circle", radius: 1 }; }, attempt: (s) => { s.shape.radius = "big"; }, path: ["shape", "radius"], pointer: /Circle\/properties\/radius\/type$/ },
  { name: "anyOf", open: show, attempt: (s) => { s.idOrName = true; }, path: ["idOrName"], pointer: /idOrName\/anyOf$/ },
  { name: "nullable type", open: show, attempt: (s) => { s.nickname = 3; }, path: ["nickname"], pointer: /nickname\/type$/ },
  { name: "allOf", open: show, attempt: (s) => { s.employee = { name: "n" }; }, path: ["employee"], pointer: /employee\/allOf\/1\/required$/ },
  { name: "enum via $ref (message role)", open: agent, attempt: (s) => s.messages.push({ role: "robot", content: "x" }), path: ["messages", 0, "role"], pointer: /Role\/enum$/ },
  { name: "incr past a maximum-free minimum", open: app, attempt: (s) => s.$incr("counter", -1), path: ["counter"], pointer: /counter\/minimum$/ },
];

describe("validation keywords", () => {
  for (const c of cases) {
    it(`${c.name}: ValidationError at ${JSON.stringify(c.path)}, nothing changed`, async () => {
      const store = await c.open(uniqueId("kw"));
      c.setup?.(store);
      await store.$flush();
      const redis = rawClient();
      const before = await dumpInstance(redis, store.$key);
      const replica = store.$asdict();
      let caught: unknown;
      try {
        c.attempt(store);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      const error = caught as ValidationError;
      expect(error.path).toEqual(c.path);
      expect(error.schemaPointer, error.message).toMatch(c.pointer);
      expect(error.schemaPointer).toMatch(/^schemas\/[a-z-]+\.json#/);
      if (c.message) expect(error.message).toMatch(c.message);
      expect(error.message).toContain(c.path.length ? String(c.path[c.path.length - 1]) : "");
      await store.$flush();
      expect(store.$asdict()).toEqual(replica);
      expect(await dumpInstance(redis, store.$key)).toEqual(before);
    });
  }
});
