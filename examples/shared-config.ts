// Shared config: one process (an admin API) writes settings; every other process holds a
// live replica and reacts to each change as it arrives, without polling or restarts.
// Run: `npm run build && node dist/examples/shared-config.js`.
import { fileURLToPath } from "node:url";
import { SharedConfig } from "../generated/index.js";
import { runExample } from "./run.js";

export interface Seen {
  readonly checkout: boolean | undefined;
  readonly requestsPerSecond: number;
  readonly banner: string | null;
}

/** Resolves once `config` satisfies `ready` (checked now and on each change another process makes). */
export function until(config: SharedConfig, ready: (config: SharedConfig) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (ready(config)) return resolve();
    const off = config.$on("change", () => {
      if (ready(config)) {
        off();
        resolve();
      }
    });
  });
}

export async function sharedConfig(redis: string, service: string, readers = 3): Promise<Seen[]> {
  const replicas = await Promise.all(Array.from({ length: readers }, () => SharedConfig.open({ redis, id: service })));
  const admin = await SharedConfig.open({ redis, id: service });
  // One tick: one atomic batch, so no reader ever sees the flag without the new limit.
  admin.flags.newCheckout = true;
  admin.limits.requestsPerSecond = 50;
  admin.banner = "maintenance at 22:00 UTC";
  await admin.$flush();
  await Promise.all(replicas.map((config) => until(config, (c) => c.banner !== null)));
  const seen = replicas.map((config) => ({ checkout: config.flags.newCheckout, requestsPerSecond: config.limits.requestsPerSecond, banner: config.banner }));
  await Promise.all([admin, ...replicas].map((config) => config.$close()));
  return seen;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runExample(async (redis) => {
    const service = `config-${process.pid}`;
    console.log(await sharedConfig(redis, service));
    await (await SharedConfig.open({ redis, id: service, live: false })).$delete();
  });
}
