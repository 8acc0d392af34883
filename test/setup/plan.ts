// A reporter (vitest.config.ts) that notes which tiers have files in the run as it starts,
// before any globalSetup runs: vitest sets projects up one after another, so without
// it the Cluster would start only once the single server is up, then the Sentinel setup.
// With it the first setup starts every fixture of the run at once. Without it (a
// `--reporter` on the command line replaces the config's) fixtures still start, in turn.
import type { Reporter, TestSpecification } from "vitest/node";
import { fixtureRegistry } from "./registry.js";

export class TierPlanner implements Reporter {
  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    fixtureRegistry().planned = new Set(specifications.map((spec) => spec.project.name));
  }
}
