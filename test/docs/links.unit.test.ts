// Every relative link of README.md, CHANGELOG.md and docs/ leads somewhere: the file or
// directory exists, and an anchor names a heading of its target.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { anchors, docFiles, ROOT } from "./markdown.js";

// Written by `npm run docs:api` (TypeDoc), not committed: a link into it is allowed before it is built.
const BUILT = "docs/api/";

interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

function links(file: string): Link[] {
  const source = readFileSync(join(ROOT, file), "utf8").replace(/^```[\s\S]*?^```$/gm, (block) => block.replace(/[^\n]/g, " "));
  const result: Link[] = [];
  for (const match of source.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1]!;
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    result.push({ file, line: source.slice(0, match.index).split("\n").length, target });
  }
  return result;
}

function problem(link: Link): string | undefined {
  const [path, anchor] = link.target.split("#") as [string, string | undefined];
  const target = path === "" ? link.file : normalize(join(dirname(link.file), decodeURIComponent(path)));
  if (!existsSync(join(ROOT, target))) return target.startsWith(BUILT) ? undefined : `${target} does not exist`;
  if (anchor === undefined || anchor === "") return undefined;
  if (statSync(join(ROOT, target)).isDirectory() || !target.endsWith(".md")) return `#${anchor}: ${target} has no headings`;
  return anchors(target).has(anchor) ? undefined : `${target} has no heading #${anchor}`;
}

describe("documentation links", () => {
  const files = docFiles();

  it("covers README.md and docs/", () => {
    expect(files).toContain("README.md");
    expect(files.some((f) => f.startsWith("docs/"))).toBe(true);
  });

  it.each(files)("every relative link of %s resolves", (file) => {
    const broken = links(file).flatMap((link) => {
      const why = problem(link);
      return why === undefined ? [] : [`${link.file}:${link.line}: (${link.target}) ${why}`];
    });
    expect(broken).toEqual([]);
  });
});
