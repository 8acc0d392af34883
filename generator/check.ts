// `--check`: what would be written, compared with what is on disk. Stale, missing
// and extra files each show as a unified diff.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { displayPath } from "./load.js";
import { unifiedDiff } from "./diff.js";
import { generatedFilesIn } from "./write.js";

export interface CheckResult {
  readonly ok: boolean;
  readonly stale: readonly string[];
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  /** Unified diff from disk to the expected output. */
  readonly diff: string;
}

/** With `prune` false (named files), generated files no schema of this run produces are not extra. */
export function checkFiles(files: ReadonlyMap<string, string>, outDir: string, cwd: string, prune = true): CheckResult {
  const stale: string[] = [];
  const missing: string[] = [];
  const extra: string[] = [];
  const diffs: string[] = [];
  const wanted = new Set<string>();
  for (const [path, text] of files) {
    wanted.add(resolve(cwd, path));
    let current: string | undefined;
    try {
      current = readFileSync(resolve(cwd, path), "utf8");
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    (current === undefined ? missing : stale).push(path);
    diffs.push(unifiedDiff(path, current, text));
  }
  for (const absolute of prune ? generatedFilesIn(resolve(cwd, outDir)) : []) {
    if (wanted.has(absolute)) continue;
    const path = displayPath(cwd, absolute);
    extra.push(path);
    diffs.push(unifiedDiff(path, readFileSync(absolute, "utf8"), undefined));
  }
  return { ok: diffs.length === 0, stale, missing, extra, diff: diffs.join("") };
}
