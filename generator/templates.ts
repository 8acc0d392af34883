// The text pieces the generator fills live in templates/: at the repository root beside
// generator/ (source) and in generator/dist/templates (built, installed; the build
// copies them). Both are found by walking up from this module to the nearest
// directory that holds templates/.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function nearest(entry: string, what: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, entry))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`redis-memory-gen: cannot find ${what} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The directory of the generator's package.json. */
export function packageRoot(): string {
  return nearest("package.json", "its package.json");
}

const cache = new Map<string, string>();

/** A template's text with `{{name}}` placeholders filled. */
export function template(name: string, values: Readonly<Record<string, string>> = {}): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(nearest("templates", "its templates/ directory"), "templates", name), "utf8");
    cache.set(name, text);
  }
  return text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
}
