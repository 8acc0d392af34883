// Stage 4b'': the store's schema version (`"x-redis-memory": { "version": N }` at the
// root, default 1) and its change from the schema generated last time (read back from
// the validators module on disk). A breaking change without a higher version is a
// problem naming the change and the fix; with one, the new version joins the list of
// versions that need a migration, which the store class hands to the runtime.
import { classifyChanges, type Change } from "./evolve.js";
import { isObject, type SchemaObject } from "./json.js";
import type { JSONSchema } from "./load.js";
import type { Evolution, PreviousSchema } from "./previous.js";
import type { Problems } from "./problems.js";

/** The root's `"x-redis-memory": { "version" }` (default 1); a bad one is a problem. */
export function versionOf(raw: JSONSchema, file: string, problems: Problems): number {
  const annotation = isObject(raw) ? raw["x-redis-memory"] : undefined;
  if (annotation === undefined) return 1;
  const version = isObject(annotation) ? annotation.version : undefined;
  if (version === undefined) return 1;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    problems.add(file, "/x-redis-memory/version", `"x-redis-memory": { "version" } must be a positive integer (got ${JSON.stringify(version)})`);
    return 1;
  }
  return version;
}

export interface EvolutionCheck {
  readonly evolution: Evolution;
  /** Every change found (additive ones included), for tools and tests. */
  readonly changes: readonly Change[];
}

/**
 * Compares the new bundle with the previous generation's and decides the store's
 * evolution record. `where(pointer)` names a bundle place as `file#/pointer`.
 */
export function checkEvolution(
  next: SchemaObject,
  version: number,
  previous: PreviousSchema | undefined,
  where: (pointer: string) => { file: string; pointer: string },
  validatorsFile: string,
  store: string,
  problems: Problems,
): EvolutionCheck {
  if (previous === undefined) return { evolution: { version, breaking: version > 1 ? [version] : [] }, changes: [] };
  const changes = classifyChanges(previous.bundle, next);
  const breaking = changes.filter((c) => c.kind === "breaking");
  const root = where("");
  if (version < previous.version) {
    problems.add(root.file, "/x-redis-memory/version", `the schema version went down from ${previous.version} (in ${validatorsFile}) to ${version}: versions only go up; instances already written at ${previous.version} would be refused`);
    return { evolution: previous, changes };
  }
  if (breaking.length > 0 && version === previous.version) {
    const next = previous.version + 1;
    const fix = `raise the root's "x-redis-memory": { "version": ${next} } and register a migration to ${next} (${store}.migrations({ ${next}: (data) => ... })), or make the change additive (an optional field, a default, a looser constraint)`;
    for (const change of breaking) {
      const place = where(change.pointer);
      problems.add(place.file, place.pointer, `breaking change (instances in Redis may not fit the new schema): ${change.what}; ${fix}`);
    }
    return { evolution: previous, changes };
  }
  const list = breaking.length > 0 && !previous.breaking.includes(version) ? [...previous.breaking, version] : [...previous.breaking];
  return { evolution: { version, breaking: list }, changes };
}
