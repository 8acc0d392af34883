// The documentation as the tests read it: README.md, CHANGELOG.md and every markdown file
// of docs/ (except the API reference, which TypeDoc writes), their fenced code blocks and
// their headings' anchors as GitHub makes them.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Repository-relative paths of the documentation files. */
export function docFiles(): string[] {
  const files = ["README.md", "CHANGELOG.md"].filter((f) => existsSync(join(ROOT, f)));
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(ROOT, dir)).sort()) {
      const path = join(dir, name);
      if (path === join("docs", "api")) continue;
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (name.endsWith(".md")) files.push(path);
    }
  };
  if (existsSync(join(ROOT, "docs"))) walk("docs");
  return files.map((f) => relative(ROOT, join(ROOT, f)));
}

export interface CodeBlock {
  readonly file: string;
  /** 1-based line of the block's first code line. */
  readonly line: number;
  /** The info string after the fence: "ts", "ts excerpt", "sh", ... */
  readonly info: string;
  /** The HTML comment right before the fence, if any (README's getting-started markers). */
  readonly marker: string | undefined;
  readonly text: string;
}

export function codeBlocks(file: string): CodeBlock[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  const blocks: CodeBlock[] = [];
  const fence = /(?:<!--([^\n]*)-->\n)?^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const match of source.matchAll(fence)) {
    const before = source.slice(0, match.index + (match[1] === undefined ? 0 : match[0].indexOf("```")));
    blocks.push({ file, line: before.split("\n").length + 1, info: match[2]!.trim(), marker: match[1]?.trim(), text: match[3]! });
  }
  return blocks;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, ... */
export function anchors(file: string): Set<string> {
  const source = readFileSync(join(ROOT, file), "utf8").replace(/^```[\s\S]*?^```$/gm, "");
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of source.matchAll(/^#{1,6} (.+)$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/`/g, "").trim();
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of source.matchAll(/<a (?:name|id)="([^"]+)"/g)) result.add(id!);
  return result;
}
