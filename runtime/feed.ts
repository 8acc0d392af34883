// The change feed of one live store: follows the instance's log and applies other
// writers' batches to the replica, in log order, exactly once. A message on the
// channel `<ns>:log` (the batch script publishes one per batch) is only a wake-up:
// anyone allowed to publish there can send anything, so what the replica applies is
// read from the stream `ns:log` itself, after the replica's position. The store's own
// batches are placed in the log by their script replies (the stream may keep no entry
// of them). When the stream cannot prove the replica equals Redis (entries trimmed
// away, a rewind, an invalidation, another writer's entry landing while this store's
// own writes are unseen), the instance is reloaded. The rule and its proof: README,
// "Live sync across processes".
import { feedApplied, targetOf } from "./telemetry.js";
import type { BatchOutcome } from "./backend.js";
import { asSyncFailure, type RedisCommandError } from "./errors.js";
import type { Node } from "./node.js";
import type { NodeId, Op } from "./ops.js";
import { touches } from "./op/rows.js";
import { channelOf, claimedClient, compareIds, isStreamId, parseEntry, type LogEntry } from "./protocol/log.js";
import { applyRemote } from "./remote.js";
import type { ChangeEvent } from "./events.js";
import type { Replica } from "./replica.js";
import { isLasting, reload, type LoadWatcher, type SyncState } from "./reload.js";
import type { ChannelListener, Subscriber } from "./subscriber.js";

/** Entries read per XRANGE call when catching up. */
const READ_COUNT = 1_000;
/** Longest pause between retries after catching up or reloading failed. */
const MAX_RETRY_MS = 2_000;

/**
 * The containers a batch writes to, as the replica's nodes: ids alone do not say it
 * (a promote that found the element already a container writes under the winner's id,
 * and the replica renames its node when it learns that). `undefined` stands for a
 * container the replica does not know.
 */
function touchedBy(replica: Replica, ops: readonly Op[], aliases: readonly [string, string][] = []): Set<Node | undefined> {
  const alias = new Map(aliases);
  const nodeOf = (id: NodeId): Node | undefined => {
    const resolved = alias.get(id) ?? id;
    return resolved === "" ? replica.root : replica.nodes.get(resolved);
  };
  const nodes = new Set<Node | undefined>();
  for (const op of ops) for (const id of touches(op)) nodes.add(nodeOf(id));
  return nodes;
}

/** Where an own batch landed in the log, as its script reply said. */
interface OwnPlace {
  readonly id: string;
  readonly batch: number;
  readonly epoch: string;
}

export class Feed implements ChannelListener, LoadWatcher {
  /** A reload is due: entries are not applied until it is done. */
  stale = false;
  /** Loads on the wire: entries are not applied meanwhile. */
  private holds = 0;
  /** Own batches (by batch seq) that are in the replica's log position or before it. */
  private ownSeen = 0;
  /** Containers each own batch past `ownSeen` wrote to, by batch seq. */
  private readonly unseen = new Map<number, Set<Node | undefined>>();
  /** Own batches sent and not answered yet, by batch seq. */
  private readonly unsettled = new Set<number>();
  /** Own batches placed in the log by their replies, past the position, by instance seq. */
  private readonly ownAt = new Map<number, OwnPlace>();
  /** A catch-up found entries missing that an own batch on the wire may be: it reads again once one is answered. */
  private waitingOwn = false;
  /** A wake-up came before start(): the load may not include what it announced. */
  private woken = false;
  private state: SyncState | undefined;
  private readonly channel: string;
  private stopped = false;
  private disconnected = false;
  private reloading: Promise<void> | undefined;
  private catching: Promise<void> | undefined;
  /** A catch-up was asked for while one was on the wire (it may have read before the reason for it). */
  private catchAgain = false;
  /** A catch-up was asked for while a reload held the feed: it runs when the hold ends. */
  private catchAfterHold = false;
  /**
   * A reload was refused for good (the instance is at a version this store may not
   * write, or its migration fails): entries are not followed until a reload succeeds
   * ($refresh()), rather than a reload, refused again, for every wake-up.
   */
  private parked = false;
  /** Pauses between retries, ended early by stop(). */
  private readonly pauses = new Map<NodeJS.Timeout, () => void>();

  constructor(
    private readonly replica: Replica,
    private readonly subscriber: Subscriber,
  ) {
    this.channel = channelOf(replica.ns);
    replica.batches.onSend = (seq, ops) => {
      this.unseen.set(seq, touchedBy(replica, ops));
      this.unsettled.add(seq);
    };
    replica.batches.onSettled = (seq, outcome) => this.answered(seq, outcome);
    // Counted only when Redis holds it (in doubt, 0: the batch is logged).
    replica.batches.ownSubscriptions = () =>
      !this.stopped && this.subscriber.listenerCount(this.channel) === 1 && this.subscriber.confirmed(this.channel) ? 1 : 0;
  }

  /** Subscribes to the instance's channel; call before the load the feed will start from. */
  listen(): Promise<void> {
    return this.subscriber.listen(this.channel, this);
  }

  /** Starts following the log after `state.loaded`; `coveredBatches` is how many own batches that load included. */
  start(state: SyncState, coveredBatches: number): void {
    this.state = state;
    this.seen(coveredBatches);
    if (this.woken) this.catchUp();
    else this.proceed();
  }

  /** Called by `reload()` around a load. */
  hold(delta: number): void {
    this.holds += delta;
    if (this.holds > 0) return;
    if (this.catchAfterHold) {
      // A wake-up or a reconnect came during the load: what it announced may be after the load's position.
      this.catchAfterHold = false;
      this.catchUp();
    } else this.proceed();
  }

  /** Whether the replica matches Redis at its position, with no load or read on the wire. */
  get current(): boolean {
    return !this.stale && this.holds === 0 && this.catching === undefined && this.reloading === undefined && !this.waitingOwn && this.ownAt.size === 0;
  }

  /** Called by `reload()`: the replica now equals Redis at `state.loaded`. */
  reloaded(coveredBatches: number): void {
    this.seen(coveredBatches);
    this.stale = false;
    this.parked = false;
    // A counted load waited for every own batch to be answered: it holds them all.
    this.ownAt.clear();
    this.waitingOwn = false;
  }

  /** Stops applying entries and leaves the channel. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.subscriber.unlisten(this.channel, this);
    for (const [timer, resolve] of this.pauses) {
      clearTimeout(timer);
      resolve();
    }
    this.pauses.clear();
    this.ownAt.clear();
  }

  // ---- the transport's events ----------------------------------------------

  /** A message on the channel: a wake-up, whatever it holds (its text is never applied). */
  message(text: string): void {
    if (this.stopped) return;
    // The store's own batches are placed by their replies.
    if (claimedClient(text) === this.replica.clientId) return;
    if (this.state === undefined) this.woken = true;
    else this.catchUp();
  }

  down(): void {
    if (this.stopped || this.disconnected) return;
    this.disconnected = true;
    this.replica.events.emit("status", { status: "disconnected" });
  }

  up(): void {
    if (this.stopped) return;
    if (this.disconnected) {
      this.disconnected = false;
      this.replica.events.emit("status", { status: "connected" });
    }
    // Entries published while the connection was away were missed.
    if (this.state === undefined) this.woken = true;
    else this.catchUp();
  }

  refused(error: RedisCommandError): void {
    if (!this.stopped) this.replica.events.emit("error", error);
  }

  resync(): void {
    if (this.stopped) return;
    if (this.state === undefined) this.woken = true;
    else this.catchUp();
  }

  // ---- following the log -----------------------------------------------------

  /** An own batch was answered: `outcome` places it in the log (undefined: refused, it is not in the log). */
  private answered(batch: number, outcome: BatchOutcome | undefined): void {
    this.unsettled.delete(batch);
    if (this.stopped) return;
    if (outcome?.kind === "applied" && isStreamId(outcome.entryId)) {
      this.ownAt.set(outcome.seq, { id: outcome.entryId, batch, epoch: outcome.epoch });
    } else if (outcome !== undefined) {
      // Applied, but the answer does not say where (a duplicate's): the log does.
      this.waitingOwn = true;
    }
    if (this.waitingOwn) {
      this.waitingOwn = false;
      this.catchUp();
    } else this.proceed();
  }

  /** Moves the position over own batches placed right after it; then reloads, or reads what lies before the next one. */
  private proceed(): void {
    const state = this.state;
    if (!state || this.stopped || state.closed || this.parked) return;
    if (this.stale) {
      void this.requestReload();
      return;
    }
    if (this.holds > 0 || this.catching !== undefined || this.waitingOwn) return;
    this.takeOwn();
    if (this.stale) void this.requestReload();
    // A reply placed an own batch after entries of other writers not read yet.
    else if (this.ownAt.size > 0) this.catchUp();
  }

  /** Moves the position over the own batches placed right after it (their writes are in the replica already). */
  private takeOwn(): void {
    const state = this.state!;
    const epoch = this.replica.batches.epoch;
    for (let place = this.ownAt.get(state.loaded.seq + 1); place !== undefined; place = this.ownAt.get(state.loaded.seq + 1)) {
      this.ownAt.delete(state.loaded.seq + 1);
      // Applied to an incarnation of the instance the replica no longer reflects.
      if (place.epoch !== epoch) continue;
      const logged = place.id !== "0-0";
      if (logged && compareIds(place.id, state.loaded.lastId) <= 0) {
        this.markStale();
        break;
      }
      this.seen(place.batch);
      state.loaded = { ...state.loaded, seq: state.loaded.seq + 1, lastId: logged ? place.id : state.loaded.lastId };
    }
    for (const [seq, place] of this.ownAt) {
      if (seq > state.loaded.seq) continue;
      this.ownAt.delete(seq);
      // Read from the log already, or (a later id at a seq the replica passed) a rewind: the
      // instance was deleted or restarted and this batch began its new log.
      if (place.id !== "0-0" && compareIds(place.id, state.loaded.lastId) > 0) this.markStale();
    }
  }

  /** Entries between the position and Redis' seq are not in the stream: an own batch on the wire may be them; else reload. */
  private missing(): undefined {
    if (this.unsettled.size > 0) {
      this.waitingOwn = true;
      return undefined;
    }
    return this.markStale();
  }

  /** Reads the entries after the replica's position from the stream and applies them. */
  private catchUp(): void {
    const state = this.state;
    if (!state || this.stopped || this.parked) return;
    if (this.catching) {
      this.catchAgain = true;
      return;
    }
    if (this.holds > 0) {
      this.catchAfterHold = true;
      return;
    }
    this.catchAgain = false;
    this.waitingOwn = false;
    this.catching = (async () => {
      let retry = 50;
      while (!this.stopped && !state.closed && !this.stale && this.holds === 0) {
        try {
          this.takeOwn();
          if (this.stale) return;
          const { seq, epoch, entries } = await this.replica.backend.readLog(this.replica.ns, state.loaded.lastId, READ_COUNT);
          if (this.stopped || state.closed || this.stale) return;
          if (this.holds > 0) {
            this.catchAfterHold = true;
            return;
          }
          // The instance is gone, or another incarnation of it: its log does not continue the replica's.
          // (A replica that loaded no instance follows the one being created.)
          const ours = this.replica.batches.epoch;
          if (epoch !== ours && ours !== "" && this.unsettled.size === 0) return this.markStale();
          if (entries instanceof Error) throw entries;
          for (const [id, fields] of entries) {
            this.takeOwn();
            if (this.stale) return;
            const entry = parseEntry(id, fields);
            // Not an entry the batch script writes: only a reload can say what the instance holds.
            if (entry === undefined) return this.markStale();
            if (this.take(entry) === "gap") return this.missing();
            if (this.stale) return;
          }
          if (entries.length === READ_COUNT) continue;
          this.takeOwn();
          // Fewer than Redis counted (trimmed away, ids out of order after a restart), or more (a rewind).
          if (state.loaded.seq < seq) return this.missing();
          if (state.loaded.seq > seq) this.markStale();
          return;
        } catch (error) {
          if (this.stopped || state.closed) return;
          this.replica.events.emit("error", asSyncFailure(this.replica.ns, "catching up with the change log", error));
          await this.pause(retry);
          retry = Math.min(retry * 2, MAX_RETRY_MS);
        }
      }
      if (this.holds > 0) this.catchAfterHold = true;
    })().finally(() => {
      this.catching = undefined;
      if (this.catchAgain) this.catchUp();
      else this.proceed();
    });
  }

  /** Applies one log entry, or marks the replica stale when it cannot know the result; "gap" when entries before it are missing. */
  private take(entry: LogEntry): "gap" | undefined {
    const state = this.state!;
    const replica = this.replica;
    // Another incarnation of the instance (deleted and made again, or an empty restart):
    // seqs and ids of the two do not compare.
    const epoch = replica.batches.epoch;
    if (entry.epoch !== "" && epoch !== "" && entry.epoch !== epoch) return this.markStale();
    // Already in the replica: a reload or a catch-up read past it.
    if (compareIds(entry.id, state.loaded.lastId) <= 0) return undefined;
    // Entries between the position and this one were missed.
    if (entry.seq > state.loaded.seq + 1) return "gap";
    // A rewind (server restarted, instance deleted, a failover lost writes).
    if (entry.seq !== state.loaded.seq + 1) return this.markStale();
    if (entry.client === replica.clientId) {
      // Applied locally when it was written.
      this.seen(entry.batch);
      this.ownAt.delete(entry.seq);
      state.loaded = { ...state.loaded, ...entry.versions, seq: entry.seq, lastId: entry.id };
      return undefined;
    }
    // Another schema version made or migrated the instance: its operations are in a shape
    // this store does not hold. A reload decides as open() would: refused when this
    // version may no longer write it, migrated when it is older than this version.
    const versions = entry.versions;
    if (versions && (versions.vmin > replica.batches.version.version || versions.version < replica.batches.version.vmin)) return this.markStale();
    const ops = entry.ops;
    if (ops === undefined) return this.markStale();
    let events: ChangeEvent[];
    try {
      if (this.overlapsUnseen(ops, entry.aliases)) return this.markStale();
      events = applyRemote(replica, ops, entry.results, entry.aliases);
    } catch {
      // Whatever failed, the replica may be half-way: Redis is the truth.
      return this.markStale();
    }
    state.loaded = { ...state.loaded, ...entry.versions, seq: entry.seq, lastId: entry.id };
    feedApplied(targetOf(replica.ns), Number.parseInt(entry.id, 10));
    for (const event of events) replica.events.emit("change", event);
    return undefined;
  }

  /** Own batches up to `batch` are in the replica's log position. */
  private seen(batch: number): void {
    this.ownSeen = Math.max(this.ownSeen, batch);
    for (const seq of this.unseen.keys()) if (seq <= this.ownSeen) this.unseen.delete(seq);
  }

  /**
   * Whether another writer's batch writes to a container that own writes the log
   * has not shown yet also write to. Those come after it in Redis but before it in
   * the replica; writes to different containers give the same result in either
   * order, writes to one container may not.
   */
  private overlapsUnseen(ops: readonly Op[], aliases: readonly [string, string][]): boolean {
    const replica = this.replica;
    const theirs = touchedBy(replica, ops, aliases);
    const mine = [touchedBy(replica, replica.batches.queuedOps)];
    for (let seq = this.ownSeen + 1; seq <= replica.batches.sentBatches; seq++) {
      const batch = this.unseen.get(seq);
      // Sent before the feed started: what it touched is not known.
      if (batch === undefined) return true;
      mine.push(batch);
    }
    const pending = replica.batches.queuedOps.length > 0 || this.ownSeen < replica.batches.sentBatches;
    // A container the replica does not know may be one of its own under another id.
    if (pending && theirs.has(undefined)) return true;
    return mine.some((batch) => [...batch].some((node) => node === undefined || theirs.has(node)));
  }

  private markStale(): undefined {
    this.stale = true;
    return undefined;
  }

  /** Reloads (once at a time) until the replica is fresh; retries with a growing pause on failure. */
  requestReload(): Promise<void> {
    const state = this.state;
    if (!state) return Promise.resolve();
    this.stale = true;
    this.reloading ??= (async () => {
      let retry = 50;
      while (this.stale && !this.stopped && !state.closed) {
        try {
          await reload(state);
        } catch (error) {
          if (this.stopped || state.closed) break;
          this.replica.events.emit("error", asSyncFailure(this.replica.ns, "reloading", error));
          if (isLasting(error)) {
            this.parked = true;
            break;
          }
          await this.pause(retry);
          retry = Math.min(retry * 2, MAX_RETRY_MS);
        }
      }
    })().finally(() => {
      this.reloading = undefined;
      this.proceed();
    });
    return this.reloading;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pauses.delete(timer);
        resolve();
      }, ms);
      this.pauses.set(timer, resolve);
    });
  }
}
