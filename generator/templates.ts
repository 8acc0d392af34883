// The text pieces the generator fills live in templates/ at the package root. Found by
// walking up from this module to the nearest package.json, so the same code works
// from generator/*.ts (source) and from dist/generator/*.js (built, installed).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("redis-memory-gen: cannot find its package.json (templates/ lives beside it)");
    dir = parent;
  }
  return dir;
}

const cache = new Map<string, string>();

/** A template's text with `{{name}}` placeholders filled. */
export function template(name: string, values: Readonly<Record<string, string>> = {}): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(packageRoot(), "templates", name), "utf8");
    cache.set(name, text);
  }
  return text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
}
