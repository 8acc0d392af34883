// The TypeScript parser the synced interfaces are read with: ts-morph's own copy,
// loaded without ts-morph.
import { ts as tsMorphTs } from "ts-morph";
import { describe, expect, it } from "vitest";
import { ts } from "../../generator/typescript.js";

describe("typescript (the parser emit-synced reads generated types with)", () => {
  it("is the very TypeScript ts-morph bundles (the same module instance), not another version", () => {
    expect(ts.version).toBe(tsMorphTs.version);
    expect(ts.createSourceFile).toBe(tsMorphTs.createSourceFile);
    expect(ts.SyntaxKind).toBe(tsMorphTs.SyntaxKind);
  });
});
