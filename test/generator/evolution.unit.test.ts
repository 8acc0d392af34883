// Schema evolution as the generator judges it: the schema generated last time (read back
// from <store>.validators.ts) against the new one. Additive changes need nothing; a
// breaking change without a higher "x-redis-memory" version is exit 2 naming the place,
// the change and the fix; with one, the store records the version that needs a migration.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate, writeFiles, SchemaProblemsError } from "../../generator/index.js";
import { buildCli, OUT, runCli } from "./helpers.js";

type Json = Record<string, unknown>;

const v1: Json = {
  title: "Board",
  type: "object",
  properties: {
    name: { type: "string", maxLength: 40 },
    count: { type: "integer", minimum: 0 },
    status: { enum: ["open", "closed"] },
    tags: { type: "array", items: { type: "string" } },
    owner: { type: "string" },
    cards: { type: "array", items: { $ref: "#/$defs/Card" } },
  },
  required: ["name"],
  $defs: { Card: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } },
};

function edit(change: (schema: Json & { properties: Record<string, Json>; $defs: { Card: Json & { properties: Record<string, Json> } } }) => void): Json {
  const schema = structuredClone(v1) as Parameters<typeof change>[0];
  change(schema);
  return schema;
}

/** Ten v1 -> v2 pairs: the change, its verdict, and (breaking) the place and words of the message. */
const PAIRS: readonly { name: string; v2: Json; breaking?: { pointer: string; says: RegExp } }[] = [
  { name: "a new optional field", v2: edit((s) => { s.properties.note = { type: "string" }; }) },
  { name: "a new required field with a default", v2: edit((s) => { s.properties.pinned = { type: "boolean", default: false }; (s.required as string[]).push("pinned"); }) },
  { name: "a looser constraint (maxLength raised, an enum value added)", v2: edit((s) => { s.properties.name!.maxLength = 80; s.properties.status!.enum = ["open", "closed", "archived"]; }) },
  { name: "a removed field", v2: edit((s) => { delete s.properties.owner; }), breaking: { pointer: "/properties/owner", says: /field "owner" removed/ } },
  { name: "a renamed field", v2: edit((s) => { s.properties.assignee = s.properties.owner!; delete s.properties.owner; }), breaking: { pointer: "/properties/owner", says: /"owner" renamed to "assignee"/ } },
  { name: "a changed type", v2: edit((s) => { s.properties.count = { type: "string" }; }), breaking: { pointer: "/properties/count", says: /type changed from integer to string/ } },
  { name: "a tightened constraint", v2: edit((s) => { s.properties.name!.maxLength = 10; }), breaking: { pointer: "/properties/name/maxLength", says: /"maxLength" tightened \(40 -> 10\)/ } },
  { name: "a list become a dict", v2: edit((s) => { s.properties.tags = { type: "object", additionalProperties: { type: "string" } }; }), breaking: { pointer: "/properties/tags", says: /a list became a dict/ } },
  { name: "a record's new required key", v2: edit((s) => { s.$defs.Card.properties.at = { type: "number" }; (s.$defs.Card.required as string[]).push("at"); }), breaking: { pointer: "/$defs/Card/properties/at", says: /new required field "at"/ } },
  { name: "an enum narrowed", v2: edit((s) => { s.properties.status!.enum = ["open"]; }), breaking: { pointer: "/properties/status/enum", says: /allowed values removed: "closed"/ } },
];

let n = 0;
/** A scratch project holding `schema` as schemas/board.json, generated once into gen/. */
async function generatedFrom(schema: Json): Promise<string> {
  const dir = join(OUT, `evolution-${process.pid}-${n++}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "schemas"), { recursive: true });
  writeSchema(dir, schema);
  writeFiles(await generate({ inputs: ["schemas"], out: "gen", cwd: dir }), "gen", dir);
  return dir;
}

function writeSchema(dir: string, schema: Json): void {
  writeFileSync(join(dir, "schemas/board.json"), JSON.stringify(schema, null, 2));
}

describe("generate(): the change from the last generated schema", () => {
  for (const pair of PAIRS) {
    it(`${pair.name}: ${pair.breaking ? "breaking, refused at the same version" : "additive, generated"}`, async () => {
      const dir = await generatedFrom(v1);
      writeSchema(dir, pair.v2);
      const result = await generate({ inputs: ["schemas"], out: "gen", cwd: dir }).catch((e: unknown) => e);
      if (!pair.breaking) {
        expect(result).toBeInstanceOf(Map);
        expect((result as Map<string, string>).get("gen/board.validators.ts")).toContain(`export const evolution = {"version":1,"breaking":[]};`);
        return;
      }
      expect(result).toBeInstanceOf(SchemaProblemsError);
      const problems = (result as SchemaProblemsError).problems;
      expect(problems).toEqual([expect.objectContaining({ file: "schemas/board.json", pointer: pair.breaking.pointer })]);
      expect(problems[0]!.rule).toMatch(pair.breaking.says);
      expect(problems[0]!.rule).toContain(`raise the root's "x-redis-memory": { "version": 2 } and register a migration to 2 (Board.migrations({ 2: (data) => ... }))`);
    });
  }

  for (const pair of PAIRS.filter((p) => p.breaking)) {
    it(`${pair.name}: generated at version 2, which the store records as needing a migration`, async () => {
      const dir = await generatedFrom(v1);
      writeSchema(dir, { ...pair.v2, "x-redis-memory": { version: 2 } });
      const files = await generate({ inputs: ["schemas"], out: "gen", cwd: dir });
      expect(files.get("gen/board.ts")).toContain(`version: 2, breaking: [2] };`);
      expect(files.get("gen/board.validators.ts")).toContain(`export const evolution = {"version":2,"breaking":[2]};`);
      writeFiles(files, "gen", dir);
      // Generated again: nothing changed since, the record stays.
      const again = await generate({ inputs: ["schemas"], out: "gen", cwd: dir });
      expect(again.get("gen/board.ts")).toBe(files.get("gen/board.ts"));
    });
  }

  it("an additive change at a higher version needs no migration", async () => {
    const dir = await generatedFrom(v1);
    writeSchema(dir, { ...PAIRS[0]!.v2, "x-redis-memory": { version: 2 } });
    const files = await generate({ inputs: ["schemas"], out: "gen", cwd: dir });
    expect(files.get("gen/board.ts")).toContain(`version: 2, breaking: [] };`);
  });

  it("a version that goes down is refused", async () => {
    const dir = await generatedFrom({ ...v1, "x-redis-memory": { version: 3 } });
    writeSchema(dir, { ...v1, "x-redis-memory": { version: 2 } });
    const error = await generate({ inputs: ["schemas"], out: "gen", cwd: dir }).catch((e: unknown) => e);
    expect((error as SchemaProblemsError).problems).toEqual([expect.objectContaining({ pointer: "/x-redis-memory/version", rule: expect.stringMatching(/went down from 3/) })]);
  });

  it("a version that is not a positive integer is refused", async () => {
    const dir = join(OUT, `evolution-bad-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, "schemas"), { recursive: true });
    writeSchema(dir, { ...v1, "x-redis-memory": { version: "2" } });
    const error = await generate({ inputs: ["schemas"], out: "gen", cwd: dir }).catch((e: unknown) => e);
    expect((error as SchemaProblemsError).problems[0]!.rule).toMatch(/must be a positive integer/);
  });

  it("changes inside a named type used twice are reported once, at the type", async () => {
    const base = edit((s) => { s.properties.pinned = { type: "array", items: { $ref: "#/$defs/Card" } }; });
    const dir = await generatedFrom(base);
    const next = structuredClone(base) as { $defs: { Card: { properties: { text: Json } } } };
    next.$defs.Card.properties.text = { type: "number" };
    writeSchema(dir, next as unknown as Json);
    const error = await generate({ inputs: ["schemas"], out: "gen", cwd: dir }).catch((e: unknown) => e);
    expect((error as SchemaProblemsError).problems.map((p) => p.pointer)).toEqual(["/$defs/Card/properties/text"]);
  });
});

describe("redis-memory-gen and schema versions", () => {
  let cli = "";
  beforeAll(() => {
    cli = buildCli("evolution");
  });

  it("exits 2 on a breaking change, writing nothing; --check exits 2 too", async () => {
    const dir = await generatedFrom(v1);
    const before = readFileSync(join(dir, "gen/board.ts"), "utf8");
    writeSchema(dir, PAIRS[5]!.v2);
    const run = runCli(cli, ["schemas", "--out", "gen"], dir);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`schemas/board.json#/properties/count: breaking change`);
    expect(readFileSync(join(dir, "gen/board.ts"), "utf8")).toBe(before);
    const check = runCli(cli, ["schemas", "--out", "gen", "--check"], dir);
    expect(check.status).toBe(2);
    expect(check.stderr).toContain("the type changed from integer to string");
  });

  it("exits 0 on an additive change", async () => {
    const dir = await generatedFrom(v1);
    writeSchema(dir, PAIRS[0]!.v2);
    expect(runCli(cli, ["schemas", "--out", "gen", "--quiet"], dir).status).toBe(0);
  });
});
