// JSON helpers every stage shares: schema node tests, JSON pointers, canonical form.

export type SchemaObject = Record<string, unknown>;
export type Schema = boolean | SchemaObject;

export function isObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string | number): string {
  const text = String(segment);
  return text.includes("~") || text.includes("/") ? text.replace(/~/g, "~0").replace(/\//g, "~1") : text;
}

export function decodeSegment(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

export function pointerJoin(pointer: string, ...segments: (string | number)[]): string {
  return pointer + segments.map((s) => "/" + escapePointer(s)).join("");
}

/** The value at a JSON pointer (no URI decoding: a pointer as pointerJoin writes it), or undefined. */
export function nodeAt(document: unknown, pointer: string): unknown {
  let node = document;
  for (const raw of pointer === "" ? [] : pointer.slice(1).split("/")) {
    const key = decodeSegment(raw);
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** The value at a JSON pointer (URI-fragment decoding included), or undefined. */
export function lookup(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let node = document;
  for (const raw of pointer.slice(1).split("/")) {
    let key = raw;
    // Most segments are plain names: nothing to decode.
    if (raw.includes("%") || raw.includes("~")) {
      try {
        key = decodeSegment(decodeURIComponent(raw));
      } catch {
        key = decodeSegment(raw);
      }
    }
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** `target[key] = value` as an own property, also for the key `"__proto__"` (which `=` would make the prototype). */
export function setOwn(target: SchemaObject, key: string, value: unknown): void {
  // `=` for every other key: it also makes an own, enumerable, writable property, and faster.
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Same value with object keys sorted: for hashing and comparisons. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isObject(value)) {
    const out: SchemaObject = {};
    for (const key of Object.keys(value).sort()) setOwn(out, key, canonical(value[key]));
    return out;
  }
  return value;
}

export function canonicalText(value: unknown): string {
  return JSON.stringify(canonical(value));
}

export function equal(a: unknown, b: unknown): boolean {
  return canonicalText(a) === canonicalText(b);
}

/**
 * JSON as a TypeScript expression, laid out like the rest of the generated code: a value
 * that fits in `width` columns on one line, else one entry per line. `"__proto__"` keys
 * are computed, so that they stay own properties.
 */
export function jsonLiteral(value: unknown, indent = "", width = 100): string {
  const key = (k: string): string => (k === "__proto__" ? `["__proto__"]` : JSON.stringify(k));
  const flat = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(flat).join(", ")}]`;
    if (isObject(v)) {
      const entries = Object.keys(v).map((k) => `${key(k)}: ${flat(v[k])}`);
      return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
    }
    return JSON.stringify(v);
  };
  const one = flat(value);
  if (one.length + indent.length <= width || (!Array.isArray(value) && !isObject(value))) return one;
  const inner = indent + "  ";
  if (Array.isArray(value)) return `[\n${value.map((v) => `${inner}${jsonLiteral(v, inner, width)},`).join("\n")}\n${indent}]`;
  const object = value as SchemaObject;
  return `{\n${Object.keys(object).map((k) => `${inner}${key(k)}: ${jsonLiteral(object[k], inner, width)},`).join("\n")}\n${indent}}`;
}
