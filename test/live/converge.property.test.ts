// Three live stores of one instance run random operations, interleaved and
// without flushing in between (a store often writes before it has seen the
// others' writes). After all flush and the feeds settle, the three replicas and a
// freshly opened store are deep-equal.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openMemory, rawClient, uniqueId } from "../helpers/redis.js";
import { settle } from "./settle.js";
import { runSteps, step } from "./random-writes.js";
import { property } from "../helpers/property.js";

describe("live replicas converge (property)", () => {
  it("3 stores with interleaved random writes end equal to each other and to a fresh open", async () => {
    const raw = rawClient();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const id = uniqueId("conv");
        const stores = [await openMemory(id, { live: true }), await openMemory(id, { live: true }), await openMemory(id, { live: true })];
        try {
          await runSteps(steps, stores);
          await settle(stores, raw);
          const fresh = await openMemory(id);
          const expected = fresh.$asdict();
          for (const store of stores) expect(store.$asdict()).toEqual(expected);
          await fresh.$close();
        } finally {
          await Promise.allSettled(stores.map((store) => store.$close()));
        }
      }),
      property(100),
    );
  });
});
