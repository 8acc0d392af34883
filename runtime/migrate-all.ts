// Bulk migration: every instance of a store (SCAN, every master of a Cluster) brought to
// the store's schema version, a bounded number at a time. Each instance is migrated the
// way open() migrates it (one batch conditioned on what was read), so the walk is
// idempotent and resumable: run it again after an interruption and the instances
// already at the version are skipped on one HMGET each. An instance whose migration
// throws or yields invalid data is left untouched and listed by id in the report.
import { RedisMemoryError } from "./errors.js";
import { applyLoad } from "./load.js";
import { migrateOnOpen, needsMigration, runSteps, versionsOf } from "./migrate.js";
import { namespaceOf, resolveOptions } from "./options.js";
import { acquire } from "./pool.js";
import { instanceIds, type LookupOptions } from "./instances.js";
import { Replica } from "./replica.js";
import type { SyncState } from "./reload.js";
import type { StoreSchema } from "./shape.js";
import { plainCopy, type JsonObject } from "./values.js";

export interface MigrateAllOptions extends LookupOptions {
  /** Instances migrated at once (default 16). */
  readonly concurrency?: number;
  /** Run every step and check every result, write nothing (the report says what would change). */
  readonly dryRun?: boolean;
  /** Called after each instance (and so as often): counts so far. */
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** Stops taking new instances (those under way finish); the report says `interrupted`. */
  readonly signal?: AbortSignal;
}

/** What happened to one instance. */
export type InstanceOutcome = "migrated" | "current" | "failed" | "newer";

export interface MigrationProgress {
  /** Instances looked at so far. */
  readonly seen: number;
  readonly migrated: number;
  /** Already at this version (or a compatible newer one): nothing to do. */
  readonly current: number;
  readonly failed: number;
  /** At a version this store may not write (SchemaVersionError): a newer deploy's. */
  readonly newer: number;
}

export interface MigrationReport extends MigrationProgress {
  readonly store: string;
  /** The schema version instances were brought to. */
  readonly version: number;
  readonly dryRun: boolean;
  /** The walk stopped early (`signal`): run it again to go on. */
  readonly interrupted: boolean;
  /** Ids of the instances migrated (would be, in a dry run). */
  readonly migratedIds: readonly string[];
  /** Instances left untouched: the step that threw or the data that fails the schema. */
  readonly failures: readonly { readonly id: string; readonly error: Error }[];
}

interface Migratable {
  readonly schema: StoreSchema;
}

/**
 * Brings every instance of `store` to its schema version with the migrations it has
 * registered (`Store.migrations({...})`). Resolves to the report; rejects only when
 * Redis cannot be reached or listed.
 */
export async function migrateAll(store: Migratable, options: MigrateAllOptions = {}): Promise<MigrationReport> {
  const { concurrency = 16, dryRun = false, onProgress, signal, ...lookup } = options;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError("concurrency must be a positive integer");
  const schema = store.schema;
  const { version } = versionsOf(schema);
  const resolved = resolveOptions(lookup);
  const lease = await acquire(resolved.redis, resolved.connectTimeout);
  const backend = lease.backend;
  const counts = { seen: 0, migrated: 0, current: 0, failed: 0, newer: 0 };
  const migratedIds: string[] = [];
  const failures: { id: string; error: Error }[] = [];
  let interrupted = false;

  const one = async (id: string): Promise<InstanceOutcome> => {
    const ns = namespaceOf(resolved.prefix, schema.name, id);
    const versions = await backend.schemaVersions(ns);
    if (!versions.exists) return "current";
    if (versions.vmin > version) return "newer";
    if (versions.version >= version || !needsMigration(store, schema, versions.version)) return "current";
    const replica = new Replica({ backend, ns, shape: schema.shape, schemaHash: schema.hash ?? "" });
    replica.batches.version = versionsOf(schema);
    const state: SyncState = { replica, loaded: applyLoad(replica, await backend.load(ns)), closed: false };
    try {
      if (dryRun) {
        if ((state.loaded.version ?? 1) >= version) return "current";
        runSteps(store, schema, ns, plainCopy(replica.root.proxy) as JsonObject, state.loaded.version ?? 1);
        return "migrated";
      }
      const before = replica.batches.sentBatches;
      await migrateOnOpen(state, store, schema);
      await replica.batches.flush();
      // Another writer may have migrated it between the HMGET and the load: then nothing was sent.
      if (replica.batches.sentBatches === before) return "current";
      await backend.forgetClient(ns, replica.clientId);
      return "migrated";
    } finally {
      state.closed = true;
      replica.closed = true;
    }
  };

  const ids = instanceIds(schema, lookup)[Symbol.asyncIterator]();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (signal?.aborted) {
        interrupted = true;
        return;
      }
      const next = await ids.next();
      if (next.done) return;
      const id = next.value;
      let outcome: InstanceOutcome;
      try {
        outcome = await one(id);
      } catch (error) {
        if (!(error instanceof RedisMemoryError) || error.name === "ConnectionError") throw error;
        outcome = error.name === "SchemaVersionError" ? "newer" : "failed";
        if (outcome === "failed") failures.push({ id, error });
      }
      counts.seen++;
      counts[outcome]++;
      if (outcome === "migrated") migratedIds.push(id);
      onProgress?.({ ...counts });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await ids.return?.(undefined);
    await lease.release();
  }
  return { store: schema.name, version, dryRun, interrupted, ...counts, migratedIds, failures };
}
