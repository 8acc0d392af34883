// What a run covers. Given directories, a run sees every schema of the output, so the
// generated files no schema produces any more are removed (and `--check` reports them as
// extra). Given named files, it sees only those: the other stores' generated files are
// kept, and index.ts keeps exporting them.
import { readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { ModuleText } from "./emit-barrel.js";
import { generatedFilesIn } from "./write.js";

/** Whether every input is a directory: only then are stale generated files pruned. */
export function prunes(inputs: readonly string[], cwd: string): boolean {
  return inputs.length > 0 && inputs.every((input) => statSync(resolve(cwd, input), { throwIfNoEntry: false })?.isDirectory() ?? false);
}

const STORE_CLASS = /^export class ([A-Za-z_$][A-Za-z0-9_$]*) extends Store\b/m;

/** The store modules already in `outDir` that this run does not write (for index.ts). */
export function keptModules(outDir: string, written: ReadonlySet<string>): ModuleText[] {
  const kept: ModuleText[] = [];
  for (const path of generatedFilesIn(outDir)) {
    const name = basename(path);
    if (name === "index.ts" || name.endsWith(".validators.ts") || written.has(resolve(path))) continue;
    const text = readFileSync(path, "utf8");
    const store = STORE_CLASS.exec(text)?.[1];
    if (store !== undefined) kept.push({ store, file: `./${name.replace(/\.ts$/, ".js")}`, text });
  }
  return kept;
}
