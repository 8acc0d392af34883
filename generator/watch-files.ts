// What `--watch` follows: every schema file of the inputs and every file their `$ref`s
// reach, wherever it lives.
import { load } from "./load.js";
import { Problems } from "./problems.js";

/** Absolute paths of the input schemas and of every document they refer to, sorted. */
export async function referencedFiles(inputs: readonly string[], cwd: string): Promise<string[]> {
  const files = new Set<string>();
  for (const schema of await load(inputs, cwd, new Problems())) {
    files.add(schema.path);
    for (const path of schema.documents.keys()) files.add(path);
  }
  return [...files].sort();
}
