// The schemas the generator's figures run on: 100 generated JSON Schemas, each a store
// of ~15 fields using the keywords the generator covers ($defs and $ref, nested
// objects, arrays of objects, dicts, enums, unions, formats, validation keywords), and
// the real-schema corpus of the repo (test/fixtures/real-schemas: schemas that npm
// packages ship, with their licences), biome's ~1 MB configuration schema among them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/ runs from dist/bench/ or from bench/). */
export const ROOT = fileURLToPath(new URL(import.meta.url.includes("/dist/") ? "../.." : "..", new URL(".", import.meta.url)));
export const CORPUS = join(ROOT, "test/fixtures/real-schemas");
export const BIOME = join(CORPUS, "biome/configuration_schema.json");

/** The corpus' store schemas, relative to CORPUS. */
export function corpusStores(): string[] {
  return (JSON.parse(readFileSync(join(CORPUS, "corpus.json"), "utf8")) as { stores: string[] }).stores;
}

export function benchSchema(index: number): object {
  const n = String(index).padStart(3, "0");
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `https://example.com/bench/store-${n}.json`,
    title: `Bench Store ${n}`,
    description: `Generated schema ${n} for the generator benchmark.`,
    type: "object",
    $defs: {
      Message: {
        title: `Message${n}`,
        type: "object",
        description: "One message of a conversation.",
        properties: {
          role: { enum: ["system", "user", "assistant", "tool"] },
          content: { type: "string", maxLength: 100_000 },
          tokens: { type: "integer", minimum: 0 },
          at: { type: "string", format: "date-time" },
        },
        required: ["role", "content"],
      },
      Task: {
        title: `Task${n}`,
        type: "object",
        properties: {
          id: { type: "string", pattern: "^[a-z0-9-]{1,64}$" },
          done: { type: "boolean", default: false },
          priority: { type: "integer", minimum: 1, maximum: 5 },
          tags: { type: "array", items: { type: "string" }, uniqueItems: true, maxItems: 20 },
          subtasks: { type: "array", items: { $ref: "#/$defs/Task" } },
        },
        required: ["id"],
      },
    },
    properties: {
      conversationId: { type: "string", format: "uuid" },
      title: { type: "string", minLength: 1, maxLength: 200 },
      status: { enum: ["open", "waiting", "closed"], default: "open" },
      turns: { type: "integer", minimum: 0, default: 0 },
      score: { type: ["number", "null"] },
      messages: { type: "array", items: { $ref: "#/$defs/Message" }, default: [] },
      tasks: { type: "array", items: { $ref: "#/$defs/Task" }, default: [] },
      notes: { type: "array", items: { type: "string" }, default: [] },
      config: {
        type: "object",
        properties: {
          theme: { enum: ["light", "dark"] },
          lang: { type: "string", pattern: "^[a-z]{2}$" },
          limits: {
            type: "object",
            properties: { maxTurns: { type: "integer", minimum: 1 }, maxTokens: { type: "integer", minimum: 1 } },
          },
        },
        default: {},
      },
      counters: { type: "object", additionalProperties: { type: "integer" }, default: {} },
      flags: { type: "object", additionalProperties: { type: "boolean" } },
      owner: {
        oneOf: [
          { type: "object", properties: { kind: { const: "user" }, userId: { type: "string" } }, required: ["kind", "userId"] },
          { type: "object", properties: { kind: { const: "team" }, teamId: { type: "string" } }, required: ["kind", "teamId"] },
        ],
      },
      point: { type: "array", prefixItems: [{ type: "number" }, { type: "number" }], items: false },
      email: { type: "string", format: "email" },
      [`extra${n}`]: { type: "string", deprecated: true, description: `Field unique to store ${n}.` },
    },
    required: ["status", "messages"],
  };
}
