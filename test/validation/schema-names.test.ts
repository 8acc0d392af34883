// Schema property names and descriptions that are hostile to generated code
// (quotes, comment ends, backticks, spaces, non-ASCII, line breaks): the output
// compiles, and every such field round-trips through Redis.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate, writeFiles } from "redis-memory-gen";
import { spawnSync } from "node:child_process";
import { OUT, ROOT } from "../generator/helpers.js";
import { redisUrl, track, uniqueId } from "../helpers/redis.js";

const names = [
  `it's "quoted"`,
  "*/ console.log('pwned') /*",
  "back`tick${1}",
  "with space",
  "ünïcödé ✓",
  "line\nbreak",
  "back\\slash",
  "123starts-with-digit",
];

const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "HostileNames",
  description: "*/ closing a comment early, `backticks`, ${template}",
  type: "object",
  properties: Object.fromEntries(
    names.map((name, i) => [name, i % 2 ? { type: "array", items: { type: "string" }, description: `*/ ${name}` } : { type: "string", description: `ends */ here ${name}` }]),
  ),
  additionalProperties: false,
};

describe("hostile schema property names", () => {
  it("a declared property named __proto__: skipped with a warning on the store, below it a property whose value round-trips as data", async () => {
    const dir = join(OUT, "proto-name");
    mkdirSync(join(dir, "schemas"), { recursive: true });
    writeFileSync(
      join(dir, "schemas", "proto.json"),
      '{"title": "Proto", "type": "object", "properties": {"__proto__": {"type": "string"}, "inner": {"type": "object", "properties": {"__proto__": {"type": "string"}, "constructor": {"type": "string"}}}}}',
    );
    const warnings: string[] = [];
    const files = await generate({ inputs: ["schemas"], out: "generated", cwd: dir, onWarning: (w) => warnings.push(`${w.file}#${w.pointer}: ${w.rule}`) });
    expect(warnings).toEqual(['schemas/proto.json#/properties/__proto__: store property "__proto__" cannot be a class accessor name: skipped']);
    writeFiles(files, "generated", dir);
    const module = (await import(join(dir, "generated", "index.ts"))) as Record<string, { open(o: object): Promise<any> }>;
    const id = uniqueId();
    const store = track(await module.Proto!.open({ redis: redisUrl(), id, live: false }));
    const inner = JSON.parse('{"__proto__": "p", "constructor": "c"}') as Record<string, unknown>;
    store.inner = inner;
    await store.$flush();
    const fresh = track(await module.Proto!.open({ redis: redisUrl(), id, live: false }));
    const read = fresh.$asdict().inner as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(read).sort()).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(read, "__proto__")?.value).toBe("p");
    expect(read.constructor).toBe("c");
    expect(Object.getPrototypeOf(read)).not.toBe("p");
  });

  it("generate code that compiles and round-trips every field", async () => {
    const dir = join(OUT, "hostile-names");
    mkdirSync(join(dir, "schemas"), { recursive: true });
    writeFileSync(join(dir, "schemas", "hostile.json"), JSON.stringify(schema, null, 2));
    const files = await generate({ inputs: ["schemas"], out: "generated", cwd: dir });
    writeFiles(files, "generated", dir);
    // The project's compiler options, on the output alone (the scratch space is excluded by default).
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: join(ROOT, "tsconfig.json"), compilerOptions: { noEmit: true }, include: ["generated"], exclude: [] }));
    const tsc = spawnSync("npx", ["tsc", "-p", join(dir, "tsconfig.json")], { cwd: ROOT, encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);

    const module = (await import(join(dir, "generated", "index.ts"))) as Record<string, { open(o: object): Promise<any> }>;
    const id = uniqueId();
    const store = track(await module.HostileNames!.open({ redis: redisUrl(), id, live: false }));
    const data: Record<string, unknown> = {};
    names.forEach((name, i) => {
      const value = i % 2 ? [name] : name;
      Object.defineProperty(data, name, { value, enumerable: true, configurable: true, writable: true });
      store[name] = value;
    });
    await store.$flush();
    const fresh = track(await module.HostileNames!.open({ redis: redisUrl(), id, live: false }));
    expect(fresh.$asdict()).toEqual(data);
    expect(Object.prototype).not.toHaveProperty("pwned");
  });
});
