// Schema versions and migrations. A store class carries its schema version and the
// versions whose change was breaking (the generator records them); `ns:meta` holds
// the highest version that wrote an instance (`v`) and the lowest that may still write
// it (`vmin`). Opening an instance written at a lower version runs the registered steps
// (one per version, plain data in, plain data out), checks the result against the
// schema and writes it as one batch that applies only if nobody wrote in between and
// the instance is still at the version the steps started from; otherwise the store
// reloads and runs them again. Every batch carries its writer's versions, and the batch
// script refuses one from a writer below the instance's `vmin` (apply.lua).
import { transactionScope } from "./batches.js";
import { deleteField, setField } from "./dict.js";
import { ConflictError, MigrationError, OptionsError, SchemaVersionError, ValidationError, WriteError } from "./errors.js";
import type { DictNode } from "./node.js";
import { reloadData, type SyncState } from "./reload.js";
import type { StoreSchema } from "./shape.js";
import { plainCopy, type JsonObject } from "./values.js";

/**
 * One step: the data of an instance at the previous version (a deep plain copy: change
 * it or build a new object) -> the data at this step's version. May not be async: a
 * migration is a pure function of the data, run again if another writer got in between.
 */
export type Migration<Out extends object = JsonObject> = (data: JsonObject) => Out | JsonObject;
/** The steps of a store, by the version each step produces (`{ 2: v1ToV2, 3: v2ToV3 }`). */
export type Migrations<Out extends object = JsonObject> = Readonly<Record<number, Migration<Out>>>;

// Kept on the class under a registered symbol (not in a module-level map): the CLI
// (`redis-memory migrate`) may load another copy of this module than the app's code did.
const MIGRATIONS = Symbol.for("redis-memory.migrations");
const registered = {
  get: (cls: object): Readonly<Record<number, Migration<object>>> | undefined => (cls as { [MIGRATIONS]?: Record<number, Migration<object>> })[MIGRATIONS],
  set: (cls: object, steps: Readonly<Record<number, Migration<object>>>): void => {
    Object.defineProperty(cls, MIGRATIONS, { value: steps, configurable: true, enumerable: false, writable: false });
  },
};

/** A store's schema version and the lowest version that may write what it writes. */
export function versionsOf(schema: StoreSchema): { readonly version: number; readonly vmin: number } {
  const version = schema.version ?? 1;
  const vmin = Math.max(1, ...(schema.breaking ?? []).filter((v) => v <= version));
  return { version, vmin };
}

/** `Store.migrations(steps)`: checks and keeps the steps of one store class (the latest call wins). */
export function registerMigrations(cls: object, schema: StoreSchema, steps: Migrations<object>): void {
  const { version } = versionsOf(schema);
  if (typeof steps !== "object" || steps === null) throw new OptionsError("migrations", `must be an object of steps by version, e.g. { 2: (data) => ({ ...data }) }`);
  const kept: Record<number, Migration<object>> = Object.create(null);
  for (const key of Object.keys(steps)) {
    const to = Number(key);
    if (!Number.isSafeInteger(to) || to < 2 || to > version) {
      throw new OptionsError(`migrations[${key}]`, `${schema.name} has schema version ${version}: a step is keyed by the version it produces, from 2 to ${version}`);
    }
    const step = (steps as Record<string, unknown>)[key];
    if (typeof step !== "function") throw new OptionsError(`migrations[${key}]`, "must be a function (data) => data");
    kept[to] = step as Migration<object>;
  }
  registered.set(cls, kept);
}

/** The steps from version `from` to `to` (a step may be absent when its change was additive). */
function plan(cls: object, schema: StoreSchema, ns: string, from: number, to: number): { readonly to: number; readonly step: Migration<object> | undefined }[] {
  const steps = registered.get(cls);
  const breaking = new Set(schema.breaking ?? []);
  const out: { to: number; step: Migration<object> | undefined }[] = [];
  for (let v = from + 1; v <= to; v++) {
    const step = steps?.[v];
    if (step === undefined && breaking.has(v)) {
      throw new MigrationError(ns, v - 1, v, `the change to version ${v} was breaking and no migration to ${v} is registered: call ${schema.name}.migrations({ ${v}: (data) => ... }) before opening`);
    }
    out.push({ to: v, step });
  }
  return out;
}

/** Runs the steps on a copy of `data`; throws MigrationError naming the step that failed. */
export function runSteps(cls: object, schema: StoreSchema, ns: string, data: JsonObject, from: number): JsonObject {
  const { version } = versionsOf(schema);
  let current = data;
  for (const { to, step } of plan(cls, schema, ns, from, version)) {
    if (step === undefined) continue;
    let next: unknown;
    try {
      next = step(structuredClone(current));
    } catch (error) {
      throw new MigrationError(ns, to - 1, to, `the migration threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (typeof next !== "object" || next === null || Array.isArray(next) || typeof (next as { then?: unknown }).then === "function") {
      throw new MigrationError(ns, to - 1, to, `the migration returned ${Array.isArray(next) ? "an array" : typeof next === "object" && next !== null ? "a promise (steps are synchronous)" : String(next)}, not the data object`);
    }
    try {
      current = plainCopy(JSON.parse(JSON.stringify(next)) as unknown) as JsonObject;
    } catch (error) {
      throw new MigrationError(ns, to - 1, to, `the migration returned data that is not JSON`, { cause: error });
    }
  }
  const issues = schema.shape.validate?.(current);
  if (issues && issues.length > 0) {
    const invalid = new ValidationError(issues);
    throw new MigrationError(ns, from, version, `the migrated data does not match the schema of version ${version}:\n${invalid.message}`, { cause: invalid });
  }
  return current;
}

/** Whether opening an instance at `instanceVersion` runs any step (a registered one or a required one). */
export function needsMigration(cls: object, schema: StoreSchema, instanceVersion: number): boolean {
  const { version } = versionsOf(schema);
  const steps = registered.get(cls);
  const breaking = new Set(schema.breaking ?? []);
  for (let v = instanceVersion + 1; v <= version; v++) if (steps?.[v] !== undefined || breaking.has(v)) return true;
  return false;
}

/** Refuses an instance whose lowest writable version is above this store's. */
export function checkWritable(schema: StoreSchema, ns: string, loaded: SyncState["loaded"]): void {
  const { version } = versionsOf(schema);
  const vmin = loaded.vmin ?? 1;
  if (vmin > version) throw new SchemaVersionError(ns, version, vmin, loaded.version ?? vmin);
}

/** The root's fields made equal to `next` (unchanged fields are not sent). */
function writeAll(root: DictNode, before: JsonObject, next: JsonObject): void {
  let changed = false;
  for (const key of Object.keys(root.fields)) {
    if (!Object.hasOwn(next, key)) {
      deleteField(root, key);
      changed = true;
    }
  }
  // Required fields first: a place's checks may look at its siblings.
  const keys = Object.keys(next);
  for (const key of keys) {
    if (Object.hasOwn(before, key) && JSON.stringify(before[key]) === JSON.stringify(next[key])) continue;
    setField(root, key, next[key]);
    changed = true;
  }
  // The batch also records the new version (ns:meta): it needs an operation to carry it.
  const first = keys[0];
  if (!changed && first !== undefined) setField(root, first, structuredClone(next[first]));
}

/**
 * Brings the loaded instance to the store's version: runs the steps and writes their
 * result as one batch conditioned on the seq and version read; on a conflict reloads
 * and runs them again (another writer may have migrated it meanwhile: then nothing
 * runs). Refuses an instance this version may not write (SchemaVersionError).
 */
export async function migrateOnOpen(state: SyncState, cls: object, schema: StoreSchema, attempts = 10): Promise<void> {
  const replica = state.replica;
  const { version, vmin } = versionsOf(schema);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    checkWritable(schema, replica.ns, state.loaded);
    const from = state.loaded.version ?? 1;
    const isNew = state.loaded.seq === 0 && Object.keys(replica.root.fields).length === 0;
    if (isNew || from >= version || !needsMigration(cls, schema, from)) return;
    const before = plainCopy(replica.root.proxy) as JsonObject;
    const next = runSteps(cls, schema, replica.ns, before, from);
    // Not drained(): that waits for a reload under way, and a reload may be what runs this.
    await replica.batches.settled();
    const readAt = replica.batches.knownSeq;
    replica.batches.hold();
    try {
      transactionScope.run(replica.batches, () => writeAll(replica.root, before, next));
    } catch (error) {
      replica.batches.discard();
      await replica.batches.settled();
      await reloadData(state);
      throw new MigrationError(replica.ns, from, version, `writing the migrated data was refused: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    replica.batches.migrateFrom = from;
    try {
      await replica.batches.commit(readAt);
      state.loaded = { ...state.loaded, version, vmin: Math.max(state.loaded.vmin ?? 1, vmin) };
      return;
    } catch (error) {
      if (!(error instanceof WriteError && error.code === "stale")) throw error;
      // Someone wrote (or migrated) in between. Older writers are fenced out first (their
      // batches are refused from now on), so a busy one cannot starve the migration; then
      // read again and decide again.
      if (vmin > (state.loaded.vmin ?? 1)) await replica.backend.fence(replica.ns, replica.batches.epoch, from, vmin);
      await reloadData(state);
    } finally {
      replica.batches.migrateFrom = 0;
    }
  }
  throw new ConflictError(replica.ns, attempts);
}
