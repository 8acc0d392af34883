// Stage 1: find the schema files, parse them, and resolve every `$ref` target file
// with json-schema-ref-parser (http resolution off). Later stages look refs up in
// the documents loaded here, so they never touch the disk.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { Problems } from "./problems.js";
import { indexResources, type Resources } from "./uris.js";

export type JSONSchema = boolean | { readonly [key: string]: unknown };

/** One schema file (one store) and every document its `$ref`s reach. */
export interface LoadedSchema {
  /** Path relative to cwd, posix slashes: what banners and errors show. */
  readonly file: string;
  /** Absolute path. */
  readonly path: string;
  readonly schema: JSONSchema;
  /** Every document reachable by `$ref`, by absolute path (the root included). */
  readonly documents: ReadonlyMap<string, unknown>;
  /** Every schema resource and anchor of those documents, by URI: what `$ref`s name. */
  readonly resources: Resources;
  /** Relative file name for an absolute path, as shown in messages. */
  readonly display: (path: string) => string;
}

export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return (rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel).split(sep).join("/");
}

/** Lists `*.json` files: files as given, directories recursively, sorted. */
export function findSchemaFiles(inputs: readonly string[], cwd: string, problems: Problems): string[] {
  const found = new Set<string>();
  const visit = (path: string, explicit: boolean): void => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      problems.add(displayPath(cwd, path), "", "no such file or directory");
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (entry === "node_modules" || entry.startsWith(".")) continue;
        visit(resolve(path, entry), false);
      }
    } else if (explicit || path.endsWith(".json")) {
      found.add(path);
    }
  };
  for (const input of inputs) visit(resolve(cwd, input), true);
  return [...found].sort();
}

/** Line and column of a character offset, for JSON syntax errors. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function parseJson(text: string, file: string, problems: Problems): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const where = at?.[1] === undefined ? "" : ` at ${position(text, Number(at[1]))}`;
    problems.add(file, "", `the file is not valid JSON${where} (${message})`);
    return undefined;
  }
}

/**
 * Whether json-schema-ref-parser has anything to fetch for this document: a `$ref`
 * string anywhere (its test: non-empty, not starting with `#`) naming another document.
 */
function refersToOtherDocuments(node: unknown): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (Array.isArray(node)) return node.some(refersToOtherDocuments);
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === "string" && ref.length > 0 && !ref.startsWith("#")) return true;
  return Object.values(node).some(refersToOtherDocuments);
}

// Paths json-schema-ref-parser keeps as they are (it rewrites `?`, `#`, `\`), so that
// skipping it leaves the documents map exactly as it would have made it.
const PLAIN_PATH = /^[\p{L}\p{N} ._\-/@+,=~]+$/u;

/**
 * The documents `path`'s `$ref`s reach, by absolute path (the resolver's copy of the root
 * among them, which the caller replaces). Most stores refer only inside their own file:
 * for those the resolver, and loading it, is skipped.
 */
async function otherDocuments(path: string, schema: object): Promise<Map<string, unknown>> {
  const documents = new Map<string, unknown>();
  if (PLAIN_PATH.test(path) && !refersToOtherDocuments(schema)) return documents;
  const { $RefParser } = await import("@apidevtools/json-schema-ref-parser");
  // Resolving a copy: the resolver must never see (or mutate) what later stages read.
  const parser = new $RefParser();
  try {
    await parser.resolve(path, structuredClone(schema), { resolve: { http: false }, continueOnError: true });
  } catch {
    // A referenced file that is missing or not JSON is reported where its $ref is used.
  }
  const values = (parser.$refs.values() ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    // The resolver stores an Error in place of a file it could not read or parse.
    if (value !== undefined && value !== null && !(value instanceof Error)) documents.set(key, value);
  }
  return documents;
}

export async function load(inputs: readonly string[], cwd: string, problems: Problems): Promise<LoadedSchema[]> {
  // Asked for at every node the later stages walk: one answer per document.
  const shown = new Map<string, string>();
  const display = (path: string): string => {
    let text = shown.get(path);
    if (text === undefined) shown.set(path, (text = displayPath(cwd, path)));
    return text;
  };
  const loaded: LoadedSchema[] = [];
  for (const path of findSchemaFiles(inputs, cwd, problems)) {
    const file = display(path);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      problems.add(file, "", `the file cannot be read (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    const schema = parseJson(text, file, problems);
    if (schema === undefined) continue;
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      problems.add(file, "", "the root of a store schema must be an object schema");
      continue;
    }
    const documents = await otherDocuments(path, schema);
    documents.set(path, schema);
    loaded.push({ file, path, schema: schema as JSONSchema, documents, resources: indexResources(documents), display });
  }
  return loaded;
}
