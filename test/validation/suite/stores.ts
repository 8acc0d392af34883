// One generated store per suite group: the group's schema is its own file (so that its
// `#` refs mean what they say) and the store's one field `v` refers to it.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { generate, writeFiles, SchemaProblemsError } from "redis-memory-gen";
import { OUT, ROOT } from "../../generator/helpers.js";
import type { Group } from "./cases.js";

export interface SuiteStore {
  v: any;
  $flush(): Promise<void>;
  $close(): Promise<void>;
  $asdict(): Record<string, unknown>;
}
export interface SuiteStoreClass {
  open(options: object): Promise<SuiteStore>;
}

export type Generated = { readonly store: SuiteStoreClass } | { readonly refused: string } | { readonly crashed: string };

const DIR = join(OUT, "suite");

export function clean(): void {
  rmSync(DIR, { recursive: true, force: true });
}

/** Generates and imports the store of group `index`. */
export async function storeOf(group: Group, index: number): Promise<Generated> {
  const dir = join(DIR, `g${index}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "schema.json"), JSON.stringify(group.schema, null, 2));
  writeFileSync(join(dir, "store.json"), JSON.stringify({ title: `Suite ${index}`, type: "object", properties: { v: { $ref: "./schema.json" } } }));
  const rel = `test/fixtures/generator/out/suite/g${index}`;
  let files: Map<string, string>;
  try {
    files = await generate({ inputs: [`${rel}/store.json`], out: `${rel}/out`, cwd: ROOT });
  } catch (error) {
    if (error instanceof SchemaProblemsError) return { refused: error.message };
    return { crashed: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  writeFiles(files, `${rel}/out`, ROOT);
  const module = [...files.keys()].find((f) => !f.endsWith("index.ts") && !f.endsWith(".validators.ts"))!;
  const imported = (await import(pathToFileURL(join(ROOT, module)).href)) as Record<string, unknown>;
  return { store: imported[`Suite${index}`] as SuiteStoreClass };
}
