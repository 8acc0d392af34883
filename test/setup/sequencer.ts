// The order a run takes its files in (vitest.config.ts): the files known to take longest
// first, then vitest's own order (longest first by the last run's cache, else largest
// first, tier by tier). Several files run at once (maxWorkers): a long file taken last
// would run alone at the end of the run; taken first, the short files fill the other
// workers around it. Only the order depends on this list: a file missing from it runs
// all the same (a file grown long is worth adding).
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Longest first, as measured over whole runs. */
export const LONG_FILES: readonly string[] = [
  "test/runtime/large-ticks.test.ts",
  "test/runtime/large-ticks.cluster.test.ts",
  "test/validation/json-schema-suite.test.ts",
  "test/generator/cli.unit.test.ts",
  "test/generator/cli-usage.unit.test.ts",
  "test/generator/corpus.test.ts",
  "test/generator/evolution.unit.test.ts",
  "test/deploy/stores.cluster.test.ts",
];

export class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const at = LONG_FILES.indexOf(relative(this.ctx.config.root, spec.moduleId).split("\\").join("/"));
      return at < 0 ? LONG_FILES.length : at;
    };
    return sorted
      .map((spec, order) => ({ spec, order, rank: rank(spec) }))
      .sort((a, b) => a.rank - b.rank || a.order - b.order)
      .map(({ spec }) => spec);
  }
}
