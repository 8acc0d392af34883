// The write path of one replica to Redis: the operations queued by one synchronous
// run of code leave together as one batch (one script call). A client's batches are
// chained (each names the one it follows, so Redis applies them once and in order,
// whatever resends and NOSCRIPT retries do), acknowledged or refused (a refusal
// reloads the replica once the queue drains), and awaited by flush(). A transaction
// holds its writes and commits them as one batch; a store opened offline keeps them
// as intents to replay (runtime/offline.ts).
import { AsyncLocalStorage } from "node:async_hooks";
import { LOG_DEFAULTS, type Backend, type Batch, type BatchMemo, type BatchOutcome, type LogLimits } from "./backend.js";
import { FlushTimeoutError, RedisMemoryError, WriteError, asSyncFailure, bareCause, type DataPath } from "./errors.js";
import type { Events } from "./events.js";
import { newId } from "./ids.js";
import { BATCH_LIMITS, fits, takeBatch } from "./split.js";
import type { DictNode } from "./node.js";
import { OPS, touches, type Intent } from "./op/rows.js";
import { isRef, type Enc, type NodeId, type Op } from "./ops.js";
import { batchSent, batchSettled, targetOf, type Target } from "./telemetry.js";
import type { HistoryLimits } from "./protocol/batch.js";
import type { JsonValue } from "./values.js";

interface PendingIncr {
  readonly node: DictNode;
  readonly field: string;
  readonly expected: number;
  readonly resolve: (value: number) => void;
  readonly reject: (error: unknown) => void;
}

/** The batches whose transaction's fn runs in this async context (its writes are the transaction's). */
export const transactionScope = new AsyncLocalStorage<Batches>();

/** Batches one replica keeps on the wire at once (the script remembers results for more). */
const MAX_INFLIGHT = 16;
/** Times a batch is sent again because an earlier one was not applied yet, before it is given up. */
const MAX_WAITS = 64;

interface InFlight {
  readonly batch: Batch;
  readonly incrs: readonly PendingIncr[];
  done: Promise<void> | undefined;
  /** Why it was refused (a transaction's batch reports it to the transaction, not to flush()). */
  error: RedisMemoryError | undefined;
  transaction: boolean;
}

/** Where the microtask that sends a tick's writes hangs. */
const RESOLVED = Promise.resolve();

/** The increments of a batch that has none (shared: only read). */
const NO_INCRS: readonly PendingIncr[] = Object.freeze([]);

/** What the batches need of the replica they write for. */
export interface BatchOwner {
  readonly ns: string;
  readonly clientId: string;
  /** Set at open, or when Redis comes for a store opened offline. */
  readonly backend: Backend;
  readonly closed: boolean;
  readonly events: Events;
  /** The path of the container `id` (a write made offline is kept by it), undefined when the replica holds none. */
  pathOf(id: NodeId): DataPath | undefined;
  /** The data of the container `id`, as plain JSON (null when the replica holds none). */
  plainOf(id: NodeId): JsonValue;
  /** Another writer made the same element a container first: the replica's `from` is `to`. */
  rename(from: NodeId, to: NodeId): void;
}

export interface BatchSettings {
  readonly schemaHash: string;
  readonly log?: LogLimits | undefined;
  readonly ttl?: number | undefined;
  /** No Redis yet (a store opened offline): writes are kept as intents. */
  readonly offline: boolean;
  /** History: every batch is kept in the log with its writer and the paths of its operations. */
  readonly history?: { readonly limits: HistoryLimits; readonly writer: string | undefined } | undefined;
}

export class Batches {
  private readonly schemaHash: string;
  private readonly log: LogLimits;
  private readonly ttl: number;
  private readonly history: { readonly limits: HistoryLimits; readonly writer: string | undefined } | undefined;
  /** The instance seq the replica reflects as far as it knows (its load, then its own batches in a row). */
  knownSeq = 0;
  /** When the instance expires (ms since the epoch), -1 when it does not (as of the last load or batch). */
  expireAt = -1;
  /** Called when the instance gets an expiry it did not have (the store watches for it). */
  onExpiry: ((at: number) => void) | undefined;
  /**
   * Opened without Redis: writes are kept (with the path of the container they write
   * to) and replayed on what Redis holds when it comes (runtime/offline.ts).
   */
  offline: boolean;
  private readonly intents: Intent[] = [];
  /** A transaction runs: the writes its fn makes stay held until it commits them as one batch. */
  private holding = false;
  /** The transaction's writes (other code's writes meanwhile are queued and sent as usual). */
  private held: Op[] = [];
  private heldIncrs: PendingIncr[] = [];
  private readAt = "";

  /** The instance epoch the replica reflects ("" when it loaded no instance: the next batch creates one). */
  epoch = "";
  /** The epoch this replica's next batch creates when the instance is new (fresh for each incarnation). */
  private newEpoch = newId();
  /** The last of this replica's batches known applied, and the last one sent. */
  private applied = 0;
  private lastSent = 0;
  /** A batch was refused: those on the wire after it are not applied; new ones follow `applied`. */
  private chainBroken = false;
  /** Containers with keys that left the data since the last batch (declared by the next one). */
  private readonly dropped = new Set<NodeId>();
  private readonly idleWaiters: (() => void)[] = [];

  private pending: Op[] = [];
  private pendingIncrs: PendingIncr[] = [];
  /**
   * Writes that wait for the next other write and then go first, in its batch (a new
   * instance's defaults after `$delete()`: shown at once, written only with data).
   */
  private deferred: Op[] | undefined;
  private deferring = false;
  /** The push op that later appends to the same list may join. */
  private lastPush: [op: "push", node: NodeId, values: Enc[]] | undefined;
  /** Whether `lastPush` is one of the transaction's held writes. */
  private lastPushHeld = false;
  private scheduled = false;
  private batchSeq = 0;
  private readonly inflight = new Map<number, InFlight>();
  /** Batches Redis refused (never applied), above the last applied one. */
  private readonly refusedSeqs = new Set<number>();
  private failures: unknown[] = [];
  /** Called when a batch failed and the replica must be reloaded from Redis. */
  onStale: (() => Promise<void>) | undefined;
  /** Called with each batch as it leaves (the change feed tracks what its own unseen batches touch). */
  onSend: ((seq: number, ops: readonly Op[]) => void) | undefined;
  /** Called when a sent batch is answered: with its outcome, or undefined when it was refused (it is not in the log). */
  onSettled: ((seq: number, outcome: Exclude<BatchOutcome, { kind: "wait" }> | undefined) => void) | undefined;
  /**
   * Subscriptions to the instance's channel that only this store uses (its feed's, when
   * no other store of the process listens): set by the feed; see Batch.ownSubscriptions.
   */
  ownSubscriptions: () => number = () => 0;
  private reloading: Promise<void> | undefined;
  /** Texts every batch of this replica sends alike (the protocol makes them once). */
  private readonly memo: BatchMemo = {};
  /** The store's schema version and the lowest version that may write what it writes (runtime/migrate.ts). */
  version = { version: 1, vmin: 1 };
  /** While a migration commits: the instance version it read (its batch applies only on that version). */
  migrateFrom = 0;
  /** What telemetry names this replica's batches by (made at the first batch). */
  private target: Target | undefined;

  constructor(
    private readonly owner: BatchOwner,
    settings: BatchSettings,
  ) {
    this.schemaHash = settings.schemaHash;
    this.log = settings.log ?? LOG_DEFAULTS;
    this.ttl = settings.ttl ?? 0;
    this.history = settings.history;
    this.offline = settings.offline;
  }

  /** The container `id` left the data: the next batch declares its key (the script deletes it). */
  drop(id: NodeId): void {
    this.dropped.add(id);
  }

  /** A load placed the replica at `seq`. */
  loaded(seq: number, expireAt: number): void {
    this.knownSeq = seq;
    this.expireAt = expireAt;
  }

  /** A load found another epoch (the instance was recreated): this client's batch chain starts over. */
  loadedEpoch(epoch: string): void {
    if (epoch !== this.epoch) {
      this.applied = 0;
      this.lastSent = 0;
      // An instance this replica creates again must not take the epoch of the one that is gone:
      // other stores' writes made for that one would be accepted by the new one.
      if (epoch === "") this.newEpoch = newId();
    }
    this.epoch = epoch;
  }


  /** Whether a write made now belongs to the running transaction (made by its fn). */
  private holdsNow(): boolean {
    return this.holding && transactionScope.getStore() === this;
  }

  queue(op: Op): void {
    if (op[0] !== "promote") this.lastPush = undefined;
    if (this.deferring) {
      this.deferred!.push(op);
      return;
    }
    if (this.deferred !== undefined) {
      const first = this.deferred;
      this.deferred = undefined;
      for (const earlier of first) this.queue(earlier);
    }
    if (this.holdsNow()) this.held.push(op);
    else this.pending.push(op);
    if (this.offline) this.record(op);
    this.schedule();
  }

  /** Runs `write`, keeping what it queues until the next write is queued (then it goes first). */
  deferWrites(write: () => void): void {
    this.deferred ??= [];
    this.deferring = true;
    try {
      write();
    } finally {
      this.deferring = false;
      // Nothing queued later may join a deferred push.
      this.lastPush = undefined;
    }
  }

  /** An offline write, by the path of its container (node ids are local until Redis has them). */
  private record(op: Op): void {
    if (op[0] === "promote") return;
    const path = this.owner.pathOf(op[1]);
    if (!path) return;
    // References to local containers become their data: the replay writes values.
    const plain = (enc: Enc): Enc => (isRef(enc) ? JSON.stringify(this.owner.plainOf(enc.slice(3))) : enc);
    const copy = op[0] === "replace" ? (["replace", op[1], op[2].map(plain)] as Op) : op;
    this.intents.push({ path, op: copy, incr: undefined });
  }

  /** The writes made offline, in order; the replica forgets its own queue of them. */
  takeIntents(): Intent[] {
    const intents = this.intents.splice(0);
    this.offline = false;
    this.pending = [];
    this.pendingIncrs = [];
    this.held = [];
    this.heldIncrs = [];
    this.lastPush = undefined;
    this.dropped.clear();
    return intents;
  }

  /** Appends join the previous push to the same list when nothing but new subtrees came between. */
  queuePush(node: NodeId, values: Enc[]): void {
    const last = this.lastPush;
    if (last !== undefined && last[1] === node && this.lastPushHeld === this.holdsNow()) {
      for (const value of values) last[2].push(value);
      return;
    }
    const op: [op: "push", node: NodeId, values: Enc[]] = ["push", node, values];
    this.queue(op);
    this.lastPush = op;
    this.lastPushHeld = this.holdsNow();
  }

  /**
   * Queues a retention of `node` to its last `count` elements. Appends made after it
   * may still join the push before it: trimming the front of a list and appending to
   * its end commute, so one `keep` after all of them drops what several would.
   */
  queueKeep(node: NodeId, count: number): void {
    const queue = this.holdsNow() ? this.held : this.pending;
    const last = queue.at(-1);
    if (last !== undefined && last[0] === "keep" && last[1] === node && last[2] === count) return;
    const push = this.lastPush;
    this.queue(["keep", node, count]);
    if (push !== undefined && push[1] === node) this.lastPush = push;
  }

  queuePushOne(node: NodeId, value: Enc): void {
    const last = this.lastPush;
    if (last !== undefined && last[1] === node && this.lastPushHeld === this.holdsNow()) last[2].push(value);
    else this.queuePush(node, [value]);
  }

  /** Queues an `incr` of `node` (the container `id`); resolves to the server's value (the replica holds `expected` meanwhile). */
  queueIncr(id: NodeId, node: DictNode, field: string, by: number, expected: number): Promise<number> {
    this.queue(["incr", id, field, by]);
    const intent = this.offline ? this.intents.at(-1) : undefined;
    const incrs = this.holdsNow() ? this.heldIncrs : this.pendingIncrs;
    return new Promise<number>((resolve, reject) => {
      incrs.push({ node, field, expected, resolve, reject });
      // Offline: the replay's increment gives the server's value.
      if (intent) intent.incr = { resolve, reject };
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A reaction to a settled promise, not queueMicrotask: Node wraps each of those in an
    // AsyncResource (ids, hooks, a bound function), which a write per await pays every time.
    void RESOLVED.then(this.sendQueued);
  }

  /** send() as the microtask that ends a synchronous run of writes (made once, not per batch). */
  private readonly sendQueued = (): void => void this.send();

  /** Sends what is queued as one batch (unless the wire is full: it leaves when a batch settles). */
  send(): InFlight | undefined {
    this.scheduled = false;
    if (this.pending.length === 0 || this.offline) return undefined;
    // A new instance's first batch creates it: the next ones need its epoch.
    const limit = this.epoch === "" ? 1 : MAX_INFLIGHT;
    if (this.inflight.size >= limit || (this.chainBroken && this.inflight.size > 0)) return undefined;
    // A transaction's batch is alone at the end of the chain: it may be refused (stale) and
    // run again, and a batch chained after it would then be refused with it.
    if (this.inflight.size > 0) for (const other of this.inflight.values()) if (other.transaction) return undefined;
    if (this.chainBroken) {
      this.chainBroken = false;
      this.lastSent = this.applied;
    }
    // At most one atomic batch's worth (runtime/split.ts); the rest leaves next, in order.
    const [ops, rest] = takeBatch(this.pending);
    let counted = 0;
    for (const op of ops) if (op[0] === "incr") counted++;
    const incrs = counted === 0 ? NO_INCRS : this.pendingIncrs.splice(0, counted);
    this.pending = rest;
    this.lastPush = undefined;
    // Every batch of the tick declares the containers that left the data (one of them deletes them).
    const keys = declaredIds(ops, this.dropped, this.ttl > 0);
    const lists = listIds(ops, keys, this.dropped);
    if (rest.length === 0 && this.dropped.size > 0) this.dropped.clear();
    const seq = ++this.batchSeq;
    // Batches still on the wire may be sent again: their results must be kept.
    let acked = seq - 1;
    if (this.inflight.size > 0) for (const other of this.inflight.keys()) acked = Math.min(acked, other - 1);
    const batch: Batch = {
      ns: this.owner.ns, clientId: this.owner.clientId, seq, prev: this.lastSent, epoch: this.epoch, newEpoch: this.newEpoch,
      ops, keys, lists, schemaHash: this.schemaHash, version: this.version.version, vmin: this.version.vmin, from: this.readAt === "" ? 0 : this.migrateFrom,
      log: this.log, ttl: this.ttl, readAt: this.readAt,
      ownSubscriptions: this.ownSubscriptions(),
      acked, memo: this.memo,
      history: this.history && { limits: this.history.limits, writer: this.history.writer ?? this.owner.clientId, paths: this.pathsOf(ops) },
    };
    this.readAt = "";
    this.lastSent = seq;
    this.onSend?.(seq, ops);
    const record: InFlight = { batch, incrs, done: undefined, error: undefined, transaction: batch.readAt !== "" };
    this.inflight.set(seq, record);
    const target = (this.target ??= targetOf(this.owner.ns));
    record.done = this.dispatch(record, target, batchSent(target, seq, ops));
    if (this.pending.length > 0) this.send();
    return record;
  }

  /** A sent batch was answered (or given up): the next one may leave, and idle() waiters wake once none is on the wire. */
  private settle(record: InFlight, target: Target, sent: number): void {
    const seq = record.batch.seq;
    batchSettled(target, seq, sent, record.error);
    this.inflight.delete(seq);
    this.send();
    if (this.inflight.size === 0 && this.idleWaiters.length > 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** History: the path of each operation's container, as JSON (null where the replica holds none). */
  private pathsOf(ops: readonly Op[]): string {
    return JSON.stringify(ops.map((op) => this.owner.pathOf(op[1]) ?? null));
  }

  /**
   * Wakes `idle()` waiters (a store opened offline has synced, a transaction committed or
   * dropped its writes), in a microtask: what the caller does next (a reload it starts)
   * is seen by a flush() that checks again.
   */
  wakeIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters.splice(0);
    void RESOLVED.then(() => {
      for (const wake of waiters) wake();
    });
  }

  // ---- transactions --------------------------------------------------------

  /** Writes the transaction's fn makes from now on stay held (transactionScope tells them apart). */
  hold(): void {
    this.holding = true;
  }

  /**
   * Sends what is queued as one batch that Redis applies only if the instance seq is
   * still `readAt`; resolves when it is applied, rejects with its refusal (`stale`: run
   * the transaction again). Nothing queued: resolves at once.
   */
  async commit(readAt: number): Promise<void> {
    if (this.held.length === 0) {
      this.holding = false;
      this.heldIncrs = [];
      return this.wakeIdle();
    }
    if (!fits(this.held)) {
      // One atomic batch or none: the replica reloads to undo what fn wrote.
      const failure = new WriteError(this.owner.ns, `the transaction writes more than one atomic batch holds (${BATCH_LIMITS.operations.toLocaleString("en")} operations, ${BATCH_LIMITS.values.toLocaleString("en")} values, ${BATCH_LIMITS.bytes / 1024 / 1024} MiB; see docs/guides/batches.md); nothing was written: split it, or write outside $transaction`, { code: "bound" });
      this.holding = false;
      for (const incr of this.heldIncrs) incr.reject(failure);
      this.held = [];
      this.heldIncrs = [];
      this.lastPush = undefined;
      this.wakeIdle();
      this.reloadWhenIdle();
      throw failure;
    }
    let record: InFlight | undefined;
    for (;;) {
      // Other code's queued writes leave first, in batches of their own: the transaction's
      // batch (which carries `readAt`, taken by send()) holds only the transaction's writes.
      if (this.pending.length === 0) {
        this.pending = this.held;
        this.pendingIncrs = this.heldIncrs;
        this.held = [];
        this.heldIncrs = [];
        this.lastPush = undefined;
        this.readAt = String(readAt);
        record = this.send();
        if (record) break;
        this.held = this.pending;
        this.heldIncrs = this.pendingIncrs;
        this.pending = [];
        this.pendingIncrs = [];
        this.readAt = "";
      } else this.send();
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    this.holding = false;
    this.wakeIdle();
    record.transaction = true;
    await record.done;
    if (record.error) throw record.error;
  }

  /** The transaction's function threw: its writes are dropped (the replica reloads to undo them). */
  discard(): void {
    this.holding = false;
    const failure = new WriteError(this.owner.ns, "the transaction's function threw; its writes were not sent", { code: "conflict" });
    for (const incr of this.heldIncrs) incr.reject(failure);
    this.held = [];
    this.heldIncrs = [];
    this.lastPush = undefined;
    this.wakeIdle();
    this.reloadWhenIdle();
  }

  /**
   * Sends one batch until it is applied or refused, then settles it (in the microtask
   * of its answer: an awaited write takes no extra hop).
   */
  private async dispatch(record: InFlight, target: Target, sent: number): Promise<void> {
    const { batch } = record;
    try {
      for (let waits = 0; ; waits++) {
        let outcome: BatchOutcome;
        const appliedBefore = this.applied;
        try {
          const backend = this.owner.backend;
          // The usual batch: its FCALL's promise awaited here (one hop from the reply to the settle).
          const direct = backend.direct(batch);
          if (direct === undefined) outcome = await backend.apply(batch, this.isClosed);
          else {
            let reply: unknown, failed: { error: unknown } | undefined;
            try {
              reply = await direct;
            } catch (error) {
              failed = { error };
            }
            outcome = failed === undefined ? backend.outcome(reply) : await backend.apply(batch, this.isClosed, failed);
          }
        } catch (error) {
          return this.refused(record, error);
        }
        if (outcome.kind !== "wait") return this.acknowledged(record, outcome);
        // An earlier batch of ours was not applied when this one ran (its NOSCRIPT retry or
        // its resend was behind us): wait for it, then send this one again.
        const earlier = [...this.inflight.values()].filter((other) => other.batch.seq < batch.seq && other.done);
        if (earlier.length === 0 && outcome.applied < batch.prev) {
          // The batch it follows was acknowledged while this one was out: this one ran before
          // it (sent behind it by a resend or a retry, and its answer read after that one's
          // settled). Nothing was lost: send it again.
          if (appliedBefore < batch.prev && this.applied >= batch.prev && waits < MAX_WAITS) continue;
          // Nothing of ours is on the wire before it, yet Redis does not hold the batch it
          // follows: Redis lost acknowledged batches (a failover, an older snapshot). Go on from what it holds.
          this.applied = Math.min(this.applied, outcome.applied);
          // Unless the batch it follows was refused (then nothing was lost: it was never applied).
          const refusedBefore = [...this.refusedSeqs].some((seq) => seq > outcome.applied && seq <= batch.prev);
          const why = refusedBefore ? "an earlier batch of this store was refused" : "Redis no longer holds an earlier batch of this store (lost in a failover or a restart?)";
          return this.refused(record, new WriteError(this.owner.ns, `${why}, so this one was not applied`, { code: "order" }));
        }
        await Promise.allSettled(earlier.map((other) => other.done));
        if (this.applied < batch.prev || waits >= MAX_WAITS) {
          return this.refused(record, new WriteError(this.owner.ns, "an earlier batch of this store was refused, so this one was not applied", { code: "order" }));
        }
      }
    } finally {
      this.settle(record, target, sent);
    }
  }

  /** Whether the store was closed (a batch with an unknown outcome then stops being sent again). */
  private readonly isClosed = (): boolean => this.owner.closed;

  private acknowledged(record: InFlight, outcome: Exclude<BatchOutcome, { kind: "wait" }>): void {
    this.applied = Math.max(this.applied, record.batch.seq);
    if (outcome.kind === "applied" && outcome.seq === this.knownSeq + 1) this.knownSeq = outcome.seq;
    // A duplicate answer (the reply was lost) gives the expiry too: a live store must see the instance expire.
    if (outcome.expireAt > 0 && this.expireAt <= 0) this.onExpiry?.(outcome.expireAt);
    this.expireAt = outcome.expireAt;
    for (const [from, to] of outcome.aliases) this.owner.rename(from, to);
    // The batch that created the instance may be answered as a duplicate (its reply was lost).
    if (this.epoch === "") this.epoch = outcome.epoch;
    // Another process filled a default first: its value, not ours, is in Redis.
    if (outcome.skipped > 0) this.reloadWhenIdle();
    if (outcome.kind === "applied") {
      if (outcome.dropped.length > 0) this.reportDropped(record.batch, outcome.dropped);
      if (outcome.garbage.length > 0) {
        this.owner.backend.collect(this.owner.ns, outcome.garbage).catch((error: unknown) => this.owner.events.emit("error", asSyncFailure(this.owner.ns, "collecting unlinked containers", error)));
      }
    }
    if (record.incrs.length > 0) record.incrs.forEach((incr, i) => {
      const value = outcome.incrs[i];
      if (value === undefined) return incr.resolve(incr.expected);
      const number = Number(value);
      if (incr.node.fields[incr.field] === incr.expected) incr.node.fields[incr.field] = number;
      incr.resolve(number);
    });
    this.onSettled?.(record.batch.seq, outcome);
  }

  /**
   * Retention: what Redis dropped for each `keep` of an applied batch, as `change`
   * events (the replica trimmed itself when the write was made; under concurrency only
   * Redis knows which elements went). A dropped container is reported by its data when
   * the replica still knows it, else as null.
   */
  private reportDropped(batch: Batch, dropped: readonly [op: number, values: readonly Enc[]][]): void {
    const events = this.owner.events;
    if (!events.has("change")) return;
    for (const [index, values] of dropped) {
      const op = batch.ops[index];
      if (op === undefined || op[0] !== "keep") continue;
      const path = this.owner.pathOf(op[1]) ?? [];
      const data = values.map((enc): JsonValue => {
        if (!isRef(enc)) return JSON.parse(enc) as JsonValue;
        return this.owner.plainOf(enc.slice(3));
      });
      events.emit("change", { path, op: "keep", source: "local", dropped: data });
    }
  }

  private refused(record: InFlight, error: unknown): void {
    const failure = error instanceof RedisMemoryError ? error : new WriteError(this.owner.ns, String(error), { cause: bareCause(error), code: "redis" });
    for (const incr of record.incrs) incr.reject(failure);
    this.chainBroken = true;
    record.error = failure;
    this.refusedSeqs.add(record.batch.seq);
    // Only seqs above the last applied batch can be followed by a batch still on the wire.
    if (this.refusedSeqs.size > MAX_INFLIGHT * 4) for (const seq of this.refusedSeqs) if (seq <= this.applied) this.refusedSeqs.delete(seq);
    this.onSettled?.(record.batch.seq, undefined);
    // A transaction's refusal goes to the transaction (a stale read runs it again).
    if (!record.transaction) {
      this.failures.push(failure);
      this.owner.events.emit("error", failure);
    }
    this.reloadWhenIdle();
  }

  /** Resolves when nothing is queued or on the wire. */
  private async idle(): Promise<void> {
    this.send();
    while (!this.quiet()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Whether nothing is on the wire and nothing queued can leave now (idle()'s condition, checked after a send()). */
  private quiet(): boolean {
    if (this.inflight.size > 0) return false;
    if (this.pending.length === 0) return true;
    // Offline: writes are acknowledged once Redis came and has them.
    if (this.offline) return false;
    this.send();
    return this.inflight.size === 0;
  }

  /** Resolves when every write queued before the call is acknowledged; rejects with a failure since the last flush. */
  flush(timeout?: number): Promise<void> {
    if (timeout !== undefined) return this.flushWithin(timeout);
    // idle(), as a waiter that settle() calls: an awaited write resumes its caller one hop
    // after its batch settles (no async frame between).
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        try {
          if (!this.quiet()) {
            this.idleWaiters.push(check);
            return;
          }
          if (this.reloading === undefined && this.failures.length === 0) resolve();
          else resolve(this.flushed());
        } catch (error) {
          reject(error);
        }
      };
      this.send();
      check();
    });
  }

  /** flush() with a bound on the wait (FlushTimeoutError). */
  private async flushWithin(timeout: number): Promise<void> {
    {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<"expired">((resolve) => {
        timer = setTimeout(() => resolve("expired"), timeout);
      });
      try {
        if ((await Promise.race([this.idle(), expired])) === "expired") throw new FlushTimeoutError(this.owner.ns, timeout);
      } finally {
        clearTimeout(timer);
      }
    }
    return this.flushed();
  }

  /** The end of a flush: a reload after a refusal first, then the first failure since the last flush. */
  private async flushed(): Promise<void> {
    if (this.reloading) await this.reloading;
    const failure = this.failures[0];
    this.failures = [];
    if (failure !== undefined) throw failure;
  }

  /** As flush(), but a failure stays for the next flush() to report (a transaction waits with it). */
  async drained(): Promise<void> {
    // Opened offline: what a transaction reads is what Redis holds, so wait until the store synced.
    while (this.offline && !this.owner.closed) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.idle();
    if (this.reloading) await this.reloading;
  }

  get hasPendingWrites(): boolean {
    return this.pending.length > 0 || this.held.length > 0 || this.inflight.size > 0;
  }


  /** The writes queued that no batch has taken yet. */
  get queuedOps(): readonly Op[] {
    return this.held.length === 0 ? this.pending : [...this.pending, ...this.held];
  }

  /** How many batches this replica has sent (the change feed matches them with its own log entries). */
  get sentBatches(): number {
    return this.batchSeq;
  }

  /**
   * Resolves once nothing is queued or in flight, writes a running transaction holds
   * included (once it committed or dropped them); unlike flush() it leaves failures
   * for flush() to report.
   */
  async settled(): Promise<void> {
    await this.idle();
    // Held writes cannot leave before the transaction's fn returns: wait for it (not in a loop of microtasks).
    while (this.holding && this.held.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      await this.idle();
    }
  }

  /** After a refused batch the replica no longer matches Redis: reload once the queue drains. */
  private reloadWhenIdle(): void {
    if (this.reloading || !this.onStale) return;
    const reload = this.onStale;
    this.reloading = (async () => {
      await this.idle();
      try {
        await reload();
      } catch (error) {
        this.owner.events.emit("error", asSyncFailure(this.owner.ns, "reloading after a refused batch", error));
      } finally {
        this.reloading = undefined;
      }
    })();
  }
}

/**
 * The containers a batch declares (its KEYS): those that left the data since the last
 * batch and those its operations touch, each once. The root's id ("") stands for the
 * root's order record: declared when an operation touches the root, and by every batch
 * of a store with `ttl` (its expiry refresh gives every order record the instance's
 * expiry); other batches never need it (the script would ask: RMKEYS).
 */
function declaredIds(ops: readonly Op[], dropped: ReadonlySet<NodeId>, expiring: boolean): readonly NodeId[] {
  // One write to one container (an awaited append or key write): its ids as they are.
  if (ops.length === 1 && dropped.size === 0 && !expiring) return touches(ops[0]!);
  const keys = new Set<NodeId>(dropped);
  if (expiring) keys.add("");
  for (const op of ops) for (const id of touches(op)) keys.add(id);
  return [...keys];
}

/**
 * Of the containers a batch declares, those that only its list operations write: they
 * are declared without an order record (only a dict has one). A container that left the
 * data, or that another operation of the batch touches, is declared whole.
 */
function listIds(ops: readonly Op[], ids: readonly NodeId[], dropped: ReadonlySet<NodeId>): readonly NodeId[] | undefined {
  if (ops.length === 1 && dropped.size === 0) return OPS[ops[0]![0]].kind === "list" ? ids : undefined;
  let lists: Set<NodeId> | undefined;
  const others = new Set<NodeId>(dropped);
  for (const op of ops) {
    if (OPS[op[0]].kind === "list") (lists ??= new Set<NodeId>()).add(op[1]);
    else for (const id of touches(op)) others.add(id);
  }
  if (lists === undefined) return undefined;
  for (const id of others) lists.delete(id);
  return lists.size > 0 ? [...lists] : undefined;
}
