// Model-based property test: random sequences of every list and dict operation
// run against a plain JSON value and against a store; after each $flush() the
// replica, a freshly opened store and the plain value are deep-equal.
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { Memory } from "redis-memory";
import { redisUrl, uniqueId } from "../helpers/redis.js";
import { property } from "../helpers/property.js";

type J = null | boolean | number | string | J[] | { [k: string]: J };
type Path = (string | number)[];

const key = fc.constantFrom("a", "b", "c", "__proto__", "constructor", "toString", "k é", "");
const scalar: fc.Arbitrary<J> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<J> = fc.letrec<{ v: J }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true, maxDepth: 2 },
    scalar,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(key, tie("v"), { maxKeys: 3, noNullPrototype: true }),
  ),
})).v;

/** A command: which container (index into the containers found), what to do, with what. */
type Cmd = { pick: number; op: string; v: J; w: J; k: string; i: number; j: number };
const cmd: fc.Arbitrary<Cmd> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom(
    "push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin", "setIndex", "setLength",
    "append", "extend", "insert", "remove", "popAt", "clearList",
    "set", "delete", "update", "popKey", "popitem", "setdefault", "clearDict", "incr", "setUndefined",
  ),
  v: value,
  w: value,
  k: key,
  i: fc.integer({ min: -4, max: 6 }),
  j: fc.integer({ min: 0, max: 4 }),
});

function containers(root: J, path: Path = [], out: Path[] = []): Path[] {
  if (root !== null && typeof root === "object") {
    out.push(path);
    if (Array.isArray(root)) root.forEach((child, i) => containers(child, [...path, i], out));
    else for (const k of Object.keys(root)) containers(root[k]!, [...path, k], out);
  }
  return out;
}

const at = (root: any, path: Path): any => path.reduce((node, part) => node[part], root);
const clone = (v: J): J => JSON.parse(JSON.stringify(v)) as J;
const setOwn = (o: Record<string, J>, k: string, v: J): void => {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
};
const depth = (v: J): number => (v !== null && typeof v === "object" ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0);

/** Applies `c` to the model container and the synced one; returns both results. */
function apply(c: Cmd, model: any, synced: any): [unknown, unknown] | undefined {
  const both = (f: (x: any, plain: boolean) => unknown): [unknown, unknown] => [f(model, true), f(synced, false)];
  if (Array.isArray(model)) {
    const len = model.length;
    switch (c.op) {
      case "push": return both((x) => x.push(clone(c.v), clone(c.w)));
      case "append": return both((x, p) => (p ? x.push(clone(c.v)) : x.append(clone(c.v))) && undefined);
      case "extend": return both((x, p) => (p ? x.push(clone(c.v), clone(c.w)) : x.extend([clone(c.v), clone(c.w)])) && undefined);
      case "pop": return both((x) => x.pop());
      case "shift": return both((x) => x.shift());
      case "unshift": return both((x) => x.unshift(clone(c.v)));
      case "splice": return both((x) => x.splice(c.i, c.j, clone(c.v)));
      case "sort": return both((x) => void x.sort((a: J, b: J) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
      case "reverse": return both((x) => void x.reverse());
      case "fill": return both((x) => void x.fill(clone(c.v), c.i, c.i + c.j));
      case "copyWithin": return both((x) => void x.copyWithin(c.j, c.i, c.i + 2));
      case "setIndex": return c.j <= len ? both((x) => { x[c.j] = clone(c.v); }) : undefined;
      case "setLength": return c.j <= len ? both((x) => { x.length = c.j; }) : undefined;
      case "insert": return both((x, p) => (p ? x.splice(c.i < 0 ? Math.max(len + c.i, 0) : Math.min(c.i, len), 0, clone(c.v)) : x.insert(c.i, clone(c.v))) && undefined);
      case "remove": {
        if (len === 0) return undefined;
        const target = clone(model[c.j % len]);
        const index = model.findIndex((item: J) => JSON.stringify(item) === JSON.stringify(target));
        if (index < 0) return undefined;
        return both((x, p) => (p ? x.splice(index, 1) : x.remove(target)) && undefined);
      }
      case "popAt": {
        if (len === 0) return undefined;
        const i = c.i % len;
        return both((x, p) => (p ? x.splice(i < 0 ? len + i : i, 1)[0] : x.pop(i)));
      }
      case "clearList": return both((x, p) => (p ? x.splice(0) : x.clear()) && undefined);
      default: return undefined;
    }
  }
  const has = Object.prototype.hasOwnProperty.call(model, c.k);
  switch (c.op) {
    case "set": return both((x, p) => { if (p) setOwn(x, c.k, clone(c.v)); else x[c.k] = clone(c.v); });
    case "setUndefined": return both((x, p) => { if (p) delete x[c.k]; else x[c.k] = undefined; });
    case "delete": return both((x) => { delete x[c.k]; });
    case "update": return both((x, p) => { if (p) { setOwn(x, c.k, clone(c.v)); setOwn(x, "b", clone(c.w)); } else x.update(new Map([[c.k, clone(c.v)], ["b", clone(c.w)]])); });
    case "popKey": return both((x, p) => { if (!p) return x.pop(c.k, null); const v = has ? x[c.k] : null; delete x[c.k]; return v; });
    case "popitem": {
      const keys = Object.keys(model);
      if (keys.length === 0) return undefined;
      const last = keys[keys.length - 1]!;
      return both((x, p) => { if (!p) return x.popitem(); const v = x[last]; delete x[last]; return [last, v]; });
    }
    case "setdefault": return both((x, p) => { if (!p) { x.setdefault(c.k, clone(c.v)); return; } if (!has) setOwn(x, c.k, clone(c.v)); });
    case "clearDict": return both((x, p) => { if (p) for (const k of Object.keys(x)) delete x[k]; else x.clear(); });
    case "incr": {
      if (has && typeof model[c.k] !== "number") return undefined;
      return both((x, p) => { if (p) setOwn(x, c.k, (has ? x[c.k] : 0) + 5); else void x.incr(c.k, 5); });
    }
    default: return undefined;
  }
}

const shared = new Redis(redisUrl());
afterAll(async () => {
  await shared.quit();
});

describe("store vs plain model (fast-check)", () => {
  it("stays deep-equal to a plain value, in the replica and in Redis, after every flush", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 3, noNullPrototype: true }), fc.array(fc.array(cmd, { minLength: 1, maxLength: 4 }), { maxLength: 6 }), async (initial, batches) => {
        const id = uniqueId("model");
        const mem = (await Memory.open({ redis: shared, id, live: false })) as any;
        let model: any = {};
        try {
          mem.root = clone(initial);
          model.root = clone(initial);
          for (const batch of batches) {
            for (const c of batch) {
              const paths = containers(model.root);
              const path = paths[c.pick % paths.length]!;
              // Keep nesting within depth 3 so that values stay readable in failures.
              if (path.length + depth(c.v) > 3 || path.length + depth(c.w) > 3) continue;
              const results = apply(c, at(model.root, path), at(mem.root, path));
              if (results) expect(clone(results[1] as J ?? null)).toEqual(clone(results[0] as J ?? null));
              model = JSON.parse(JSON.stringify(model));
            }
            await mem.$flush();
            expect(mem.$asdict()).toEqual(model);
            const fresh = (await Memory.open({ redis: shared, id, live: false })) as any;
            expect(fresh.$asdict()).toEqual(model);
          }
        } finally {
          await mem.$delete();
        }
      }),
      property(200),
    );
  });
});
