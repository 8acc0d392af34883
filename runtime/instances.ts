// Questions about a store's instances that need no open store: does one exist, which
// ids are there (SCAN, on every master of a Cluster).
import { acquire } from "./pool.js";
import { namespaceOf, resolveOptions, type OpenOptions } from "./options.js";
import type { StoreSchema } from "./shape.js";

/** What `exists()` and `ids()` take: where to look (the `open()` options that say so). */
export type LookupOptions = Pick<OpenOptions, "redis" | "prefix" | "connectTimeout">;

export async function instanceExists(schema: StoreSchema, options: LookupOptions & { id: string }): Promise<boolean> {
  const resolved = resolveOptions(options);
  const lease = await acquire(resolved.redis, resolved.connectTimeout);
  try {
    return await lease.backend.exists(namespaceOf(resolved.prefix, schema.name, resolved.id));
  } finally {
    await lease.release();
  }
}

export async function* instanceIds(schema: StoreSchema, options: LookupOptions = {}): AsyncGenerator<string> {
  const resolved = resolveOptions(options);
  const lease = await acquire(resolved.redis, resolved.connectTimeout);
  const backend = lease.backend;
  const head = namespaceOf(resolved.prefix, schema.name, "");
  const seen = new Set<string>();
  try {
    for await (const ns of backend.instances(resolved.prefix, schema.name)) {
      // `<prefix>{<Store>:` + id + `}`; SCAN may return a key twice.
      const id = ns.slice(head.length - 1, -1);
      if (seen.has(id)) continue;
      seen.add(id);
      yield id;
    }
  } finally {
    await lease.release();
  }
}
