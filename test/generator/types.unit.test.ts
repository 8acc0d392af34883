import { describe, expect, it } from "vitest";
import { typecheck } from "./helpers.js";

describe("generated code and its types", () => {
  it("compiles under tsc --strict --noEmit with the project's options", () => {
    const result = typecheck("generated", ["generated", "test/fixtures/generator/cases"]);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it("rejects wrong writes: every @ts-expect-error line is an error", () => {
    const result = typecheck("types", ["test/generator/types/store-types.ts", "test/generator/types/nesting-types.ts", "test/generator/types/policy-types.ts"]);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });
});
