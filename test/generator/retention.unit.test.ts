// The agent-memory annotations as the generator reads them: `"x-redis-memory": {
// "keepLast" }` on an array schema reaches the store's shape and the getter's JSDoc,
// `"history"` on the root reaches the store class; misplaced or malformed ones are
// problems naming the file and place.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate, SchemaProblemsError } from "../../generator/index.js";
import { OUT } from "./helpers.js";

type Json = Record<string, unknown>;
let n = 0;

async function generated(schema: Json): Promise<Map<string, string> | SchemaProblemsError> {
  const dir = join(OUT, `retention-${process.pid}-${n++}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "schemas"), { recursive: true });
  writeFileSync(join(dir, "schemas/talk.json"), JSON.stringify(schema));
  return generate({ inputs: ["schemas"], out: "gen", cwd: dir }).catch((error: unknown) => {
    if (error instanceof SchemaProblemsError) return error;
    throw error;
  });
}

const talk = (messages: Json, root: Json = {}): Json => ({ title: "Talk", type: "object", properties: { messages }, ...root });

describe("generate(): x-redis-memory keepLast and history", () => {
  it("puts keepLast in the list's shape and says what it does in the getter's JSDoc", async () => {
    const files = (await generated(talk({ type: "array", items: { type: "string" }, "x-redis-memory": { keepLast: 20 } }))) as Map<string, string>;
    const module = files.get("gen/talk.ts")!;
    expect(module).toMatch(/kind: "list",[\s\S]*keepLast: 20/);
    expect(module).toContain(`Keeps the newest 20 elements ("x-redis-memory": { "keepLast": 20 })`);
  });

  it("finds keepLast behind a $ref", async () => {
    const files = (await generated({ ...talk({ $ref: "#/$defs/Log" }), $defs: { Log: { type: "array", items: { type: "number" }, "x-redis-memory": { keepLast: 3 } } } })) as Map<string, string>;
    expect(files.get("gen/talk.ts")).toMatch(/keepLast: 3/);
  });

  it("hands the root's history bounds to the store class", async () => {
    const files = (await generated(talk({ type: "array" }, { "x-redis-memory": { history: { maxEntries: 50, maxAgeMs: 60000 } } }))) as Map<string, string>;
    expect(files.get("gen/talk.ts")).toContain(`history: {"maxEntries":50,"maxAgeMs":60000}`);
  });

  const bad: [string, Json, string, RegExp][] = [
    ["keepLast on an object", talk({ type: "object", "x-redis-memory": { keepLast: 2 } }), "/properties/messages/x-redis-memory/keepLast", /belongs on an array schema/],
    ["keepLast of 0", talk({ type: "array", "x-redis-memory": { keepLast: 0 } }), "/properties/messages/x-redis-memory/keepLast", /positive integer/],
    ["keepLast below minItems", talk({ type: "array", minItems: 5, "x-redis-memory": { keepLast: 2 } }), "/properties/messages/x-redis-memory/keepLast", /below "minItems"/],
    ["history below the root", talk({ type: "array", "x-redis-memory": { history: { maxEntries: 3 } } }), "/properties/messages/x-redis-memory/history", /belongs on the root/],
    ["an unknown history bound", talk({ type: "array" }, { "x-redis-memory": { history: { keep: 3 } } }), "/x-redis-memory/history/keep", /"maxEntries" and "maxAgeMs"/],
    ["an unknown annotation key", talk({ type: "array", "x-redis-memory": { keeplast: 3 } }), "/properties/messages/x-redis-memory/keeplast", /knows "keepLast"/],
  ];
  for (const [name, schema, pointer, says] of bad) {
    it(`refuses ${name}, naming the place`, async () => {
      const result = await generated(schema);
      expect(result).toBeInstanceOf(SchemaProblemsError);
      const problems = (result as SchemaProblemsError).problems;
      expect(problems).toEqual([expect.objectContaining({ file: "schemas/talk.json", pointer })]);
      expect(problems[0]!.rule).toMatch(says);
    });
  }
});
