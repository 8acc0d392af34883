// Writes made one at a time: a test's data built step by step (push an element, set a
// key, nested containers first written empty), then changed one place at a time
// (replace an element or key with a value from another test of the group, delete one).
// Each step is applied to the plain value the store should hold, so that ajv can judge
// the whole value after it; a step whose place no longer exists (an earlier step was
// refused) is left out.
export type Path = readonly (string | number)[];

export type Step =
  | { readonly op: "set"; readonly path: Path; readonly value: unknown }
  | { readonly op: "delete"; readonly path: Path };

const isContainer = (value: unknown): value is object => typeof value === "object" && value !== null;
const emptyOf = (value: object): unknown => (Array.isArray(value) ? [] : {});
const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

/** The container at `path` inside `root`, or undefined. */
export function at(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (!isContainer(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Whether the step can be made on `current` (its parent exists and takes that key). */
export function applicable(current: unknown, step: Step): boolean {
  if (step.path.length === 0) return step.op === "set";
  const parent = at(current, step.path.slice(0, -1));
  const key = step.path.at(-1)!;
  if (!isContainer(parent)) return false;
  if (Array.isArray(parent)) {
    if (typeof key !== "number") return false;
    return step.op === "set" ? key <= parent.length : key < parent.length;
  }
  return typeof key === "string" && (step.op === "set" || Object.hasOwn(parent, key));
}

/** `current` after `step` (a new value; `current` is not changed). */
export function apply(current: unknown, step: Step): unknown {
  if (step.path.length === 0) return step.op === "set" ? clone(step.value) : undefined;
  const next = clone(current);
  const parent = at(next, step.path.slice(0, -1)) as Record<string | number, unknown> | unknown[];
  const key = step.path.at(-1)!;
  if (Array.isArray(parent)) {
    if (step.op === "set") parent[key as number] = clone(step.value);
    else parent.splice(key as number, 1);
  } else if (step.op === "set") Object.defineProperty(parent, key, { value: clone(step.value), enumerable: true, writable: true, configurable: true });
  else delete parent[key];
  return next;
}

function entries(value: object): [string | number, unknown][] {
  return Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
}

/** Steps that build `value` at `path` from nothing: containers empty first, then filled. */
function build(path: Path, value: unknown, depth: number, out: Step[]): void {
  if (!isContainer(value) || depth >= 3) {
    out.push({ op: "set", path, value });
    return;
  }
  out.push({ op: "set", path, value: emptyOf(value) });
  for (const [key, child] of entries(value)) build([...path, key], child, depth + 1, out);
}

/**
 * The step plan for `data`: start from the smallest prefix of it that `valid` accepts
 * (so that a container with `minItems` or `required` gets built), build the rest, then
 * change it one place at a time with `others` (values of the group's other tests).
 */
export function plan(data: unknown, others: readonly unknown[], valid: (value: unknown) => boolean): Step[] {
  const steps: Step[] = [];
  if (!isContainer(data)) {
    steps.push({ op: "set", path: [], value: data });
  } else {
    const all = entries(data);
    let start = all.length;
    for (let k = 0; k <= all.length; k++) {
      const prefix = Array.isArray(data) ? data.slice(0, k) : Object.fromEntries(all.slice(0, k));
      if (valid(prefix)) {
        start = k;
        break;
      }
    }
    const prefix = Array.isArray(data) ? data.slice(0, start) : Object.fromEntries(all.slice(0, start));
    steps.push({ op: "set", path: [], value: start === all.length ? data : prefix });
    if (start < all.length) for (const [key, child] of all.slice(start)) build([key], child, 1, steps);
  }
  // One place at a time: replace with values other tests hold there (or whole), then delete.
  const children = isContainer(data) ? entries(data).slice(0, 4) : [];
  for (const [key, child] of children) {
    const replacements = others.flatMap((other) => (isContainer(other) && Object.hasOwn(other, key) ? [(other as Record<string | number, unknown>)[key]] : [other]));
    for (const value of dedupe(replacements, child).slice(0, 3)) steps.push({ op: "set", path: [key], value });
    if (isContainer(child)) {
      const inner = entries(child).slice(0, 2);
      for (const [innerKey] of inner) steps.push({ op: "delete", path: [key, innerKey] });
    }
  }
  if (isContainer(data)) for (const [key] of entries(data).slice(0, 3).reverse()) steps.push({ op: "delete", path: [key] });
  return steps;
}

function dedupe(values: readonly unknown[], except: unknown): unknown[] {
  const seen = new Set<string>([JSON.stringify(except)]);
  return values.filter((value) => {
    const text = JSON.stringify(value);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}
