// vitest globalSetup of every tier that needs Redis (tiers.ts): provides the fixtures its
// tier names to its tests. Each fixture starts once per run whichever tiers use it, and
// the first setup of a run starts the fixtures of every tier the run has (plan.ts) at
// once; the last tier's teardown stops them all.
import type { TestProject } from "vitest/node";
import * as redisCluster from "./redis-cluster.js";
import * as redisSentinel from "./redis-sentinel.js";
import * as redisServer from "./redis-server.js";
import { fixtureRegistry, type StartedFixture } from "./registry.js";
import { isTierName, TIERS, type Fixture } from "./tiers.js";

const FIXTURES: Record<Fixture, () => Promise<StartedFixture>> = {
  server: redisServer.start,
  cluster: redisCluster.start,
  sentinel: redisSentinel.start,
};

function startOnce(fixture: Fixture): Promise<StartedFixture> {
  const { started } = fixtureRegistry();
  let starting = started.get(fixture);
  if (!starting) {
    starting = FIXTURES[fixture]();
    // Awaited by the tiers that use it; a failure of one no tier awaited yet must not be unhandled.
    starting.catch(() => undefined);
    started.set(fixture, starting);
  }
  return starting;
}

export async function setup(project: TestProject): Promise<void> {
  const name = project.name;
  if (!isTierName(name)) throw new Error(`test/setup/global.ts: "${name}" is no tier of test/setup/tiers.ts`);
  const registry = fixtureRegistry();
  const tiers = new Set([...(registry.planned ?? []), name].filter(isTierName));
  const wanted = new Set([...tiers].flatMap((tier) => TIERS[tier].fixtures));
  for (const fixture of wanted) void startOnce(fixture);
  registry.users += 1;
  try {
    for (const started of await Promise.all(TIERS[name].fixtures.map(startOnce))) started.provide(project);
  } catch (error) {
    await teardown();
    throw error;
  }
}

export async function teardown(): Promise<void> {
  const registry = fixtureRegistry();
  registry.users -= 1;
  if (registry.users > 0) return;
  const all = [...registry.started.values()];
  registry.started.clear();
  await Promise.allSettled(all.map(async (starting) => (await starting).stop()));
}
