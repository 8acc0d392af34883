// A store's writes made for one incarnation of an instance never land in the next one:
// an instance deleted (or expired) and created again has a new epoch, whoever creates it.
import { describe, expect, it } from "vitest";
import { WriteError } from "redis-memory";
import { openMemory, rawClient, uniqueId } from "../helpers/redis.js";

describe("epochs", () => {
  it("an instance $delete()d and written again by the same store refuses another store's writes made for the deleted one", async () => {
    const id = uniqueId("epoch-delete");
    const creator = await openMemory(id);
    creator.title = "first";
    await creator.$flush();
    const other = await openMemory(id);
    expect(other.title).toBe("first");

    await creator.$delete();
    creator.fresh = "second incarnation";
    await creator.$flush();

    // `other` still holds the deleted instance: its write must be refused, not land in the new one.
    other.stale = "made for the deleted instance";
    const error = await other.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("epoch");
    expect(await rawClient().hgetall(`${creator.$key}:root`)).toEqual({ fresh: JSON.stringify("second incarnation") });
  });

  it("an instance that expired and is written again by the store that created it refuses another store's writes made for the expired one", async () => {
    const id = uniqueId("epoch-expire");
    const creator = await openMemory(id, { ttl: 200 });
    creator.title = "first";
    await creator.$flush();
    const other = await openMemory(id);
    const raw = rawClient();
    await expect.poll(() => raw.exists(`${creator.$key}:meta`), { timeout: 10_000, interval: 50 }).toBe(0);

    // The creator learns of the expiry from its refused batch, reloads and writes the new instance.
    creator.title = "refused";
    await expect(creator.$flush()).rejects.toBeInstanceOf(WriteError);
    creator.fresh = "second incarnation";
    await creator.$flush();

    other.stale = "made for the expired instance";
    const error = await other.$flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("epoch");
    expect(await raw.hgetall(`${creator.$key}:root`)).toEqual({ fresh: JSON.stringify("second incarnation") });
  });
});
