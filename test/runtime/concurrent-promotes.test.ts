// Two stores that hold the same inline record (or inline list) and change it in place:
// the second one's promote finds the first one's container and writes there.
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { openMemory, orphanKeys, rawClient, uniqueId } from "../helpers/redis.js";

describe("concurrent promotes", () => {
  it("a second store changing a record and a list another store already made containers lands in them, and so do its next batches", async () => {
    const id = uniqueId("promote-twice");
    const setup = await openMemory(id);
    setup.msgs = [{ n: 0 }, { n: 1 }, { n: 2 }];
    setup.tags = ["x"];
    await setup.$flush();
    const first = await openMemory(id);
    const second = await openMemory(id);
    const live = await openMemory(id, { live: true });

    first.msgs[1].a = 1;
    first.tags.push("a");
    await first.$flush();
    // `second` still holds both inline: its promotes find `first`'s containers.
    second.msgs[1].b = 2;
    second.tags.push("b");
    await second.$flush();
    second.msgs[1].b2 = 3;
    second.tags.push("b2");
    await second.$flush();

    const expected = { msgs: [{ n: 0 }, { n: 1, a: 1, b: 2, b2: 3 }, { n: 2 }], tags: ["x", "a", "b", "b2"] };
    expect((await openMemory(id)).$asdict()).toEqual(expected);
    await expect.poll(() => live.$asdict(), { timeout: 10_000 }).toEqual(expected);
    expect(await orphanKeys(rawClient(), setup.$key)).toEqual([]);
  });

  it("a store changing a record that another writer replaced with a new one (then changed in place) is refused, not written into the new record", async () => {
    const id = uniqueId("promote-replaced");
    const setup = await openMemory(id);
    setup.msgs = [{ n: 0 }, { n: 1 }];
    await setup.$flush();
    const replacer = await openMemory(id);
    const stale = await openMemory(id);

    replacer.msgs[1] = { n: "new" };
    replacer.msgs[1].z = 1;
    await replacer.$flush();
    // `stale` still holds the old record {n: 1} inline at that index.
    stale.msgs[1].old = true;
    const error = await stale.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("conflict");
    expect((await openMemory(id)).$asdict()).toEqual({ msgs: [{ n: 0 }, { n: "new", z: 1 }] });
    expect(stale.$asdict()).toEqual({ msgs: [{ n: 0 }, { n: "new", z: 1 }] });
  });

  it("a list another writer made a container, changed by index after an unshift in the same batch, lands at the shifted index", async () => {
    const id = uniqueId("promote-shift");
    const setup = await openMemory(id);
    setup.list = [{ n: 0 }, { n: 1 }];
    await setup.$flush();
    const first = await openMemory(id);
    const second = await openMemory(id);
    first.list.push(9);
    await first.$flush();
    // `second` holds the list inline; its promote joins `first`'s container.
    second.list.unshift(5);
    second.list[1].x = 1;
    await second.$flush();
    expect((await openMemory(id)).$asdict()).toEqual({ list: [5, { n: 0, x: 1 }, { n: 1 }, 9] });
  });
});
