// What the CLI says after writing: the files it wrote and removed, by name, so that a
// user (and a reviewer of a CI log) sees what changed without running git.
import { relative } from "node:path";
import type { WriteResult } from "./write.js";

export function writeSummary(result: WriteResult, out: string, cwd: string): string {
  const name = (path: string): string => relative(cwd, path) || path;
  const parts: string[] = [];
  if (result.written.length > 0) parts.push(`wrote ${result.written.map(name).sort().join(", ")}`);
  if (result.removed.length > 0) parts.push(`removed ${result.removed.map(name).sort().join(", ")} (no schema generates them any more)`);
  if (parts.length === 0) return `redis-memory-gen: ${result.unchanged.length} files in ${out} are up to date, nothing written\n`;
  if (result.unchanged.length > 0) parts.push(`${result.unchanged.length} unchanged`);
  return `redis-memory-gen: ${parts.join("; ")}\n`;
}
