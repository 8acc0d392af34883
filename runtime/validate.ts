// Schema checks of a write at the place it lands. The place's shape (from the
// generator) validates only the value written, so the cost follows its size;
// the container-level keywords (closed objects, required, sizes, uniqueness) are
// checked here on each mutation from the shape's fields. A container whose schema has
// a keyword about its whole value (`whole` in its shape: `contains`, `oneOf`, ...) is
// validated whole after each change inside it: the cost follows that container's size.
import { ValidationError, type DataPath, type ValidationProblem } from "./errors.js";
import type { DictNode, ListNode, Node } from "./node.js";
import { anyShape, type DictShape, type ListShape, type Shape } from "./shape.js";
import { defineData, plainCopy, plainView } from "./values.js";

const patterns = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let regex = patterns.get(source);
  if (!regex) {
    regex = new RegExp(source, "u");
    patterns.set(source, regex);
  }
  return regex;
}

function declaredShape(shape: DictShape, key: string): Shape | undefined {
  if (shape.properties && Object.hasOwn(shape.properties, key)) return shape.properties[key];
  return shape.patternProperties?.find((p) => patternOf(p.pattern).test(key))?.shape;
}

/** The shape of `shape[key]`: list item, tuple position, declared or additional property. */
export function childShape(shape: Shape, key: string | number): Shape {
  switch (shape.kind) {
    case "list":
      return (typeof key === "number" ? shape.prefixItems?.[key] : undefined) ?? shape.items;
    case "dict": {
      const declared = typeof key === "string" ? declaredShape(shape, key) : undefined;
      if (declared) return declared;
      return shape.additional === false || shape.additional === undefined ? anyShape : shape.additional;
    }
    default:
      return anyShape;
  }
}

function kindFits(shape: Shape, value: unknown): boolean {
  switch (shape.kind) {
    case "list":
      return Array.isArray(value);
    case "dict":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "scalar":
      return typeof value !== "object" || value === null;
    default:
      return true;
  }
}

/**
 * The shape a value takes at a union place: the first option it is valid for (so
 * that the container it becomes checks later writes against that option).
 */
export function resolveShape(shape: Shape, value: unknown): Shape {
  if (shape.kind !== "union") return shape;
  const plain = typeof value === "object" && value !== null ? plainCopy(value) : value;
  // One option of the value's kind (the others of other kinds, or "any"): it takes the value
  // without a validation (the write validated it at its place; a union's whole check judges
  // changes inside it).
  let only: Shape | undefined;
  let count = 0;
  for (const option of shape.options) {
    if (option.kind !== "any" && kindFits(option, plain)) {
      only = option;
      count++;
    }
  }
  if (count === 1 && only !== undefined) return chosen(shape, resolveShape(only, plain));
  for (const option of shape.options) {
    if (!kindFits(option, plain)) continue;
    if (!option.validate || option.validate(plain) === null) return chosen(shape, resolveShape(option, plain));
  }
  return chosen(shape, anyShape);
}

// A union place's value keeps its union's whole check (`oneOf` must still hold after a
// change inside it): the option it took, with the union's validator as well.
const chosenOptions = new WeakMap<Shape, WeakMap<Shape, Shape>>();
function chosen(union: Shape, option: Shape): Shape {
  if (!union.whole || !union.validate) return option;
  let byUnion = chosenOptions.get(option);
  if (!byUnion) chosenOptions.set(option, (byUnion = new WeakMap()));
  let shape = byUnion.get(union);
  if (!shape) {
    // Judged by the union: a change inside may make the value another option's (anyOf, oneOf).
    const source = option.source ?? union.source;
    const made: Shape = { ...withoutLimits(option), whole: true, validate: union.validate, ...(source === undefined ? {} : { source }) };
    byUnion.set(union, made);
    return made;
  }
  return shape;
}

/** The option's own container limits (required keys, sizes, closed keys) give way to the union's whole check. */
function withoutLimits(shape: Shape): Shape {
  if (shape.kind === "dict") {
    const { required: _r, minProperties: _min, maxProperties: _max, ...rest } = shape;
    return { ...rest, additional: shape.additional === false ? anyShape : (shape.additional ?? anyShape) };
  }
  if (shape.kind === "list") {
    const { minItems: _min, maxItems: _max, uniqueItems: _u, ...rest } = shape;
    return rest;
  }
  return shape;
}

// Writes made as one (update(), the defaults of a new instance) check the whole value once.
let deferWhole = 0;
export function asOneWrite<T>(fn: () => T): T {
  deferWhole++;
  try {
    return fn();
  } finally {
    deferWhole--;
  }
}

/** Whether a change inside `node` has containers to validate whole (it or an ancestor is `whole`). */
export function needsWholeCheck(node: Node): boolean {
  if (deferWhole > 0) return false;
  for (let n: Node | undefined = node; n; n = n.parent) if (n.shape.whole && n.shape.validate) return true;
  return false;
}

/**
 * `node` is about to hold `next()` (a plain value): `node` and each container holding it
 * that is `whole` must stay valid as a whole. Throws `ValidationError` otherwise.
 */
export function checkWhole(node: Node, next: () => unknown): void {
  const refusal = deferred;
  deferred = undefined;
  if (!needsWholeCheck(node)) {
    if (refusal) throw refusal;
    return;
  }
  const value = next();
  const inner = node.path();
  for (let n: Node | undefined = node; n; n = n.parent) {
    const validate = n.shape.whole ? n.shape.validate : undefined;
    if (!validate) continue;
    const outer = n === node ? inner : n.path();
    const whole = n === node ? value : replaced(plainCopy(n.proxy), inner.slice(outer.length), value);
    const issues = validate(whole);
    // The value's own schema said why first: its message is the more precise one.
    if (issues) throw refusal ?? new ValidationError(issues.map((i) => ({ path: [...outer, ...i.path], schemaPointer: i.schemaPointer, message: i.message })));
  }
}

/**
 * A value its place's schema refused, inside a container that is validated whole after
 * the write: that container's schema decides (a union's other option may take it), and
 * this error is the one thrown if it refuses too.
 */
let deferred: ValidationError | undefined;

function replaced(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent[last as number] = value;
  else defineData(parent, String(last), value);
  return root;
}

const plainList = (items: readonly unknown[]): unknown[] => items.map(plainCopy);
function plainDict(node: DictNode, set: readonly (readonly [string, unknown])[], removed: readonly string[]): Record<string, unknown> {
  const out = plainCopy(node.proxy) as Record<string, unknown>;
  for (const key of removed) delete out[key];
  for (const [key, value] of set) {
    if (value === undefined) delete out[key];
    else defineData(out, key, plainCopy(value));
  }
  return out;
}

/**
 * Gives `node` (whose contents are decoded: a load or another writer's batch) the
 * shape it takes at a place of shape `shape`, resolving union places by content
 * as a local write does, and its subtree the shapes that follow.
 */
export function assignShape(node: Node, shape: Shape): void {
  const resolved = shape.kind === "union" ? resolveShape(shape, plainCopy(node.proxy)) : shape;
  node.shape = resolved;
  for (const child of node.children()) {
    const key = child.key ?? (node as ListNode).items.indexOf(child.proxy);
    assignShape(child, childShape(resolved, key));
  }
}

function fail(node: Node, key: string | number | undefined, pointer: string, message: string): never {
  const path: (string | number)[] = node.path();
  if (key !== undefined) path.push(key);
  throw new ValidationError([{ path, schemaPointer: pointer, message }]);
}

const pointerOf = (shape: Shape, keyword: string): string => `${shape.keywords ?? shape.source ?? "#"}/${keyword}`;

/** Throws `ValidationError` (paths from the store root) unless `value` fits `shape`. */
export function validatePlace(shape: Shape, value: unknown, parent: Node, key: string | number): void {
  // Only the last value checked keeps its refusal for the whole check (a refusal of an aborted write never leaks).
  deferred = undefined;
  if (parent.kind === "dict") checkKeyAllowed(parent as DictNode, key as string);
  const validate = shape.validate;
  if (!validate) return;
  const issues = validate(value);
  if (!issues) return;
  const base: DataPath = [...parent.path(), key];
  const error = new ValidationError(
    issues.map((issue) => ({ path: [...base, ...issue.path], schemaPointer: issue.schemaPointer, message: issue.message })),
  );
  if (!needsWholeCheck(parent)) throw error;
  deferred ??= error;
}

/** A closed object (`additionalProperties: false`) takes only its declared properties. */
function checkKeyAllowed(node: DictNode, key: string): void {
  const shape = node.shape;
  if (shape.kind !== "dict" || shape.additional !== false || declaredShape(shape, key) !== undefined) return;
  const allowed = Object.keys(shape.properties ?? {}).map((k) => JSON.stringify(k)).join(", ");
  fail(node, key, pointerOf(shape, "additionalProperties"), `property ${JSON.stringify(key)} is not allowed here (closed object; allowed: ${allowed || "none"})`);
}

/** Keys about to be removed from a dict: required ones and minProperties say no. */
export function checkRemoval(node: DictNode, keys: readonly string[]): void {
  removalLimits(node, keys);
  if (keys.length > 0) checkWhole(node, () => plainDict(node, [], keys));
}

function removalLimits(node: DictNode, keys: readonly string[]): void {
  const shape = node.shape;
  if (shape.kind !== "dict" || keys.length === 0) return;
  const required = shape.required?.find((key) => keys.includes(key));
  if (required !== undefined) fail(node, required, pointerOf(shape, "required"), `${JSON.stringify(required)} is required and cannot be removed`);
  if (shape.minProperties !== undefined) {
    const size = Object.keys(node.fields).length - keys.length;
    if (size < shape.minProperties) fail(node, undefined, pointerOf(shape, "minProperties"), `would have ${size} properties; at least ${shape.minProperties} required`);
  }
}

/** Keys about to be written to a dict (with their values): maxProperties counts the new ones. */
export function checkDictGrowth(node: DictNode, entries: readonly (readonly [string, unknown])[]): void {
  if (hasGrowthLimit(node)) growthLimits(node, entries.map(([key]) => key));
  checkWhole(node, () => plainDict(node, entries, []));
}

/** `update(entries)`: one write (`undefined` deletes), checked as one. */
export function checkDictUpdate(node: DictNode, entries: readonly (readonly [string, unknown])[]): void {
  removalLimits(node, entries.filter(([key, value]) => value === undefined && key in node.fields).map(([key]) => key));
  if (hasGrowthLimit(node)) growthLimits(node, entries.filter(([, value]) => value !== undefined).map(([key]) => key));
  checkWhole(node, () => plainDict(node, entries, []));
}

/** Whether the dict has maxProperties (the keys a write adds are listed only then). */
function hasGrowthLimit(node: DictNode): boolean {
  return node.shape.kind === "dict" && node.shape.maxProperties !== undefined;
}

function growthLimits(node: DictNode, keys: readonly string[]): void {
  const shape = node.shape;
  if (shape.kind !== "dict" || shape.maxProperties === undefined) return;
  const size = Object.keys(node.fields).length + new Set(keys.filter((key) => !(key in node.fields))).size;
  if (size > shape.maxProperties) fail(node, undefined, pointerOf(shape, "maxProperties"), `would have ${size} properties; at most ${shape.maxProperties} allowed`);
}

/**
 * A list about to hold `length` items; `next` gives the items afterwards when the
 * shape needs them (uniqueItems), so the common case costs nothing.
 */
export function checkListChange(node: ListNode, length: number, next: () => readonly unknown[]): void {
  const shape = node.shape;
  // Retention: the list is judged as it will be, its oldest elements dropped.
  const keep = shape.kind === "list" ? shape.keepLast : undefined;
  const kept = keep !== undefined && length > keep ? (): readonly unknown[] => next().slice(-keep) : next;
  if (shape.kind === "list") checkListShape(node, shape, keep !== undefined && length > keep ? keep : length, kept);
  checkWhole(node, () => plainList(kept()));
}

function checkListShape(node: ListNode, shape: ListShape, length: number, next: () => readonly unknown[]): void {
  if (shape.maxItems !== undefined && length > shape.maxItems) {
    fail(node, undefined, pointerOf(shape, "maxItems"), `would have ${length} items; at most ${shape.maxItems} allowed`);
  }
  if (shape.minItems !== undefined && length < shape.minItems) {
    fail(node, undefined, pointerOf(shape, "minItems"), `would have ${length} items; at least ${shape.minItems} required`);
  }
  if (shape.prefixItems) {
    // A tuple's positions have their own schemas: elements that move are checked again.
    next().forEach((item, index) => {
      const validate = childShape(shape, index).validate;
      const issues = validate?.(plainCopy(item));
      if (!issues) return;
      const base = [...node.path(), index];
      throw new ValidationError(issues.map((i) => ({ path: [...base, ...i.path], schemaPointer: i.schemaPointer, message: i.message })));
    });
  }
  if (shape.uniqueItems) {
    const seen = new Map<string, number>();
    next().forEach((item, index) => {
      const text = canonical(plainCopy(item));
      const first = seen.get(text);
      if (first !== undefined) fail(node, index, pointerOf(shape, "uniqueItems"), `duplicates item ${first} (uniqueItems)`);
      seen.set(text, index);
    });
  }
}

/** JSON text with sorted keys: equal values give equal text. */
function canonical(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
}
