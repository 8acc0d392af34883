// Every TypeScript block of README.md and docs/ compiles against the generated stores of
// schemas/ and the workspace's packages, under the project's strict options. A block marked
// ```ts excerpt (a declaration shown out of context) is skipped; README's Getting started
// files are compiled and run by scripts/consumer-check.sh against their own store instead.
// Each block is written to .docs-blocks/ at the same depth as its markdown file, so the
// relative imports a reader sees ("../../generated/index.js") resolve as written.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { codeBlocks, docFiles, ROOT, type CodeBlock } from "./markdown.js";

const SCRATCH = join(ROOT, ".docs-blocks");
const TS = new Set(["ts", "typescript"]);

function compiled(block: CodeBlock): boolean {
  return TS.has(block.info) && !(block.marker?.startsWith("getting-started:") ?? false);
}

describe("documentation code blocks", () => {
  const blocks = docFiles().flatMap(codeBlocks);
  const checked = blocks.filter(compiled);

  it("finds the TypeScript blocks, and every other ts block is marked as an excerpt", () => {
    expect(checked.length).toBeGreaterThan(10);
    const unmarked = blocks.filter((b) => /^(ts|typescript)\b/.test(b.info) && !compiled(b) && b.info !== "ts excerpt" && !(b.marker?.startsWith("getting-started:") ?? false));
    expect(unmarked.map((b) => `${b.file}:${b.line} \`\`\`${b.info}`)).toEqual([]);
  });

  it("compiles every block with tsc --strict against generated/ and the packages", () => {
    rmSync(SCRATCH, { recursive: true, force: true });
    mkdirSync(SCRATCH, { recursive: true });
    symlinkSync(join(ROOT, "generated"), join(SCRATCH, "generated"), "dir");
    const origin = new Map<string, CodeBlock>();
    for (const block of checked) {
      // docs/guides/x.md's block at line 12 -> .docs-blocks/docs/guides/x.L12.ts: the same depth.
      const path = join(SCRATCH, dirname(block.file), `${block.file.replace(/^.*\//, "").replace(/\.md$/, "")}.L${block.line}.ts`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, block.text);
      origin.set(path.slice(SCRATCH.length + 1), block);
    }
    writeFileSync(
      join(SCRATCH, "tsconfig.json"),
      JSON.stringify({
        extends: "../tsconfig.json",
        compilerOptions: { noEmit: true, moduleDetection: "force", rootDir: ".." },
        include: ["**/*.ts"],
        exclude: ["generated"],
      }),
    );
    const result = spawnSync("npx", ["tsc", "-p", join(SCRATCH, "tsconfig.json")], { cwd: ROOT, encoding: "utf8" });
    // tsc names a block file and a line in it: point at the markdown line instead.
    const errors = `${result.stdout}${result.stderr}`
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => l.replace(/^\.docs-blocks\/(\S+?\.L\d+\.ts)\((\d+),(\d+)\)/, (all, file: string, line: string) => {
        const block = origin.get(file);
        return block === undefined ? all : `${block.file}:${block.line + Number(line) - 1}`;
      }));
    expect(errors).toEqual([]);
    expect(result.status).toBe(0);
  }, 120_000);
});
