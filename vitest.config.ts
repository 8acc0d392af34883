// One vitest project per test tier (test/setup/tiers.ts): a run starts only the servers
// its files need. `npm test` runs every tier, `npm run test:unit` needs no Redis,
// `npx vitest run --project <tier>` runs one tier, `npx vitest run <file>` one file.
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";
import { TierPlanner } from "./test/setup/plan.js";
import { LongFilesFirst } from "./test/setup/sequencer.js";
import { TIERS } from "./test/setup/tiers.js";

export default defineConfig({
  resolve: {
    alias: {
      "redis-memory-gen": fileURLToPath(new URL("./generator/index.ts", import.meta.url)),
      "redis-memory": fileURLToPath(new URL("./runtime/index.ts", import.meta.url)),
    },
  },
  test: {
    // Hang guards, not time limits: three files run at once on a machine that may be
    // busy, and a test of 15 s on a quiet machine can take four times that.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A condition polled for is met as soon as it holds; the default 1 s deadline was a
    // race on a loaded machine (a batch reaching a fault proxy, a reply coming back).
    expect: { poll: { timeout: 15_000 } },
    pool: "forks",
    // Files mostly wait on redis-servers, not on this process: more files at once than
    // cores shortens the run (vitest's default on a 2-core machine is one at a time).
    // VITEST_MAX_WORKERS overrides it.
    maxWorkers: 3,
    sequence: { sequencer: LongFilesFirst },
    reporters: ["default", new TierPlanner()],
    projects: Object.entries(TIERS).map(([name, tier]) => ({
      extends: true,
      test: {
        name,
        include: [...tier.include],
        exclude: [...configDefaults.exclude, ...tier.exclude],
        globalSetup: tier.fixtures.length > 0 ? ["test/setup/global.ts"] : [],
      },
    })),
  },
});
