// Recursive schemas (test/fixtures/generator/recursive: the smallest one that made tsc
// fail with TS2589, and ones shaped like webpack's options and AsyncAPI 3.0's schema
// objects) generate stores whose code compiles under tsc --strict.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate, writeFiles } from "redis-memory-gen";
import { ROOT, typecheck } from "./helpers.js";

const DIR = "test/fixtures/generator/recursive";
const OUT = "test/fixtures/generator/out/recursive";

describe("recursive schemas", () => {
  it("generate, and the output compiles under tsc --strict (no TS2589)", async () => {
    const schemas = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith(".json"));
    expect(schemas.length).toBeGreaterThanOrEqual(3);
    const files = await generate({ inputs: [DIR], out: OUT, cwd: ROOT });
    writeFiles(files, OUT, ROOT);
    const result = typecheck("recursive", [OUT]);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  }, 120_000);
});
