// One vitest project per test tier (test/setup/tiers.ts): a run starts only the servers
// its files need. `npm test` runs every tier, `npm run test:unit` needs no Redis,
// `npx vitest run --project <tier>` runs one tier, `npx vitest run <file>` one file.
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";
import { TierPlanner } from "./test/setup/plan.js";
import { TIERS } from "./test/setup/tiers.js";

export default defineConfig({
  resolve: {
    alias: {
      "redis-memory-gen": fileURLToPath(new URL("./generator/index.ts", import.meta.url)),
      "redis-memory": fileURLToPath(new URL("./runtime/index.ts", import.meta.url)),
    },
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
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
