// Store: the base class of every generated store (and of the untyped Memory).
// Store-level members start with `$` so that they never clash with schema fields.
import { within } from "./connect.js";
import { setField, deleteField, incr as dictIncr } from "./dict.js";
import { ClosedError, ConflictError, ConnectionError, OptionsError, ReplicaWaitError, SchemaVersionError, UsageError, ValidationError, WriteError, asSyncFailure, type ValidationProblem } from "./errors.js";
import { connectWhenReachable, replay } from "./offline.js";
import { nodeOf, type DictNode } from "./node.js";
import { Feed } from "./feed.js";
import { isLasting, reload, reloadUntilDone } from "./reload.js";
import { rideOut } from "./ride-out.js";
import { acquire, type Lease } from "./pool.js";
import { applyLoad, type LoadedState } from "./load.js";
import { checkHistory, namespaceOf, resolveOptions, type OpenOptions, type ResolvedOptions } from "./options.js";
import type { EventName, StoreEvents } from "./events.js";
import { transactionScope } from "./batches.js";
import { Replica } from "./replica.js";
import type { StoreSchema } from "./shape.js";
import type { NumericKeys } from "./types.js";
import { plainCopy, type JsonValue } from "./values.js";
import { asOneWrite, checkDictUpdate, childShape } from "./validate.js";
import { checkLoad } from "./load-valid.js";
import { instanceExists, instanceIds, type LookupOptions } from "./instances.js";
import { migrateOnOpen, registerMigrations, versionsOf, type Migrations } from "./migrate.js";
import { readHistory, type HistoryEntry, type HistoryOptions } from "./history.js";
import type { HistoryLimits } from "./protocol/batch.js";
import { conflicted, debugEvents, debugging, loadTelemetry, targetOf, traced } from "./telemetry.js";
import "./list.js";

/** What the runtime keeps for one open store; never visible on the instance. */
export interface StoreInternals {
  readonly replica: Replica;
  readonly options: ResolvedOptions;
  loaded: LoadedState;
  closed: boolean;
  /** The change feed (`live: true`). */
  feed?: Feed | undefined;
  /** The last transaction of this store (the next waits for it). */
  transactions: Promise<void>;
  /** This store's share of the process's connections to its Redis (none yet while offline). */
  lease?: Lease | undefined;
  /** Fills a new instance's defaults and `init` (after the instance vanished: see reload.ts). */
  renew?: (() => void) | undefined;
  /** Migrates an instance a reload finds at an older schema version (see reload.ts). */
  migrate?: (() => Promise<void>) | undefined;
  /** Checks a reload against the schema and applies `onInvalid` (see reload.ts). */
  checkLoad?: (() => void) | undefined;
}

const internals = new WeakMap<object, StoreInternals>();

function core(store: object): StoreInternals {
  const found = internals.get(store);
  if (!found) throw new UsageError("not an open redis-memory store: stores are made by `await MyStore.open({ id })`");
  return found;
}

/** The root dict of an open store (for the untyped Memory). */
export function rootNode(store: object): DictNode {
  return core(store).replica.root;
}

/** Lets a wrapper (the untyped Memory's proxy) share its target's internals. */
export function shareInternals(from: object, to: object): void {
  internals.set(to, core(from));
}

export interface StoreClass<S extends Store<object>> {
  readonly schema: StoreSchema;
  new (token: StoreToken): S;
}

declare const tokenBrand: unique symbol;
/** Only the runtime can make stores: `open()` is the way in. */
export type StoreToken = { readonly [tokenBrand]: true };

export class Store<TData extends object = Record<string, unknown>> {
  /** Whether instances take properties the schema does not declare (the untyped Memory does). */
  static readonly extensible: boolean = false;

  constructor(token: StoreToken) {
    const pending = creating;
    if (pending === undefined || (token as unknown) !== pending) {
      throw new UsageError("stores are made by open(): use `await MyStore.open({ id })`");
    }
    internals.set(this, pending);
    if ((new.target as { extensible?: boolean }).extensible) return;
    // A property the schema does not declare would be kept locally and never persisted;
    // `delete store.field` deletes an optional field (the proxy is what `open()` returns).
    Object.preventExtensions(this);
    const proxy = new Proxy(this, typedStoreHandler as ProxyHandler<this>);
    internals.set(proxy, pending);
    return proxy;
  }

  /** Whether the instance `options.id` exists (same `redis` and `prefix` options as `open()`). */
  static exists(this: { readonly schema: StoreSchema }, options: LookupOptions & { id: string }): Promise<boolean> {
    return instanceExists(this.schema, options);
  }

  /** The ids of this store's instances under the prefix (SCAN; every master of a Cluster). */
  static ids(this: { readonly schema: StoreSchema }, options: LookupOptions = {}): AsyncIterable<string> {
    return instanceIds(this.schema, options);
  }

  /** The schema version of this store class (`"x-redis-memory": { "version" }` of its schema, default 1). */
  static get version(): number {
    return versionsOf((this as unknown as { readonly schema: StoreSchema }).schema).version;
  }

  /**
   * Registers the store's migrations, one step per schema version, keyed by the version
   * it produces: `AppMemory.migrations({ 2: (v1) => ({ ...v1, tags: {} }) })`. Opening an
   * instance written at a lower version runs the steps from its version up (docs/guides/schema-evolution.md).
   * Call it once, before the first open.
   */
  static migrations<D extends object>(this: { readonly schema: StoreSchema; readonly prototype: Store<D> }, steps: Migrations<D>): void {
    registerMigrations(this, this.schema, steps);
  }

  /** `$close()`, so that `await using mem = await MyStore.open(...)` closes at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.$close();
  }

  /** The instance's key prefix in Redis: `<prefix>{<Store>:<id>}`. */
  get $key(): string {
    return core(this).replica.ns;
  }

  /**
   * Resolves when every write made before the call is acknowledged by Redis; rejects
   * with the cause if one failed. With the open option `waitReplicas`, also waits for
   * that many replicas to acknowledge them (ReplicaWaitError when fewer did).
   */
  $flush(options: { timeout?: number } = {}): Promise<void> {
    const state = core(this);
    const timeout = options.timeout ?? state.options.flushTimeout;
    if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0)) {
      throw new OptionsError("timeout", "of $flush() must be a positive number of milliseconds");
    }
    const flushed = state.replica.batches.flush(timeout);
    const wait = state.options.waitReplicas;
    if (wait === undefined) return flushed;
    return flushed.then(async () => {
      const backend = state.replica.backend;
      if (!backend) return;
      const acknowledged = await backend.waitReplicas(state.replica.ns, wait.replicas, wait.timeout);
      if (acknowledged < wait.replicas) throw new ReplicaWaitError(wait.replicas, acknowledged, wait.timeout);
    });
  }

  /** Flushes, stops the change feed and closes the connections this store opened. */
  async $close(): Promise<void> {
    const state = core(this);
    if (state.closed) return;
    if (state.replica.batches.offline) {
      // Redis never came: nothing can be flushed; say so rather than wait forever.
      state.closed = true;
      state.replica.closed = true;
      state.replica.events.emit("error", new ConnectionError(`${state.replica.ns} was closed before Redis could be reached; the writes made offline were not sent`));
      // A transaction waiting for Redis ends (ClosedError).
      state.replica.batches.wakeIdle();
      return;
    }
    try {
      await state.replica.batches.flush();
      // Nothing of this client can be resent now: its exactly-once marker may go. Only a
      // batch writes one: a store that only read closes without a round trip.
      if (state.replica.batches.sentBatches > 0) await state.replica.backend.forgetClient(state.replica.ns, state.replica.clientId);
    } finally {
      state.closed = true;
      state.replica.closed = true;
      state.feed?.stop();
      await state.lease?.release();
    }
  }

  /** Reloads the whole instance from Redis (collections you hold stay attached). */
  async $refresh(): Promise<void> {
    const state = core(this);
    if (state.closed) throw new ClosedError();
    if (state.replica.batches.offline) throw new ConnectionError(`${state.replica.ns} is offline (opened with \`offline: true\` before Redis could be reached): nothing to reload from yet`);
    await state.replica.batches.flush();
    await reload(state);
  }

  /** A deep plain copy of the data. */
  $asdict(): TData {
    return plainCopy(core(this).replica.root.proxy) as TData;
  }

  toJSON(): JsonValue {
    return plainCopy(core(this).replica.root.proxy);
  }

  /** Subscribes to `change`, `error` or `status` events; returns the unsubscribe function. */
  $on<K extends EventName>(event: K, listener: (event: StoreEvents[K]) => void): () => void {
    return core(this).replica.events.on(event, listener);
  }

  /** Removes every key of this instance from Redis and empties the replica. */
  async $delete(): Promise<void> {
    const state = core(this);
    const replica = state.replica;
    if (state.closed) throw new ClosedError();
    if (replica.batches.offline) throw new ConnectionError(`${replica.ns} is offline (opened with \`offline: true\` before Redis could be reached): there is nothing to delete yet`);
    await replica.batches.flush();
    const known = [...replica.nodes.keys()];
    const root = replica.root;
    for (const key of Object.keys(root.fields)) {
      nodeOf(root.fields[key])?.detach();
      root.remove(key);
    }
    await replica.backend.deleteInstance(replica.ns, known);
    // The next write creates a new instance (a new epoch). Until then the store shows what
    // a new one holds (its defaults and \`init\`), written with that write, not before: a
    // $delete() followed by $close() leaves nothing in Redis.
    replica.batches.loadedEpoch("");
    if (state.renew) replica.batches.deferWrites(state.renew);
  }

  /**
   * Runs `fn(store)` as an optimistic transaction: its writes are one batch that Redis
   * applies only if nothing was written to the instance since `fn` read it; otherwise
   * the store reloads and runs `fn` again (at most `attempts` times, default 10, then
   * ConflictError). Resolves to `fn`'s result once the batch is acknowledged. Writes
   * other code makes while an async `fn` runs are not part of it: they are sent as
   * usual (and make the transaction run again). `mem.turns += 1` outside a
   * transaction is last-writer-wins across processes.
   */
  $transaction<R>(fn: (store: this) => R | Promise<R>, options: { attempts?: number } = {}): Promise<Awaited<R>> {
    const state = core(this);
    // One transaction of a store at a time: the next starts when this one settled.
    const run = state.transactions.then(() => traced("transaction", targetOf(state.replica.ns), () => this.$runTransaction(fn, options.attempts ?? 10)));
    state.transactions = run.then(() => undefined, () => undefined);
    return run;
  }

  private async $runTransaction<R>(fn: (store: this) => R | Promise<R>, attempts: number): Promise<Awaited<R>> {
    const state = core(this);
    const replica = state.replica;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (state.closed) throw new ClosedError();
      await replica.batches.drained();
      if (state.closed) throw new ClosedError();
      // Read at a seq the replica reflects exactly: reload when another writer moved it.
      // Plain reads: they ride out a command timeout, a closed connection, TRYAGAIN, as batches do.
      const ride = { until: () => state.closed };
      if ((await rideOut(() => replica.backend.seq(replica.ns), ride)) !== replica.batches.knownSeq) await rideOut(() => reload(state), ride);
      const readAt = replica.batches.knownSeq;
      replica.batches.hold();
      let result: Awaited<R>;
      try {
        // Writes made in fn's async context are the transaction's; other code's go out as usual.
        result = await transactionScope.run(replica.batches, () => fn(this));
      } catch (error) {
        replica.batches.discard();
        await replica.batches.drained();
        throw error;
      }
      try {
        await replica.batches.commit(readAt);
        return result;
      } catch (error) {
        // Stale: someone wrote what fn read. Order: a batch of other code's before it was
        // refused, so it was not applied either; fn runs again on what Redis holds.
        if (!(error instanceof WriteError && (error.code === "stale" || error.code === "order"))) throw error;
        conflicted(targetOf(replica.ns), attempt);
        // Someone wrote in between: back off a little (random), reload, run again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
    throw new ConflictError(replica.ns, attempts);
  }

  /**
   * The batches the instance kept, oldest first: `{ seq, at, writer, changes }` (`at`:
   * Redis' clock, ms since the epoch; `changes`: paths, operation names and values).
   * Needs history (`"x-redis-memory": { "history" }` in the schema, or the `history`
   * open option); writes not yet acknowledged are not in it (`await $flush()` first).
   */
  $history(options: HistoryOptions = {}): AsyncIterable<HistoryEntry> {
    const state = core(this);
    if (state.closed) throw new ClosedError();
    const replica = state.replica;
    if (!historyOf(state.options, (this.constructor as StoreClass<Store<object>>).schema)) {
      throw new UsageError(`${replica.ns}: $history() needs history: add "x-redis-memory": { "history": { "maxEntries": 1000 } } to the schema's root, or open with { history: true }`);
    }
    if (replica.batches.offline) throw new ConnectionError(`${replica.ns} is offline (opened with \`offline: true\` before Redis could be reached): its history is not known yet`);
    return readHistory(replica.backend, replica.ns, options);
  }

  /** Milliseconds until the instance expires, or undefined when it has no expiry. */
  async $ttl(): Promise<number | undefined> {
    const state = core(this);
    if (state.closed) throw new ClosedError();
    if (state.replica.batches.offline) throw new ConnectionError(`${state.replica.ns} is offline (opened with \`offline: true\` before Redis could be reached): its expiry is not known yet`);
    return state.replica.backend.ttl(state.replica.ns);
  }

  /** Atomic server-side increment of a numeric field; resolves to the new value. */
  $incr<K extends NumericKeys<TData>>(field: K, by = 1): Promise<number> {
    return dictIncr(core(this).replica.root.proxy as Record<string, unknown>, field, by);
  }

  /** The synced value of a top-level field (generated getters call this). */
  protected $get(key: string): unknown {
    const fields = core(this).replica.root.fields;
    return key in fields ? fields[key] : undefined;
  }

  /** Writes a top-level field; `undefined` deletes it (generated setters call this). */
  protected $set(key: string, value: unknown): void {
    setField(core(this).replica.root, key, value);
  }

  /** Deletes a top-level field. */
  protected $remove(key: string): boolean {
    return deleteField(core(this).replica.root, key);
  }
}

let creating: StoreInternals | undefined;

/** Whether `key` is a top-level field of the store's schema. */
function declaredField(store: object, key: string | symbol): key is string {
  const properties = core(store).replica.root.shape;
  return typeof key === "string" && properties.kind === "dict" && properties.properties !== undefined && Object.hasOwn(properties.properties, key);
}

function undeclared(store: object, key: string | symbol, what: string): UsageError {
  const name = JSON.stringify(typeof key === "symbol" ? String(key) : key);
  const storeName = core(store).replica.ns;
  if (typeof key === "string" && (key.startsWith("$") || key in Store.prototype)) {
    return new UsageError(`${storeName}: ${name} is a member of every store, not a field; it cannot be ${what}`);
  }
  return new UsageError(`${storeName}: the schema declares no field ${name}, so it cannot be ${what} (a typed store holds only its schema's fields)`);
}

/** A typed store: writes and deletes reach only the schema's fields. */
const typedStoreHandler: ProxyHandler<Store<object>> = {
  // Getters run on the store itself: one trap per read, not one per member the getter reads.
  get(target, key) {
    return (target as unknown as Record<string | symbol, unknown>)[key];
  },
  set(target, key, value, receiver) {
    if (!declaredField(target, key)) throw undeclared(target, key, "assigned");
    return Reflect.set(target, key, value, receiver);
  },
  deleteProperty(target, key) {
    // As on an object: deleting what it does not hold does nothing.
    if (!declaredField(target, key)) return true;
    deleteField(core(target).replica.root, key);
    return true;
  },
  defineProperty(target, key) {
    throw undeclared(target, key, "defined");
  },
};

/** The internals of an open store (for the runtime's tests and tools; not exported by the package). */
export function storeInternals(store: object): StoreInternals {
  return core(store);
}

/** Opens (creating when new) the instance `options.id` of a store class. */
export async function openStore<S extends Store<object>>(cls: StoreClass<S>, options: OpenOptions<object> = {}): Promise<S> {
  const resolved = resolveOptions(options);
  await loadTelemetry();
  return traced("open", targetOf(namespaceOf(resolved.prefix, cls.schema.name, resolved.id)), () => openResolved(cls, resolved));
}

async function openResolved<S extends Store<object>>(cls: StoreClass<S>, resolved: ResolvedOptions): Promise<S> {
  const schema = cls.schema;
  const started = Date.now();
  let lease: Lease;
  try {
    lease = await acquire(resolved.redis, resolved.connectTimeout);
  } catch (error) {
    if (!(error instanceof ConnectionError)) throw error;
    // A server that refused the credentials answered: offline is for a Redis out of reach.
    if (resolved.offline && error.command === undefined) return openOffline(cls, resolved);
    const ns = namespaceOf(resolved.prefix, schema.name, resolved.id);
    throw new ConnectionError(`opening ${ns}: ${error.message}`, { cause: error.cause, elapsed: error.elapsed, command: error.command });
  }
  const backend = lease.backend;
  let feed: Feed | undefined;
  let opened: StoreInternals | undefined;
  try {
    const ns = namespaceOf(resolved.prefix, schema.name, resolved.id);
    const replica = new Replica({ backend, ns, shape: schema.shape, schemaHash: schema.hash ?? "", log: resolved.log, ttl: resolved.ttl, history: historyOf(resolved, schema) });
    if (debugging()) debugEvents(replica);
    const where = `instance ${ns} on Redis`;
    // Subscribed before the load: every entry after the loaded position reaches the feed.
    if (resolved.live) {
      feed = new Feed(replica, lease.subscriber());
      await within(feed.listen(), started, resolved.connectTimeout, "subscribe to the change feed of", where, () => undefined);
    }
    const loaded = applyLoad(replica, await within(rideOut(() => backend.load(ns), { deadline: started + resolved.connectTimeout }), started, resolved.connectTimeout, "load", where, () => undefined));
    const state: StoreInternals = { replica, options: resolved, loaded, closed: false, transactions: Promise.resolve(), lease };
    opened = state;
    state.checkLoad = () => checkLoad(replica, resolved.onInvalid, "reload");
    replica.leavesOut = resolved.onInvalid !== "fail";
    replica.batches.version = versionsOf(schema);
    await migrateOnOpen(state, cls, schema);
    // A later reload that finds the instance at an older version migrates it as this open did.
    state.migrate = migrator(state, cls, schema);
    const isNew = loaded.seq === 0 && Object.keys(replica.root.fields).length === 0;
    const fill = missingDefaults(state, schema);
    if (!isNew) checkLoad(replica, resolved.onInvalid, "open", fill);
    initialise(state, schema, isNew, fill);
    const store = construct(cls, state);
    replica.batches.onStale = staleHandler(state);
    state.renew = () => initialise(state, schema, true, missingDefaults(state, schema), true);
    if (feed) {
      state.feed = feed;
      // The load above held none of this store's batches.
      feed.start(state, 0);
    }
    try {
      await replica.batches.flush();
    } catch (error) {
      if (!(error instanceof WriteError && error.code === "version")) throw error;
      // Another process made or migrated the instance at another schema version between
      // the load above and this open's first batch (a new instance made by an older pod, or
      // one a newer pod migrated): decide on what Redis holds now, as an open that came
      // after it would. Reloading refuses a newer instance (SchemaVersionError) and
      // migrates an older one; the defaults it lacks are filled (`init` was for a new one).
      await reload(state);
      initialise(state, schema, false, missingDefaults(state, schema));
      await replica.batches.flush();
    }
    warnIfEvicting(state);
    if (resolved.live) watchExpiry(state, schema);
    return store;
  } catch (error) {
    // Nothing of a refused open goes on in the background (a reload after a refused batch).
    if (opened) {
      opened.closed = true;
      opened.replica.closed = true;
    }
    feed?.stop();
    await lease.release();
    throw error;
  }
}

/** Migrates the store's instance when a reload finds it older; one at a time (a reload that comes while one runs, its own batch refused, waits for it). */
function migrator(state: StoreInternals, cls: object, schema: StoreSchema): () => Promise<void> {
  let migrating: Promise<void> | undefined;
  return () => (migrating ??= migrateOnOpen(state, cls, schema).finally(() => (migrating = undefined)));
}

/** Makes the store object for `state` (only the runtime can: see StoreToken). */
function construct<S extends Store<object>>(cls: StoreClass<S>, state: StoreInternals): S {
  creating = state;
  try {
    return new cls(state as unknown as StoreToken);
  } finally {
    creating = undefined;
  }
}

/**
 * After a refused batch: reload; a reload that fails is retried in the background
 * until it succeeds (until then the replica may hold a write Redis does not).
 */
function staleHandler(state: StoreInternals): () => Promise<void> {
  return async () => {
    try {
      await reload(state);
    } catch (error) {
      // Retried in the background, unless retrying cannot cure it (the instance is newer).
      if (!isLasting(error)) void (state.feed ? state.feed.requestReload() : reloadUntilDone(state));
      throw error;
    }
  };
}

/** Schema defaults of top-level fields the instance does not have. */
function missingDefaults(state: StoreInternals, schema: StoreSchema): Record<string, unknown> {
  const root = state.replica.root;
  const values: Record<string, unknown> = Object.create(null);
  for (const [key, field] of Object.entries(schema.shape.properties ?? {})) {
    if (field.default !== undefined && !(key in root.fields)) values[key] = structuredClone(field.default);
  }
  return values;
}

/**
 * Writes what a new instance (or one written by an older schema) lacks: schema
 * defaults, then `init` for a new instance; a required field left without a value is
 * an error naming it.
 */
function initialise(state: StoreInternals, schema: StoreSchema, isNew: boolean, defaults: Record<string, unknown>, again = false): void {
  const root = state.replica.root;
  const shape = schema.shape;
  const values: Record<string, unknown> = Object.create(null);
  Object.assign(values, defaults);
  if (isNew) for (const key of Object.keys(state.options.init)) values[key] = state.options.init[key];
  const missing = isNew && !again ? (shape.required ?? []).filter((key) => values[key] === undefined) : [];
  if (missing.length > 0) {
    const problems: ValidationProblem[] = missing.map((key) => ({
      path: [key],
      schemaPointer: `${shape.source ?? "#"}/required`,
      message: `required field ${JSON.stringify(key)} has no default; pass it in the \`init\` option of open() for a new instance`,
    }));
    throw new ValidationError(problems);
  }
  // Every value is checked before the first is queued: a refused open() must write nothing
  // (the pooled connection stays open and would carry the batch).
  for (const key of Object.keys(values)) {
    if (values[key] !== undefined) state.replica.check(root, key, values[key], childShape(root.shape, key));
  }
  const entries = Object.keys(values).filter((key) => values[key] !== undefined && !(key in root.fields)).map((key) => [key, values[key]] as const);
  checkDictUpdate(root, entries);
  // Set-if-absent: processes opening a new instance at once must not overwrite each other.
  asOneWrite(() => {
    for (const key of Object.keys(values)) setField(root, key, values[key], true);
  });
}

/**
 * A server whose `maxmemory-policy` may evict single keys of an instance is reported
 * once the store is open (a `status` event "evicting" on the next turn, so a listener
 * attached right after `await open()` gets it): eviction is detected, but the instance
 * must then be deleted or restored.
 */
function warnIfEvicting(state: StoreInternals): void {
  void state.replica.backend.evictionPolicy().then((policy) => {
    const evicting = policy !== undefined && (policy.startsWith("allkeys") || (policy.startsWith("volatile") && state.options.ttl !== undefined));
    if (evicting && !state.closed) setImmediate(() => state.replica.events.emit("status", { status: "evicting", policy }));
  });
}

/**
 * A live store notices its instance expire: at the expiry it knows of, it asks whether
 * the instance is still there (another writer may have slid it: then it waits again);
 * when it is gone it emits `status: "expired"` and holds the new instance (defaults,
 * written on its next batch).
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

function watchExpiry(state: StoreInternals, schema: StoreSchema): void {
  const replica = state.replica;
  const arm = (at: number): void => {
    if (state.closed || at <= 0) return;
    // Node's timers take at most 2^31-1 ms (~24.8 days); a later expiry is checked then, and armed again.
    const timer = setTimeout(() => void check(), Math.min(Math.max(at - Date.now(), 0) + 20, MAX_TIMER_MS));
    timer.unref();
  };
  const check = async (): Promise<void> => {
    if (state.closed) return;
    try {
      const left = await replica.backend.ttl(replica.ns);
      if (left !== undefined) return arm(Date.now() + left);
      if (await replica.backend.exists(replica.ns)) return;
      // The reload finds it gone, fills the new instance and says "expired".
      await reload(state, "expired");
    } catch (error) {
      replica.events.emit("error", asSyncFailure(replica.ns, "watching the expiry", error));
    }
  };
  arm(replica.batches.expireAt);
  replica.batches.onExpiry = arm;
}

/**
 * `offline: true` and Redis out of reach: the store starts from the local state
 * (defaults and `init`), takes writes, and syncs when Redis comes (runtime/offline.ts).
 * Status events: "offline" (on the next turn), then "connected" and "synced".
 */
function openOffline<S extends Store<object>>(cls: StoreClass<S>, resolved: ResolvedOptions): S {
  const schema = cls.schema;
  const ns = namespaceOf(resolved.prefix, schema.name, resolved.id);
  const replica = new Replica({ backend: undefined, ns, shape: schema.shape, schemaHash: schema.hash ?? "", log: resolved.log, ttl: resolved.ttl, history: historyOf(resolved, schema) });
  const state: StoreInternals = { replica, options: resolved, loaded: { seq: 0, lastId: "0-0" }, closed: false, transactions: Promise.resolve() };
  state.checkLoad = () => checkLoad(replica, resolved.onInvalid, "reload");
  replica.leavesOut = resolved.onInvalid !== "fail";
  replica.batches.version = versionsOf(schema);
  initialise(state, schema, true, missingDefaults(state, schema));
  const store = construct(cls, state);
  setImmediate(() => replica.events.emit("status", { status: "offline" }));
  void (async () => {
    const backend = await connectWhenReachable(async () => {
      const lease = await acquire(resolved.redis, resolved.connectTimeout);
      state.lease = lease;
      return lease.backend;
    }, () => state.closed);
    if (!backend || !state.lease) return;
    if (state.closed) return void (await state.lease.release());
    replica.backend = backend;
    try {
      // Subscribed before the load: every entry after the loaded position reaches the feed.
      const feed = resolved.live ? new Feed(replica, state.lease.subscriber()) : undefined;
      await feed?.listen();
      const reply = await backend.load(ns);
      const intents = replica.batches.takeIntents();
      // Versions as open() decides them: an instance this version may not write is refused
      // (the writes made offline are not sent), an older one is migrated before they replay.
      const { version } = versionsOf(schema);
      if (reply.epoch !== "" && reply.vmin > version) throw new SchemaVersionError(ns, version, reply.vmin, reply.version);
      state.loaded = applyLoad(replica, reply);
      await migrateOnOpen(state, cls, schema);
      state.migrate = migrator(state, cls, schema);
      state.checkLoad?.();
      replica.batches.onStale = staleHandler(state);
      state.renew = () => initialise(state, schema, true, missingDefaults(state, schema), true);
      replica.events.emit("status", { status: "connected" });
      replay(replica, intents);
      if (feed) {
        state.feed = feed;
        feed.start(state, 0);
      }
      replica.batches.wakeIdle();
      await replica.batches.flush();
      replica.events.emit("status", { status: "synced" });
    } catch (error) {
      replica.events.emit("error", asSyncFailure(ns, "syncing the writes made offline", error));
      replica.batches.wakeIdle();
    }
  })();
  return store;
}

/** History settings: the `history` open option, else the schema's annotation; undefined when off. */
function historyOf(resolved: ResolvedOptions, schema: StoreSchema): { limits: HistoryLimits; writer: string | undefined } | undefined {
  const limits = resolved.history ?? (schema.history === undefined ? undefined : checkHistory(schema.history, `${schema.name}'s "x-redis-memory".history`));
  return limits ? { limits, writer: resolved.writer } : undefined;
}
