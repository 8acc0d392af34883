// `redis-memory migrate`: the runtime package's command (production scripts have no
// generator) runs migrateAll on the store a module exports; a dry run writes nothing,
// a run migrates, a second run finds nothing left to do.
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

  it("exit 2 with the usage for a module that exports no store", () => {
    const run = cli("migrate", "./test/evolution/board-migrations.ts", "--redis", redisUrl());
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("exports no store class");
    expect(run.stderr).toContain("Usage: redis-memory migrate <module>");
  });
});
