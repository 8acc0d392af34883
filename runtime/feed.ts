// The change feed of one live store: follows the instance's log and applies other
// writers' batches to the replica, in log order, exactly once. Entries arrive as
// messages on the channel `<ns>:log` (the batch script publishes each entry it
// appends to the stream `ns:log`), over the subscriber connection the store shares
// with every live store on its Redis (runtime/subscriber.ts). A gap in the
// sequence numbers, or a reconnect, is caught up from the stream; when that cannot
// prove the replica equals Redis (entries trimmed away, a rewind, an invalidation,
// another writer's entry landing while this store's own writes are unseen), the
// instance is reloaded. The rule and its proof: README, "Live sync across processes".
import { feedApplied, targetOf } from "./telemetry.js";
import { keysOf } from "./backend.js";
import { asSyncFailure } from "./errors.js";
import type { Node } from "./node.js";
import type { NodeId, Op } from "./ops.js";
import { touches } from "./op/rows.js";
import { applyRemote } from "./remote.js";
import type { ChangeEvent } from "./events.js";
import type { Replica } from "./replica.js";
import { reload, type LoadWatcher, type SyncState } from "./reload.js";
import type { ChannelListener, Subscriber } from "./subscriber.js";

/** Entries read per XRANGE call when catching up. */
const READ_COUNT = 1_000;
/** Longest pause between retries after catching up or reloading failed. */
const MAX_RETRY_MS = 2_000;

/** Stream ids are `<ms>-<n>`; compares them as numbers. */
export function compareIds(a: string, b: string): number {
  const [am = "0", an = "0"] = a.split("-");
  const [bm = "0", bn = "0"] = b.split("-");
  return Number(am) - Number(bm) || Number(an) - Number(bn);
}

interface LogEntry {
  readonly id: string;
  readonly seq: number;
  /** The instance epoch the batch was applied to ("" when the entry does not say). */
  readonly epoch: string;
  readonly client: string | undefined;
  readonly batch: number;
  /** The batch's operations (undefined for an invalidation: the ids of the containers it touched instead). */
  readonly ops: Op[] | undefined;
  readonly results: string[];
  /** Promotes of the batch that found the element already a container. */
  readonly aliases: [string, string][];
}

/** A stream entry (read when catching up). */
function parseEntry(id: string, fields: readonly string[]): LogEntry {
  const values: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
  return {
    id,
    seq: Number(values.s),
    epoch: values.e ?? "",
    client: values.c,
    batch: Number(values.b ?? 0),
    ops: values.o === undefined ? undefined : (JSON.parse(values.o) as Op[]),
    results: values.r === undefined ? [] : (JSON.parse(values.r) as string[]),
    aliases: aliasPairs(values.a === undefined ? [] : (JSON.parse(values.a) as string[])),
  };
}

/**
 * A published entry: the JSON object `{ s, e, c, b, id, x, o | i, r?, a? }` (the stream
 * entry's fields, its id, and the operations whole even when the stream keeps only ids).
 */
function parseMessage(text: string): LogEntry | undefined {
  try {
    const message = JSON.parse(text) as { s: number; e?: string; c: string; b: number; id: string; o?: Op[]; r?: string[]; a?: string[] };
    return {
      id: message.id,
      seq: Number(message.s),
      epoch: message.e ?? "",
      client: message.c,
      batch: Number(message.b ?? 0),
      ops: message.o,
      results: message.r ?? [],
      aliases: aliasPairs(message.a ?? []),
    };
  } catch {
    return undefined;
  }
}

function aliasPairs(list: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  return pairs;
}

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

/** The log channel of an instance: the batch script publishes each log entry there. */
export function channelOf(ns: string): string {
  return keysOf(ns)[2];
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
  /** Entries received and not applied yet, in the order they were published. */
  private queue: LogEntry[] = [];
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
  /** Pauses between retries, ended early by stop(). */
  private readonly pauses = new Map<NodeJS.Timeout, () => void>();

  constructor(
    private readonly replica: Replica,
    private readonly subscriber: Subscriber,
  ) {
    this.channel = channelOf(replica.ns);
    replica.batches.onSend = (seq, ops) => this.unseen.set(seq, touchedBy(replica, ops));
    // Counted only when Redis holds it (in doubt, 0: the batch is logged).
    replica.batches.ownSubscriptions = () =>
      !this.stopped && this.subscriber.listenerCount(this.channel) === 1 && this.subscriber.confirmed(this.channel) ? 1 : 0;
  }

  /** Subscribes to the instance's channel; call before the load the feed will start from. */
  listen(): Promise<void> {
    return this.subscriber.listen(this.channel, this);
  }

  /** Starts applying entries after `state.loaded`; `coveredBatches` is how many own batches that load included. */
  start(state: SyncState, coveredBatches: number): void {
    this.state = state;
    this.seen(coveredBatches);
    this.pump();
  }

  /** Called by `reload()` around a load. */
  hold(delta: number): void {
    this.holds += delta;
    if (this.holds > 0) return;
    if (this.catchAfterHold) {
      // A reconnect came during the load: what it missed may be after the load's position.
      this.catchAfterHold = false;
      this.catchUp();
    } else this.pump();
  }

  /** Whether the replica matches Redis at its position, with no load on the wire. */
  get current(): boolean {
    return !this.stale && this.holds === 0 && this.catching === undefined && this.queue.length === 0;
  }

  /** Called by `reload()`: the replica now equals Redis at `state.loaded`. */
  reloaded(coveredBatches: number): void {
    this.seen(coveredBatches);
    this.stale = false;
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
    this.queue = [];
  }

  // ---- the transport's events ----------------------------------------------

  message(text: string): void {
    if (this.stopped) return;
    const entry = parseMessage(text);
    if (entry === undefined) {
      // Not an entry this runtime can read: only Redis can say what the instance holds.
      this.markStale();
    } else {
      this.queue.push(entry);
    }
    this.pump();
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
    this.catchUp();
  }

  resync(): void {
    if (!this.stopped) this.catchUp();
  }

  // ---- applying entries ------------------------------------------------------

  /** Applies queued entries while the replica is current; a gap starts a catch-up from the stream. */
  private pump(): void {
    const state = this.state;
    if (!state || this.stopped || state.closed) return;
    while (this.queue.length > 0 && !this.stale && this.holds === 0 && this.catching === undefined) {
      const entry = this.queue[0]!;
      if (this.take(entry) === "gap") {
        this.catchUp();
        break;
      }
      this.queue.shift();
    }
    if (this.stale) void this.requestReload();
  }

  /** Reads the entries after the replica's position from the stream, then goes on with the queue. */
  private catchUp(): void {
    const state = this.state;
    if (!state || this.stopped) return;
    if (this.catching) {
      this.catchAgain = true;
      return;
    }
    if (this.holds > 0) {
      this.catchAfterHold = true;
      return;
    }
    this.catchAgain = false;
    this.catching = (async () => {
      let retry = 50;
      while (!this.stopped && !state.closed && !this.stale && this.holds === 0) {
        try {
          const { seq, entries } = await this.replica.backend.readLog(this.replica.ns, state.loaded.lastId, READ_COUNT);
          if (this.stopped || state.closed || this.stale) return;
          if (this.holds > 0) {
            this.catchAfterHold = true;
            return;
          }
          for (const [id, fields] of entries) {
            // Read from the stream itself: a gap here means entries were trimmed away.
            let entry: LogEntry;
            try {
              entry = parseEntry(id, fields);
            } catch {
              return this.markStale();
            }
            if (this.take(entry) === "gap") return this.markStale();
            if (this.stale) return;
          }
          if (entries.length === READ_COUNT) continue;
          // Fewer than Redis counted (ids out of order after a restart), or more (a rewind).
          if (state.loaded.seq !== seq) this.markStale();
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
      else this.pump();
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
    // Already in the replica: a reload or a catch-up read past it. ("0-0": the script
    // could not log it; only its seq places it.)
    const logged = entry.id !== "0-0";
    if (logged ? compareIds(entry.id, state.loaded.lastId) <= 0 : entry.seq <= state.loaded.seq) return undefined;
    // Entries between the position and this one were missed.
    if (entry.seq > state.loaded.seq + 1) return "gap";
    // A rewind (server restarted, instance deleted, a failover lost writes).
    if (entry.seq !== state.loaded.seq + 1) return this.markStale();
    if (entry.client === replica.clientId) {
      // Applied locally when it was written.
      this.seen(entry.batch);
      state.loaded = { seq: entry.seq, lastId: logged ? entry.id : state.loaded.lastId };
      return undefined;
    }
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
    state.loaded = { seq: entry.seq, lastId: logged ? entry.id : state.loaded.lastId };
    if (logged) feedApplied(targetOf(replica.ns), Number.parseInt(entry.id, 10));
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
          await this.pause(retry);
          retry = Math.min(retry * 2, MAX_RETRY_MS);
        }
      }
    })().finally(() => {
      this.reloading = undefined;
      this.pump();
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
