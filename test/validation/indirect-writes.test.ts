// Values that change without a direct assignment of them are validated like ones that do:
// an increment adding a key, elements moving into other tuple positions, a container
// another writer created.
import { describe, expect, it } from "vitest";
import { Store, openStore, ValidationError, type DictShape, type StoreSchema, type Shape, type OpenOptions } from "redis-memory";
import { redisUrl, track, uniqueId } from "../helpers/redis.js";

const num: Shape = { kind: "scalar", validate: (v) => (typeof v === "number" ? null : [{ path: [], schemaPointer: "#/type", message: "not a number" }]) };
const str: Shape = { kind: "scalar", validate: (v) => (typeof v === "string" ? null : [{ path: [], schemaPointer: "#/type", message: "not a string" }]) };
const shape: DictShape = {
  kind: "dict",
  additional: false,
  properties: {
    small: { kind: "dict", additional: num, maxProperties: 1 },
    tup: { kind: "list", prefixItems: [str, num], items: { kind: "any" } },
    u: { kind: "union", validate: (v) => (Array.isArray(v) && !v.every((x) => typeof x === "number") ? [{ path: [], schemaPointer: "#/oneOf", message: "bad" }] : null), options: [{ kind: "list", items: num }, { kind: "scalar" }] },
  },
};
class T extends Store<any> {
  static readonly schema: StoreSchema = { name: "T", shape, hash: "t" };
  static open(o?: OpenOptions<any>): Promise<T> { return openStore(T, { redis: redisUrl(), live: false, ...o }); }
  get d(): any { return (this as any).$get("small"); }
  get tup(): any { return this.$get("tup"); }
  set tup(v: any) { this.$set("tup", v); }
  get u(): any { return this.$get("u"); }
  set u(v: any) { this.$set("u", v); }
  set small(v: any) { this.$set("small", v); }
}

describe("validation of writes that reach a value indirectly", () => {
  it("incr of a new key respects maxProperties", async () => {
    const t = track(await T.open({ id: uniqueId() }));
    t.small = { a: 1 };
    expect(() => { t.d.b = 2; }).toThrow(ValidationError);
    let threw = false;
    try { void t.d.incr("b"); } catch (e) { threw = e instanceof ValidationError; }
    expect({ threw, keys: Object.keys(t.d) }).toEqual({ threw: true, keys: ["a"] });
  });

  it("tuple positions are validated again when elements move (reverse, fill, shift)", async () => {
    const t = track(await T.open({ id: uniqueId() }));
    t.tup = ["a", 1];
    expect(() => { t.tup[1] = "x"; }).toThrow(ValidationError);
    const res: string[] = [];
    for (const f of [() => t.tup.reverse(), () => t.tup.fill("z"), () => t.tup.shift()]) {
      t.tup = ["a", 1];
      try { f(); res.push("accepted:" + JSON.stringify(t.tup)); } catch (e) { res.push("threw"); }
    }
    expect(res).toEqual(["threw", "threw", "threw"]);
  });

  it("a container another writer created at a union place validates local writes like one made here", async () => {
    const id = uniqueId();
    const a = track(await T.open({ id, live: true }));
    const b = track(await T.open({ id }));
    expect(() => { b.u = ["x"]; }).toThrow(ValidationError);
    b.u = [1];
    await b.$flush();
    for (let i = 0; i < 100 && !Array.isArray(a.u); i++) await new Promise((r) => setTimeout(r, 20));
    expect(a.u).toEqual([1]);
    expect(() => b.u.push("x")).toThrow(ValidationError);
    expect(() => a.u.push("x")).toThrow(ValidationError);
  });
});
