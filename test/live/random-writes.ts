// Random writes for the convergence property tests: a step picks one container of a
// store (by its place in the store's data) and applies one list or dict operation.
import fc from "fast-check";

type J = null | boolean | number | string | J[] | { [k: string]: J };
type Path = (string | number)[];

const key = fc.constantFrom("a", "b", "c", "n", "__proto__");
const scalar: fc.Arbitrary<J> = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<J> = fc.letrec<{ v: J }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", maxDepth: 2 },
    scalar,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(key, tie("v"), { maxKeys: 3, noNullPrototype: true }),
  ),
})).v;

export interface Step {
  store: number;
  pick: number;
  op: string;
  v: J;
  k: string;
  i: number;
  j: number;
  /** Let batches leave and feeds run before the next step. */
  yieldAfter: boolean;
}
export const step: fc.Arbitrary<Step> = fc.record({
  store: fc.integer({ min: 0, max: 2 }),
  pick: fc.nat(),
  op: fc.constantFrom("push", "pop", "shift", "unshift", "splice", "setIndex", "reverse", "clear", "set", "delete", "update", "incr"),
  v: value,
  k: key,
  i: fc.integer({ min: 0, max: 4 }),
  j: fc.integer({ min: 0, max: 2 }),
  yieldAfter: fc.boolean(),
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
const copy = (v: J): J => JSON.parse(JSON.stringify(v)) as J;

export function run(s: Step, store: any): void {
  const paths = containers(store.$asdict() as J);
  const target = at(store, paths[s.pick % paths.length]!);
  if (Array.isArray(target)) {
    const list: any = target;
    switch (s.op) {
      case "push": return void list.push(copy(s.v));
      case "pop": return void list.pop();
      case "shift": return void list.shift();
      case "unshift": return void list.unshift(copy(s.v));
      case "splice": return void list.splice(s.i, s.j, copy(s.v));
      case "setIndex": if (s.i < list.length) list[s.i] = copy(s.v); return;
      case "reverse": return void list.reverse();
      case "clear": return void list.clear();
      default: return void list.push(copy(s.v));
    }
  }
  const dict: any = target;
  switch (s.op) {
    case "delete": return void delete dict[s.k];
    case "update": return void dict.update({ [s.k]: copy(s.v) });
    case "clear": return void (target === store ? undefined : dict.clear());
    case "incr": {
      if (target === store) return void store.$incr("count", s.i - 2).catch(() => undefined);
      return void (typeof dict.n === "number" || dict.n === undefined ? dict.incr("n", s.i - 2).catch(() => undefined) : undefined);
    }
    default: return void (dict[s.k] = copy(s.v));
  }
}

/** Runs `steps` on their stores, letting batches leave where a step says, then flushes every store. */
export async function runSteps(steps: readonly Step[], stores: readonly any[]): Promise<void> {
  for (const s of steps) {
    try {
      run(s, stores[s.store]!);
    } catch {
      // A write through a collection another store removed, an index gone: refused locally.
    }
    if (s.yieldAfter) await new Promise((resolve) => setImmediate(resolve));
  }
  // A batch the server refused (an index no longer there) rejects its flush.
  await Promise.allSettled(stores.map((store) => store.$flush()));
}
