// What the fixture setups of one test run share: the fixtures started (each once per run,
// whichever tiers use it), how many tiers still use them, and the tiers the run will set
// up. Kept on globalThis because vitest loads the config (plan.ts) and each project's
// globalSetup as separate module instances in the one main process.
import type { TestProject } from "vitest/node";
import type { Fixture } from "./tiers.js";

/** A started fixture: what it gives a tier's tests, and how it stops. */
export interface StartedFixture {
  provide(project: TestProject): void;
  stop(): Promise<void>;
}

export interface FixtureRegistry {
  readonly started: Map<Fixture, Promise<StartedFixture>>;
  /** Tiers set up and not torn down yet; the last teardown stops every fixture. */
  users: number;
  /** The tiers that have files in the current run (set when the run starts). */
  planned: ReadonlySet<string> | undefined;
}

const KEY = Symbol.for("redis-memory.test-fixtures");

export function fixtureRegistry(): FixtureRegistry {
  const holder = globalThis as { [KEY]?: FixtureRegistry };
  return (holder[KEY] ??= { started: new Map(), users: 0, planned: undefined });
}
