// `redis-memory migrate`: the runtime package's command (production scripts have no
// generator) runs migrateAll on the store a module exports; a dry run writes nothing,
// a run migrates, a second run finds nothing left to do. Its progress: a line every n
// instances without a terminal, the terminal's line redrawn in place (or with --progress).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { redisUrl } from "../helpers/redis.js";
import { snapshot, v1Instances } from "./instances.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--import", "tsx", "runtime/cli.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("redis-memory migrate", () => {
  it("--dry-run reports, a run migrates, a second run has nothing to do", async () => {
    const prefix = await v1Instances(30);
    const before = await snapshot(prefix, 30);
    const common = ["migrate", "./test/evolution/board-v2-module.ts", "--redis", redisUrl(), "--prefix", prefix];
    const dry = cli(...common, "--dry-run", "--json");
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ store: "Board", version: 2, dryRun: true, migrated: 30, failed: 0 });
    expect(await snapshot(prefix, 30)).toEqual(before);
    const run = cli(...common);
    expect(run.stdout).toContain("Board -> version 2: 30 seen, 30 migrated, 0 current, 0 failed, 0 newer");
    expect(run.status).toBe(0);
    for (const meta of (await snapshot(prefix, 30)).metas) expect(meta).toMatchObject({ v: "2", vmin: "2" });
    const again = cli(...common, "--json");
    expect(JSON.parse(again.stdout)).toMatchObject({ migrated: 0, current: 30 });
  });

  it("without a terminal: a progress line on stderr every --progress-every instances, the summary on stdout", async () => {
    const prefix = await v1Instances(30);
    const run = cli("migrate", "./test/evolution/board-v2-module.ts", "--redis", redisUrl(), "--prefix", prefix, "--progress-every", "10");
    expect(run.status).toBe(0);
    // Every instance needed the migration: at each line, all those seen were migrated.
    expect(run.stderr).toBe([10, 20, 30].map((n) => `Board -> version 2: ${n} seen, ${n} migrated, 0 current, 0 failed, 0 newer\n`).join(""));
    expect(run.stdout).toBe("Board -> version 2: 30 seen, 30 migrated, 0 current, 0 failed, 0 newer\n");
    for (const meta of (await snapshot(prefix, 30)).metas) expect(meta).toMatchObject({ v: "2", vmin: "2" });
  });

  it("--progress: the terminal's line, redrawn in place and cleared before the summary", async () => {
    const prefix = await v1Instances(30);
    const run = cli("migrate", "./test/evolution/board-v2-module.ts", "--redis", redisUrl(), "--prefix", prefix, "--progress", "--dry-run");
    expect(run.status).toBe(0);
    // Frames `\r<line>\x1b[K` (how many depends on the redraw pace), then `\r\x1b[K`; never a newline.
    expect(run.stderr).toMatch(/^(\r[^\r\n]+\x1b\[K)+\r\x1b\[K$/);
    const frames = run.stderr.split("\r").filter((frame) => frame.length > "\x1b[K".length);
    const seen = frames.map((frame) => {
      const match = /^dry run: Board -> version 2: (\d+) seen, (\d+) would migrate, 0 current, 0 failed, 0 newer\x1b\[K$/.exec(frame);
      expect(match, frame).not.toBeNull();
      expect(match![2]).toBe(match![1]);
      return Number(match![1]);
    });
    // The first instance done is drawn at once; later frames only go forward.
    expect(seen[0]).toBe(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBeLessThanOrEqual(30);
    expect(run.stdout).toBe("dry run: Board -> version 2: 30 seen, 30 would migrate, 0 current, 0 failed, 0 newer\n");
    // A dry run: Redis holds the v1 instances as they were.
    for (const meta of (await snapshot(prefix, 30)).metas) expect(meta).toMatchObject({ v: "1", vmin: "1" });
  });

  it("exit 2 with the usage for a module that exports no store", () => {
    const run = cli("migrate", "./test/evolution/board-migrations.ts", "--redis", redisUrl());
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("exports no store class");
    expect(run.stderr).toContain("Usage: redis-memory migrate <module>");
  });
});
