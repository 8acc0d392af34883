// Data read from Redis (an open or a reload) checked against this process's schema,
// and what `onInvalid` does with what does not match. "fail": open() rejects, a reload
// reports an `error` event (the replica still equals Redis). "load-valid" (or a
// function): the replica leaves out the smallest places that make the data invalid (an
// element of a list, a key of a dict, never the root), and Redis keeps them: the load
// writes and deletes nothing. A left-out key whose schema has a default shows that
// default; a required key without one cannot be left out, so the place holding it goes
// (at the root: the open fails naming the field). Writes that would overwrite or drop a
// left-out place are refused or aimed around it (runtime/left-out.ts).
import { ValidationError, asSyncFailure, type DataPath, type LeftOutPlace, type ValidationProblem } from "./errors.js";
import { DictNode, ListNode, nodeOf, type Node } from "./node.js";
import type { Replica } from "./replica.js";
import type { DictShape, ListShape, Shape, ValidationIssue } from "./shape.js";
import { childShape, resolveShape } from "./validate.js";
import { defineData, plainCopy, plainView } from "./values.js";

/** `onInvalid` as open() resolved it. */
export type OnInvalid = "fail" | "load-valid" | ((error: ValidationError, leftOut: readonly LeftOutPlace[]) => void);

/** Where the data came from: an open rejects on what it cannot load, a reload reports it. */
export type LoadPhase = "open" | "reload";

/**
 * Checks the replica, just loaded, against the schema (with `extra`: the root values an
 * open is about to fill in) and applies `mode`. At an open, throws what the open must
 * reject with; at a reload, reports it as an `error` event.
 */
export function checkLoad(replica: Replica, mode: OnInvalid, phase: LoadPhase, extra: Readonly<Record<string, unknown>> = {}): void {
  const root = replica.root;
  const validate = root.shape.validate;
  if (!validate) return;
  if (validApart(root, validate, extra)) return;
  // Read only: records parsed at load are shared, not copied.
  const value = plainView(root.proxy) as Record<string, unknown>;
  for (const key of Object.keys(extra)) defineData(value, key, extra[key]);
  const issues = validate(value);
  if (!issues) return;
  const error = new ValidationError(absolute([], issues));
  if (mode === "fail") return report(replica, phase, error);
  let leftOut: LeftOutPlace[];
  try {
    leftOut = plan(value, root.shape);
  } catch (refusal) {
    // Nothing can be left out: the replica stays as Redis holds it.
    if (refusal instanceof ValidationError) return report(replica, phase, refusal);
    throw refusal;
  }
  leaveOut(replica, leftOut);
  if (typeof mode !== "function") {
    if (phase === "reload") replica.events.emit("error", error);
    return;
  }
  if (phase === "open") return mode(error, leftOut);
  try {
    mode(error, leftOut);
  } catch (thrown) {
    replica.events.emit("error", asSyncFailure(replica.ns, "calling the onInvalid function", thrown));
  }
}

/**
 * Whether the root is valid, judged as a write judges it: each element of a list of the
 * root whose schema says nothing about the list as a whole (no sizes, tuple positions,
 * uniqueness, nor a `whole` keyword on it or the root) by its items' validator, one call
 * per element, and the rest by the root's validator with such lists shown empty. The
 * root's validator would reach each element through a call that builds the element's
 * path and options first (a third of a loaded conversation's check). False when anything
 * is invalid: the caller then checks the whole root as it is, which names every problem.
 */
function validApart(root: DictNode, validate: NonNullable<Shape["validate"]>, extra: Readonly<Record<string, unknown>>): boolean {
  if (root.shape.whole) return false;
  const value = plainView(root.proxy) as Record<string, unknown>;
  for (const key of Object.keys(root.fields)) {
    const list = nodeOf(root.fields[key]);
    if (!(list instanceof ListNode) || !checkedApart(list.shape)) continue;
    const check = list.shape.items.validate;
    const items = value[key] as readonly unknown[];
    if (check) for (let i = 0; i < items.length; i++) if (check(items[i]) !== null) return false;
    defineData(value, key, []);
  }
  for (const key of Object.keys(extra)) defineData(value, key, extra[key]);
  return validate(value) === null;
}

/** A list's elements can be validated one by one: its schema has nothing about the list as a whole. */
const checkedApart = (shape: Shape): shape is ListShape =>
  shape.kind === "list" && !shape.whole && shape.prefixItems === undefined && shape.minItems === undefined && shape.maxItems === undefined && shape.uniqueItems !== true;

function report(replica: Replica, phase: LoadPhase, error: ValidationError): void {
  if (phase === "open") throw error;
  replica.events.emit("error", error);
}

const absolute = (base: DataPath, issues: readonly ValidationIssue[]): ValidationProblem[] =>
  issues.map((issue) => ({ path: [...base, ...issue.path], schemaPointer: issue.schemaPointer, message: issue.message }));

/** A copy of the raw value, for the report (the loaded value is shared with the replica). */
const raw = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

type Repaired = { readonly value: unknown } | { readonly problems: ValidationProblem[] };
/** A dict's keys, repaired; or the required key that could not be, with its problems. */
type Children = { readonly copy: unknown } | { readonly gone: string; readonly problems: ValidationProblem[] };

/**
 * The places to leave out of the root `value` so that it is valid, in the order a
 * depth-first walk meets them (list positions ascending). Throws ValidationError when
 * none will do: a required root field without a default is invalid, or the root itself
 * is (a keyword about the whole object).
 */
function plan(value: Record<string, unknown>, shape: Shape): LeftOutPlace[] {
  const out: LeftOutPlace[] = [];
  const children = repairChildren(value, shape, [], out);
  if ("gone" in children) {
    throw new ValidationError([
      ...children.problems,
      {
        path: [children.gone],
        schemaPointer: `${shape.source ?? "#"}/required`,
        message: `required field ${JSON.stringify(children.gone)} does not match the schema and has no default to read as, so onInvalid: "load-valid" cannot leave it out; repair it in Redis`,
      },
    ]);
  }
  const issues = shape.validate?.(children.copy);
  if (issues) throw new ValidationError(absolute([], issues));
  return out;
}

/**
 * What of `value` (at `path`, of place shape `shape`) can stay: the value when it is
 * valid; a copy without its invalid parts (each added to `out`) when that copy is valid;
 * else the problems that make the place itself go (and what was added to `out` for its
 * parts is taken back: the place is reported whole).
 */
function repair(value: unknown, shape: Shape, path: DataPath, out: LeftOutPlace[]): Repaired {
  const issues = shape.validate?.(value);
  if (!issues) return { value };
  const problems = absolute(path, issues);
  if (typeof value !== "object" || value === null) return { problems };
  const mark = out.length;
  const resolved = shape.kind === "union" ? resolveShape(shape, value) : shape;
  const children = repairChildren(value, resolved, path, out);
  if ("copy" in children && !shape.validate!(children.copy)) return { value: children.copy };
  out.length = mark;
  return { problems };
}

function repairChildren(value: object, shape: Shape, path: DataPath, out: LeftOutPlace[]): Children {
  if (Array.isArray(value)) {
    const kept: unknown[] = [];
    value.forEach((item: unknown, i) => {
      const result = repair(item, childShape(shape, i), [...path, i], out);
      if ("value" in result) kept.push(result.value);
      else out.push({ path: [...path, i], value: raw(item), problems: result.problems });
    });
    return { copy: kept };
  }
  const copy: Record<string, unknown> = {};
  const dict = shape.kind === "dict" ? shape : undefined;
  const required = new Set(dict?.required ?? []);
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const place = [...path, key];
    if (dict && closedAgainst(dict, key)) {
      const message = `property ${JSON.stringify(key)} is not allowed here (closed object)`;
      out.push({ path: place, value: raw(item), problems: [{ path: place, schemaPointer: `${dict.source ?? "#"}/additionalProperties`, message }] });
      continue;
    }
    const child = childShape(shape, key);
    const result = repair(item, child, place, out);
    if ("value" in result) defineData(copy, key, result.value);
    else if (child.default !== undefined) {
      defineData(copy, key, raw(child.default));
      out.push({ path: place, value: raw(item), problems: result.problems, fallback: raw(child.default) });
    } else if (required.has(key)) return { gone: key, problems: result.problems };
    else out.push({ path: place, value: raw(item), problems: result.problems });
  }
  // A required key Redis lacks reads as its default, when it has one.
  for (const key of required) {
    const fallback = childShape(shape, key).default;
    if (Object.hasOwn(copy, key) || fallback === undefined) continue;
    const message = `must have required property ${JSON.stringify(key)} (required)`;
    defineData(copy, key, raw(fallback));
    out.push({ path: [...path, key], value: undefined, problems: [{ path, schemaPointer: `${dict?.source ?? "#"}/required`, message }], fallback: raw(fallback) });
  }
  return { copy };
}

/** A key a closed object does not declare. */
function closedAgainst(shape: DictShape, key: string): boolean {
  if (shape.additional !== false) return false;
  if (shape.properties && Object.hasOwn(shape.properties, key)) return false;
  return !shape.patternProperties?.some((p) => new RegExp(p.pattern, "u").test(key));
}

/**
 * Takes the planned places out of the replica (the plan's list positions are Redis',
 * which the replica's indexes equal until a place of that list is left out). Nothing is
 * queued for Redis and no container's key is released: Redis keeps every place.
 */
function leaveOut(replica: Replica, places: readonly LeftOutPlace[]): void {
  for (const place of places) {
    let node: Node = replica.root;
    for (const segment of place.path.slice(0, -1)) node = childOf(replica, node, segment);
    // Inline containers keep the text Redis holds (taken before anything inside them goes).
    for (let n: Node | undefined = node; n && !n.stored; n = n.parent) if (n.original === undefined) n.original = raw(plainCopy(n.proxy));
    const last = place.path[place.path.length - 1]!;
    if (node instanceof ListNode) {
      const position = last as number;
      const hidden = (node.hidden ??= []);
      const index = position - hidden.filter((h) => h < position).length;
      forget(node.items[index]);
      node.items.splice(index, 1);
      hidden.push(position);
      hidden.sort((a, b) => a - b);
    } else {
      const dict = node as DictNode;
      const key = last as string;
      forget(dict.fields[key]);
      if ("fallback" in place) {
        const shown = replica.hydrate(raw(place.fallback), dict, key, childShape(dict.shape, key));
        dict.put(key, shown);
        // Redis holds something else here: a write inside it must not promote this text.
        const child = nodeOf(shown);
        if (child) child.leftOut = true;
      } else dict.remove(key);
      (dict.hidden ??= new Set()).add(key);
    }
    for (let n: Node | undefined = node; n; n = n.parent) {
      n.leftOut = true;
      if (n.stored) break;
    }
  }
}

/** The container at `segment` of `node` (a record a list holds as parsed JSON becomes a node). */
function childOf(replica: Replica, node: Node, segment: string | number): Node {
  if (node instanceof ListNode) {
    const position = segment as number;
    const index = position - (node.hidden ?? []).filter((h) => h < position).length;
    return nodeOf(replica.element(node, index))!;
  }
  return nodeOf((node as DictNode).fields[segment as string])!;
}

/**
 * A value the replica stops showing: its containers are detached locally (a reference
 * user code holds says DetachedError), but not released: their keys stay in Redis.
 */
function forget(value: unknown): void {
  const node = nodeOf(value);
  if (!node) return;
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.lastPath = n.path();
    n.attached = false;
    if (n.stored) n.owner.nodes.delete(n.id);
    stack.push(...n.children());
  }
}
