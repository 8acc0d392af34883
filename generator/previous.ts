// What the generator generated last time for a store, read back from its validators
// module: the schema version, the versions whose change was breaking, and the bundle
// (the schema it compared against). A module it cannot read is no previous schema: the
// comparison is skipped with a warning, never a crash.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isObject, type SchemaObject } from "./json.js";

export interface Evolution {
  /** `"x-redis-memory": { "version" }` of the schema (default 1). */
  readonly version: number;
  /** The versions whose change from the one before was breaking (each needs a migration). */
  readonly breaking: readonly number[];
}

export interface PreviousSchema extends Evolution {
  readonly bundle: SchemaObject;
}

/** The line of the validators module that records the evolution (one line of JSON). */
export function evolutionLine(evolution: Evolution): string {
  return `export const evolution = ${JSON.stringify({ version: evolution.version, breaking: evolution.breaking })};`;
}

/** Parses a validators module's text; `undefined` when it holds no readable schema. */
export function parsePrevious(text: string): PreviousSchema | "unreadable" {
  const start = text.indexOf("ajvValidators(");
  const end = text.lastIndexOf("\n);");
  if (start < 0 || end < start) return "unreadable";
  // The arguments are JSON laid out by jsonLiteral: trailing commas and computed `["__proto__"]` keys aside.
  const args = asJson(text.slice(start + "ajvValidators(".length, end));
  let bundle: unknown;
  try {
    bundle = (JSON.parse(`[${args}]`) as unknown[])[0];
  } catch {
    return "unreadable";
  }
  if (!isObject(bundle)) return "unreadable";
  const line = /^export const evolution = (\{.*\});$/m.exec(text);
  let evolution: Evolution = { version: 1, breaking: [] };
  if (line) {
    try {
      const parsed = JSON.parse(line[1]!) as Partial<Evolution>;
      if (typeof parsed.version === "number" && Array.isArray(parsed.breaking)) evolution = { version: parsed.version, breaking: parsed.breaking.filter((v) => typeof v === "number") };
    } catch {
      return "unreadable";
    }
  }
  return { ...evolution, bundle };
}

/** jsonLiteral's text as JSON: trailing commas dropped, `["__proto__"]` keys unwrapped; strings left alone. */
function asJson(literal: string): string {
  let out = "";
  for (let i = 0; i < literal.length; i++) {
    const c = literal[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < literal.length && literal[j] !== '"') j += literal[j] === "\\" ? 2 : 1;
      out += literal.slice(i, j + 1);
      i = j;
    } else if (c === ",") {
      const rest = /^\s*(.)/.exec(literal.slice(i + 1, i + 200));
      if (rest === null || rest[1] === "}" || rest[1] === "]") continue;
      out += c;
    } else if (c === "[" && literal.startsWith(`["__proto__"]:`, i)) {
      out += `"__proto__":`;
      i += `["__proto__"]:`.length - 1;
    } else out += c;
  }
  return out;
}

/** The previous schema of the validators module at `path` (relative to `cwd`), if it exists. */
export function readPrevious(path: string, cwd: string): PreviousSchema | "unreadable" | undefined {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), "utf8");
  } catch {
    return undefined;
  }
  return parsePrevious(text);
}
